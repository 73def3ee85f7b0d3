"""The day's contact plan from the database: work queue and due strategy steps in, plan out.

``day_plan(organisation, day)`` reads, in a fixed number of queries whatever the portfolio's
size:

- the organisation's open cases as the debt radar's work queue (``scoring.selectors.
  case_inputs`` + the latest ``CaseScore`` + ``scoring.queue.order_queue``: deadlines first,
  then expected value per hour), one entry per debtor across all their cases and invoices;
- strategy steps due that day or earlier (``intake`` ``StrategyStep`` in state ``scheduled``,
  or ``authorized`` and still waiting for a person to call or visit); a debtor with a due
  step is planned on the step's channels, ahead of the queue;
- each debtor's contact history and the holds in force (what the gate would read), so the
  pure policy says what is still allowed that day — nothing is written: planning is a
  forecast, the gate still decides every real attempt at its real time;
- past call outcomes per local hour, per debtor and for the whole organisation (the
  planner's smoothed connection rates);
- the capacity: robots × calls a day each, collectors holding a certificate valid that day ×
  calls a day each, visit teams, and optional daily caps on SMS, e-mail and letters
  (``settings.QINGQIAN_CONTACT_PLAN``, overridable per call).

It hands all of it to the pure ``contact.schedule.plan_day`` and returns a :class:`DayPlanView`
(the plan plus names, case references and bilingual reasons) for the command and the page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractHour

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.cases.models import Case, CaseParty, PartyRole
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed
from qingqian.contact import policy as pol
from qingqian.contact.models import ContactAttempt, ContactHold
from qingqian.contact.schedule import (
    COLLECTOR_CAPACITY,
    ROBOT_CAPACITY,
    QueueEntry,
    plan_day,
    window_hours,
)
from qingqian.contact.services import contact_policy_current, kernel_hold
from qingqian.contact.speech import DebtorSpeech, debtor_speech
from qingqian.parties.models import Party
from qingqian.scoring.queue import QueueConfig, QueueItem, order_queue
from qingqian.scoring.selectors import INACTIVE_STATES, case_inputs, latest_scores, threshold_for
from qingqian.strategy.models import RunStatus, StepState, StrategyStep
from qingqian.strategy.playbooks import STEP_LABELS, StepKind
from qingqian.strategy.services import GATE_CHANNEL

#: Channels tried for a queue debtor, by the work queue's next best action. People call the
#: most valuable debtors while collectors are free, robots the next, an SMS the rest.
PHONE_FIRST = (pol.Channel.VOICE, pol.Channel.ROBOT, pol.Channel.SMS)
WRITTEN = (pol.Channel.LETTER,)
ACTION_CHANNELS: dict[str, tuple[pol.Channel, ...]] = {
    "interrupt_limitation": WRITTEN,  # a written demand with proof of delivery
    "demand_letter": WRITTEN,
    "another_channel": WRITTEN,
}
#: Next best actions that are not a contact today: the debtor is left out with this reason.
NOT_CONTACT = {"legal_review": "legal_review", "wait": "policy_wait"}
#: How far back call outcomes teach the best hours.
LEARN_DAYS = 180
#: A written demand sent this many days ago or less is followed up by phone, not repeated.
LETTER_REST_DAYS = 14

DEFAULTS: dict[str, int | None] = {
    "robots": 10,
    "robot_capacity": ROBOT_CAPACITY,
    "collector_capacity": COLLECTOR_CAPACITY,
    "visits_per_team": 2,
    "sms": None,
    "email": None,
    "letter": None,
}


@dataclass(frozen=True)
class Capacity:
    """What the organisation can do in a day (``None``: no cap on that channel)."""

    robots: int
    robot_capacity: int
    collector_capacity: int
    visits_per_team: int
    sms: int | None
    email: int | None
    letter: int | None

    @classmethod
    def from_settings(cls, **overrides: int | None) -> Capacity:
        conf: dict[str, Any] = dict(DEFAULTS)
        conf.update(getattr(settings, "QINGQIAN_CONTACT_PLAN", {}) or {})
        conf.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(conf) - set(DEFAULTS)
        if unknown:
            raise ValidationFailed(
                f"未知的联系计划设置：{sorted(unknown)}",
                f"Unknown contact plan settings: {sorted(unknown)}",
                code="plan_setting_unknown",
            )
        for key, value in conf.items():
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValidationFailed(
                    f"{key} 必须是非负整数：{value!r}",
                    f"{key} must be a non-negative integer: {value!r}",
                    code="plan_capacity_invalid",
                    details={"field": key},
                )
        if conf["robot_capacity"] < 1:
            raise ValidationFailed(
                "robot_capacity 必须至少为 1。",
                "robot_capacity must be at least 1.",
                code="plan_capacity_invalid",
                details={"field": "robot_capacity"},
            )
        return cls(**conf)

    def as_dict(self) -> dict[str, int | None]:
        return {k: getattr(self, k) for k in DEFAULTS}


@dataclass(frozen=True)
class Slot:
    """One planned contact, with what a person needs to read it."""

    at: dt.datetime  # the debtor's local time
    channel: str
    party_id: int
    party_name: str
    cases: tuple[tuple[int, str], ...]  # (id, reference)
    reason_code: str
    reason_zh: str
    reason_en: str
    robot: int | None
    collector: str | None  # username
    hour_score: float
    dialect: str = ""  # the debtor's dialect when known (mediation.geo.Dialect value)
    dialect_matched: bool = False  # the collector speaks it
    dialect_zh: str = ""  # its name, for the page
    dialect_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.at.isoformat(),
            "channel": self.channel,
            "party_id": self.party_id,
            "party": self.party_name,
            "case_ids": [c for c, _ in self.cases],
            "cases": [r for _, r in self.cases],
            "reason": self.reason_code,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "robot": self.robot,
            "collector": self.collector,
            "hour_score": round(self.hour_score, 4),
            "dialect": self.dialect,
            "dialect_matched": self.dialect_matched,
        }


@dataclass(frozen=True)
class LeftOut:
    """A debtor with open cases who gets no contact that day, and why."""

    party_id: int | None
    party_name: str
    cases: tuple[tuple[int, str], ...]
    code: str  # the policy's reason code or the planner's
    category: str  # hold, cap, window, reached, capacity, not_contact, no_channel

    def as_dict(self) -> dict[str, Any]:
        return {
            "party_id": self.party_id,
            "party": self.party_name,
            "case_ids": [c for c, _ in self.cases],
            "cases": [r for _, r in self.cases],
            "reason": self.code,
            "category": self.category,
        }


@dataclass(frozen=True)
class DayPlanView:
    organisation: Organisation
    day: dt.date
    policy_version: str
    capacity: Capacity
    collectors: dict[str, int]  # certified collectors that day: username -> calls
    visit_capacity: int
    slots: tuple[Slot, ...]
    left_out: tuple[LeftOut, ...]
    not_before: dt.datetime | None = None
    learned_from: int = 0  # call outcomes the hours were learned from
    window: tuple[int, ...] = ()  # the policy's whole local contact hours
    totals: dict[str, int] = field(default_factory=dict)

    def by_channel(self) -> dict[str, list[Slot]]:
        out: dict[str, list[Slot]] = defaultdict(list)
        for s in self.slots:
            out[s.channel].append(s)
        return {k: sorted(v, key=lambda s: (s.at, s.party_id)) for k, v in sorted(out.items())}

    def by_channel_hour(self) -> dict[str, dict[int, int]]:
        out: dict[str, Counter[int]] = defaultdict(Counter)
        for s in self.slots:
            out[s.channel][s.at.hour] += 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def left_out_by_category(self) -> dict[str, int]:
        return dict(Counter(x.category for x in self.left_out))

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.short_code,
            "date": self.day.isoformat(),
            "policy_version": self.policy_version,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "capacity": {
                **self.capacity.as_dict(),
                "collectors": dict(sorted(self.collectors.items())),
                "visits": self.visit_capacity,
            },
            "learned_from_outcomes": self.learned_from,
            "totals": {
                "planned": len(self.slots),
                "left_out": len(self.left_out),
                "per_channel": dict(sorted(self.totals.items())),
                "per_channel_hour": {
                    k: {f"{h:02d}": n for h, n in v.items()}
                    for k, v in self.by_channel_hour().items()
                },
                "left_out_by_category": self.left_out_by_category(),
                "left_out_by_reason": dict(Counter(x.code for x in self.left_out)),
            },
            "slots": {k: [s.as_dict() for s in v] for k, v in self.by_channel().items()},
            "left_out": [x.as_dict() for x in self.left_out],
        }


# --------------------------------------------------------------------------- reading


def _category(code: str, policy: pol.Policy) -> str:
    if code.startswith("hold_") or code == "medium_refused_earlier":
        return "hold"
    if code in {c.code for c in policy.caps} | {c.code for c in policy.cooldowns}:
        return "cap"
    if code in ("outside_window", "outside_hours"):
        return "window"
    if code == "already_reached_today":
        return "reached"
    if code == "no_capacity":
        return "capacity"
    if code in NOT_CONTACT.values():
        return "not_contact"
    return "no_channel"


def _history(
    organisation: Organisation, parties: Mapping[int, dict[str, Any]], since: dt.datetime
) -> dict[int, list[pol.Attempt]]:
    """Each party's allowed attempts the policy can count (by person or by their number),
    like the gate's own read, for every party at once. The organisation's recent attempts
    are read whole (no list of ids is sent) and sorted to their people here."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for pid, p in parties.items():
        if p["phone_hash"]:
            by_hash[p["phone_hash"]].append(pid)
    rows = (
        ContactAttempt.objects.filter(organisation=organisation, allowed=True)
        .filter(Q(at__gte=since) | Q(outcome="refused") | Q(party_role="third_party"))
        .values_list("at", "channel", "outcome", "party_role", "number_hash", "party_id", "case_id")
    )
    out: dict[int, list[pol.Attempt]] = defaultdict(list)
    for at, channel, outcome, role, nh, pid, cid in rows:
        owners = set(by_hash.get(nh, ())) if nh else set()
        if pid in parties:
            owners.add(pid)
        if not owners:
            continue
        attempt = pol.Attempt(
            at=at,
            channel=pol.Channel(channel),
            outcome=pol.Outcome(outcome) if outcome else None,
            party_role=pol.PartyRole(role),
            number=nh or None,
            party_id=str(pid),
            debt_id=str(cid),
        )
        for owner in owners:
            out[owner].append(attempt)
    return out


def _hour_stats(
    organisation: Organisation, party_ids: Container[int], since: dt.datetime, tz: Any
) -> tuple[dict[int, dict[int, tuple[int, int]]], dict[int, tuple[int, int]]]:
    """(per party, whole organisation): local hour -> (connected, call attempts), aggregated
    by the database over the organisation's calls (no list of ids is sent)."""
    calls = ContactAttempt.objects.filter(
        organisation=organisation,
        allowed=True,
        channel__in=[pol.Channel.VOICE.value, pol.Channel.ROBOT.value],
        at__gte=since,
    ).exclude(outcome="")
    agg = {"n": Count("id"), "c": Count("id", filter=Q(outcome=pol.Outcome.CONNECTED.value))}
    per: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in (
        calls.annotate(h=ExtractHour("at", tzinfo=tz))
        .values("party_id", "h")
        .annotate(**agg)
        .order_by()
    ):
        if row["party_id"] in party_ids:
            per[row["party_id"]][row["h"]] = (row["c"], row["n"])
    portfolio = {
        row["h"]: (row["c"], row["n"])
        for row in calls.annotate(h=ExtractHour("at", tzinfo=tz))
        .values("h")
        .annotate(**agg)
        .order_by()
    }
    return per, portfolio


def _holds(
    organisation: Organisation, party_ids: Container[int], case_party: Mapping[int, int]
) -> dict[int, list[pol.Hold]]:
    """Holds in force per party: their own, and those on everyone of one of their cases."""
    out: dict[int, list[pol.Hold]] = defaultdict(list)
    for h in ContactHold.objects.filter(organisation=organisation, lifted_at__isnull=True):
        owner = h.party_id if h.party_id is not None else case_party.get(h.case_id)
        if owner is not None and owner in party_ids:
            out[owner].append(kernel_hold(h))
    return out


def _letters_since(organisation: Organisation, since: dt.datetime) -> dict[int, dt.datetime]:
    """When each person was last sent a letter the gate allowed, since ``since``."""
    return dict(
        ContactAttempt.objects.filter(
            organisation=organisation,
            allowed=True,
            channel=pol.Channel.LETTER.value,
            at__gte=since,
        )
        .values("party_id")
        .annotate(last=Max("at"))
        .values_list("party_id", "last")
        .order_by()
    )


def _certified(organisation: Organisation, day: dt.date, per_collector: int) -> dict[int, str]:
    users = User.objects.filter(
        organisation=organisation, role=Role.COLLECTOR, is_active=True, cert_expires__gte=day
    ).order_by("username")
    return {u.pk: u.username for u in users if u.certification_valid_on(day) and per_collector}


def _speech_fields(known: DebtorSpeech | None) -> dict[str, str]:
    if known is None:
        return {}
    return {"dialect": known.dialect, "dialect_zh": known.label_zh, "dialect_en": known.label_en}


def _check_day(day: dt.date, today: dt.date) -> None:
    if day < today:
        raise ValidationFailed(
            f"联系计划只能为今天或以后的日期制定：{day.isoformat()}",
            f"A contact plan is for today or a later day: {day.isoformat()}",
            code="plan_day_past",
            details={"date": day.isoformat(), "today": today.isoformat()},
        )


def day_plan(
    organisation: Organisation,
    day: dt.date | None = None,
    *,
    capacity: Capacity | None = None,
    now: dt.datetime | None = None,
) -> DayPlanView:
    """The organisation's contact plan for ``day`` (default today); reads only."""
    now = now or clock.now()
    today = now.astimezone(clock.BUSINESS_TZ).date()
    day = day or today
    _check_day(day, today)
    capacity = capacity or Capacity.from_settings()
    _, policy = contact_policy_current(None, organisation)
    tz = pol.zone(policy.default_timezone)

    # 1. the work queue: open cases, one entry per debtor, ordered by the debt radar.
    cases_qs = Case.objects.filter(organisation=organisation).exclude(state__in=INACTIVE_STATES)
    inputs = case_inputs(cases_qs)
    scores = latest_scores(i.case_id for i in inputs)
    items = []
    for i in inputs:
        balance = i.facts.principal - sum((p.amount for p in i.facts.payments), Decimal(0))
        if balance <= 0:
            continue
        stored = scores.get(i.case_id)
        items.append(
            QueueItem(
                case_id=str(i.case_id),
                debtor_id=i.debtor_id,
                balance=balance,
                score=stored.score if stored else 0,
                limitation_expires_on=i.facts.limitation_expires_on,
                dishonest_debtor=i.facts.dishonest_listed_on is not None,
                registry_status=i.facts.registry_status or "unknown",
            )
        )
    queue = order_queue(
        items, today=day, config=QueueConfig(threshold=threshold_for(organisation.pk))
    )
    handler_of = {i.case_id: i.handler_id for i in inputs}

    # 2. strategy steps due: the treatment's own channels, ahead of the queue.
    steps = list(
        StrategyStep.objects.filter(
            run__organisation=organisation,
            run__status=RunStatus.ACTIVE,
            due_on__lte=day,
            state__in=[StepState.SCHEDULED, StepState.AUTHORIZED],
        )
        .order_by("due_on", "pk")
        .values("kind", "channels", "state", "run__debtor_id", "run__case_id")
    )

    # 3. the people, their cases and the collectors.
    # The open cases' debtors and references come by subquery: no list of ids is sent.
    step_parties = {s["run__debtor_id"] for s in steps}
    debtors = CaseParty.objects.filter(case__in=cases_qs, role=PartyRole.DEBTOR)
    parties: dict[int, dict[str, Any]] = {
        p["id"]: dict(p)
        for p in Party.objects.filter(organisation=organisation)
        .filter(Q(pk__in=debtors.values("party_id")) | Q(pk__in=step_parties))
        .values("id", "name", "phone_hash", "address", "timezone")
    }
    refs = dict(
        Case.objects.filter(organisation=organisation)
        .filter(Q(pk__in=cases_qs.values("pk")) | Q(pk__in={s["run__case_id"] for s in steps}))
        .values_list("id", "reference")
    )
    collectors = _certified(organisation, day, capacity.collector_capacity)
    collector_caps = {str(pk): capacity.collector_capacity for pk in collectors}
    teams = len(collectors) // max(1, policy.visit_min_collectors)
    visit_capacity = teams * capacity.visits_per_team

    # 4. build one planner entry per debtor.
    rank_priority = {e.debtor_id: float(len(queue) - e.rank + 1) for e in queue}
    wanted: dict[int, dict[str, Any]] = {}
    left_out: list[LeftOut] = []

    def cases_of(ids: Iterable[int]) -> tuple[tuple[int, str], ...]:
        return tuple((c, refs.get(c, str(c))) for c in dict.fromkeys(ids))

    letters = _letters_since(organisation, now - dt.timedelta(days=LETTER_REST_DAYS))
    for e in queue:
        ids = [int(c) for c in e.case_ids]
        if not e.debtor_id.startswith("p") or int(e.debtor_id[1:]) not in parties:
            left_out.append(LeftOut(None, e.debtor_id[1:], cases_of(ids), "no_party", "no_channel"))
            continue
        pid = int(e.debtor_id[1:])
        if e.action.code in NOT_CONTACT:
            code = NOT_CONTACT[e.action.code]
            left_out.append(
                LeftOut(pid, parties[pid]["name"], cases_of(ids), code, _category(code, policy))
            )
            continue
        channels = ACTION_CHANNELS.get(e.action.code, PHONE_FIRST)
        reason = (e.action.code, e.action.text_zh, e.action.text_en)
        sent = letters.get(pid)
        if channels == WRITTEN and sent is not None:  # one letter is enough: follow it up
            channels = PHONE_FIRST
            on = sent.astimezone(tz).date().isoformat()
            reason = (
                "letter_follow_up",
                f"跟进 {on} 寄出的书面催收函",
                f"Follow up the written demand sent on {on}",
            )
        wanted[pid] = {
            "cases": ids,
            "channels": channels,
            "priority": rank_priority[e.debtor_id],
            "reason": reason,
            "handler": next((handler_of[c] for c in ids if handler_of.get(c)), None),
        }
    for s in steps:
        pid = s["run__debtor_id"]
        if pid not in parties:
            continue
        names = [GATE_CHANNEL[c] for c in s["channels"] if c in GATE_CHANNEL]
        if s["state"] == StepState.AUTHORIZED:  # sent parts are done; people still owe these
            names = [c for c in names if c in ("voice", "visit")]
        if not names:
            continue
        kind = StepKind(s["kind"])
        zh, en = STEP_LABELS[kind]
        base = wanted.get(pid, {"cases": [], "priority": 0.0, "handler": None})
        if "step" in base:  # one treatment a day: the earliest due step
            continue
        wanted[pid] = {
            **base,
            "step": True,
            "cases": [s["run__case_id"], *base["cases"]],
            "channels": tuple(pol.Channel(c) for c in names),
            "priority": float(len(queue) + 1) + base["priority"],
            "reason": (f"step_{kind.value}", f"策略步骤：{zh}", f"Strategy step: {en}"),
        }

    since_hours = now - dt.timedelta(days=LEARN_DAYS)
    history = _history(
        organisation,
        {p: parties[p] for p in wanted},
        now - dt.timedelta(days=policy.horizon_days + 2),
    )
    per_hours, portfolio = _hour_stats(organisation, wanted, since_hours, tz)
    case_party = {c: pid for pid, w in wanted.items() for c in w["cases"]}
    holds = _holds(organisation, wanted, case_party)
    # who speaks each debtor's dialect (contact.speech; the mediation roster's profiles)
    speech = debtor_speech(organisation.pk, wanted)

    entries = []
    for pid, w in wanted.items():
        p = parties[pid]
        usable = []
        for ch in w["channels"]:
            if (
                ch in (pol.Channel.VOICE, pol.Channel.ROBOT, pol.Channel.SMS)
                and not p["phone_hash"]
            ):
                continue
            if ch in (pol.Channel.LETTER, pol.Channel.VISIT) and not p["address"].strip():
                continue
            if ch is pol.Channel.EMAIL:
                continue  # parties carry no e-mail address yet
            usable.append(ch)
        if not usable:
            left_out.append(
                LeftOut(pid, p["name"], cases_of(w["cases"]), "no_contact_details", "no_channel")
            )
            continue
        handler = w["handler"]
        known = speech.get(pid)
        speakers = tuple(str(u) for u in known.speakers if u in collectors) if known else ()
        entries.append(
            QueueEntry(
                debtor_key=str(pid),
                case_ids=tuple(str(c) for c in dict.fromkeys(w["cases"])),
                priority=w["priority"],
                channels=tuple(usable),
                hour_stats=per_hours.get(pid, {}),
                history=tuple(history.get(pid, ())),
                holds=tuple(holds.get(pid, ())),
                number=p["phone_hash"] or None,
                timezone=p["timezone"] or None,
                handler=str(handler) if handler in collectors else None,
                reason=w["reason"][0],
                speakers=speakers,
            )
        )
    reasons = {str(pid): w["reason"] for pid, w in wanted.items()}
    caps: dict[pol.Channel, int] = {pol.Channel.VISIT: visit_capacity}
    for ch, cap in (
        (pol.Channel.SMS, capacity.sms),
        (pol.Channel.EMAIL, capacity.email),
        (pol.Channel.LETTER, capacity.letter),
    ):
        if cap is not None:
            caps[ch] = cap
    not_before = now if day == today else None
    plan = plan_day(
        entries,
        policy,
        day,
        robots=capacity.robots,
        robot_capacity=capacity.robot_capacity,
        channel_capacity=caps,
        collectors=collector_caps,
        portfolio_hours=portfolio,
        not_before=not_before,
    )
    slots = tuple(
        Slot(
            at=c.at,
            channel=c.channel.value,
            party_id=int(c.debtor_key),
            party_name=parties[int(c.debtor_key)]["name"],
            cases=cases_of(int(x) for x in c.case_ids),
            reason_code=reasons[c.debtor_key][0],
            reason_zh=reasons[c.debtor_key][1],
            reason_en=reasons[c.debtor_key][2],
            robot=c.robot,
            collector=collectors.get(int(c.collector)) if c.collector else None,
            hour_score=c.hour_score,
            dialect_matched=c.dialect_matched,
            **_speech_fields(speech.get(int(c.debtor_key))),
        )
        for c in plan.contacts
    )
    for u in plan.unplanned:
        pid = int(u.debtor_key)
        left_out.append(
            LeftOut(
                pid,
                parties[pid]["name"],
                cases_of(wanted[pid]["cases"]),
                u.reason,
                _category(u.reason, policy),
            )
        )
    return DayPlanView(
        organisation=organisation,
        day=day,
        policy_version=plan.policy_version,
        capacity=capacity,
        collectors={collectors[pk]: capacity.collector_capacity for pk in collectors},
        visit_capacity=visit_capacity,
        slots=slots,
        left_out=tuple(left_out),
        not_before=not_before,
        learned_from=sum(n for _, n in portfolio.values()),
        totals=plan.per_channel(),
        window=tuple(window_hours(policy)),
    )


def with_robots(capacity: Capacity, robots: int | None) -> Capacity:
    return capacity if robots is None else replace(capacity, robots=robots)
