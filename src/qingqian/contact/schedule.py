"""The day planner: work-queue entries in, one day's contact plan per channel out (pure).

``plan_day(entries, policy, day, robots=10)`` turns the work queue into a :class:`DayPlan`:

- **One treatment per debtor.** Entries with the same ``debtor_key`` (one person owing on
  several invoices or cases) are merged first: their case ids are joined, the highest
  priority counts, only channels every entry allows are used, histories and holds are
  pooled. A debtor gets at most one planned contact a day, citing all their cases.
- **Priority first.** Debtors are served in descending priority (ties by key), so when
  capacity runs out it is the least urgent who wait.
- **Channel by preference and capacity.** Each debtor's allowed channels are tried in the
  order given. Robots have ``robot_capacity`` calls a day each (800 by default, the figure in
  the Suzhou case), spread evenly over the policy's contact hours (``ceil(capacity / hours)``
  per robot-hour). Calls by people go to a certified collector named in ``collectors`` (key →
  calls a day), spread over the hours the same way: a collector who speaks the debtor's
  dialect first (``speakers``, best first; the handler first among them), then the case's
  handler, then the least-loaded collector; without
  ``collectors`` the planner assumes one is certified and only ``channel_capacity`` limits
  them. Other channels have an optional daily cap in ``channel_capacity``.
- **Best hours, learned.** Each debtor's local hours are ranked by a smoothed connection
  rate. ``hour_stats`` maps an hour to ``(connected, attempts)``. The portfolio's rate at hour
  ``h`` is ``(C_h + A·R) / (N_h + A)`` with ``R = (C + 1) / (N + 2)`` the portfolio's overall
  rate and ``A = PORTFOLIO_PRIOR``; a debtor's is ``(c_h + K·p_h) / (n_h + K)`` with ``p_h``
  the portfolio's rate and ``K = DEBTOR_PRIOR``. A debtor with no history takes the
  portfolio's best hour; one with no portfolio either gets the earliest allowed hour.
- **Every slot passes the policy.** Each candidate slot is put to the pure
  :func:`qingqian.contact.policy.decide` with the debtor's history, holds and the contacts
  planned earlier in the same plan to the same number; a denied slot is never planned.
  Debtors left out are listed in ``unplanned`` with the reason (a hold, a cap, no capacity,
  no common channel, ``outside_window`` when no contact hour is left after ``not_before``,
  or ``already_reached_today`` when the history shows a conversation or delivery that day).

Pure: no clock, no database; ``day`` and the histories come in as arguments. The gate
(``contact_attempt_authorize``) still decides each real attempt at its real time; the plan only
makes sure the gate will not be asked for something it must refuse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from qingqian.contact.policy import (
    Attempt,
    Channel,
    ContactRequest,
    Decision,
    Hold,
    Outcome,
    PartyRole,
    Policy,
    decide,
    zone,
)

__all__ = [
    "COLLECTOR_CAPACITY",
    "DEBTOR_PRIOR",
    "PORTFOLIO_PRIOR",
    "ROBOT_CAPACITY",
    "DayPlan",
    "PlannedContact",
    "QueueEntry",
    "Unplanned",
    "hour_scores",
    "merge_entries",
    "plan_day",
    "portfolio_rates",
]

ROBOT_CAPACITY = 800  # calls per robot per day (the Suzhou case's figure)
COLLECTOR_CAPACITY = 80  # calls per certified collector per day (a default, configurable)
DEBTOR_PRIOR = 5.0  # a debtor's hour rate counts as this many attempts at the portfolio's rate
PORTFOLIO_PRIOR = 20.0  # the portfolio's hour rate: this many attempts at its overall rate
AUTOMATED = frozenset({Channel.ROBOT, Channel.SMS, Channel.EMAIL, Channel.LETTER})
# A debtor reached today (a conversation or a delivered message) is not planned again today.
REACHED = frozenset({Outcome.CONNECTED, Outcome.REFUSED, Outcome.DELIVERED})

HourStats = Mapping[int, tuple[int, int]]  # local hour -> (connected, attempts)


@dataclass(frozen=True)
class QueueEntry:
    """One work-queue row: a debtor (``debtor_key``) owing on ``case_ids``.

    ``hour_stats`` maps a local hour (0–23) to ``(connected, attempts)`` of past calls at that
    hour. ``history`` and ``holds`` are what the gate would be given for this person.
    ``handler`` is the collector who should make a call by a person when free; ``speakers``
    are the collectors who speak the debtor's dialect, best first, preferred to the handler
    when free (dialect-matched assignment); ``reason`` is carried into the plan (why this
    debtor is contacted today).
    """

    debtor_key: str
    case_ids: tuple[str, ...]
    priority: float
    channels: tuple[Channel, ...]
    timezone: str | None = None
    hour_stats: HourStats = field(default_factory=dict)
    history: tuple[Attempt, ...] = ()
    holds: tuple[Hold, ...] = ()
    number: str | None = None
    party_role: PartyRole = PartyRole.DEBTOR
    handler: str | None = None
    reason: str = ""
    speakers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.debtor_key:
            raise ValueError("debtor_key is required")
        if any(not 0 <= h <= 23 or not 0 <= c <= n for h, (c, n) in self.hour_stats.items()):
            raise ValueError("hour_stats maps hours 0-23 to (connected, attempts), 0 <= c <= n")


@dataclass(frozen=True)
class PlannedContact:
    debtor_key: str
    case_ids: tuple[str, ...]
    channel: Channel
    at: dt.datetime  # aware, in the debtor's local zone
    robot: int | None  # robot index for robot calls
    hour_score: float
    policy_version: str
    collector: str | None = None  # the collector making a call by a person
    reason: str = ""
    dialect_matched: bool = False  # the collector speaks the debtor's dialect

    def as_dict(self) -> dict[str, Any]:
        return {
            "debtor_key": self.debtor_key,
            "case_ids": list(self.case_ids),
            "channel": self.channel.value,
            "at": self.at.isoformat(),
            "robot": self.robot,
            "collector": self.collector,
            "hour_score": round(self.hour_score, 4),
            "policy_version": self.policy_version,
            "reason": self.reason,
            "dialect_matched": self.dialect_matched,
        }


@dataclass(frozen=True)
class Unplanned:
    debtor_key: str
    reason: str  # a policy reason code, "no_capacity", "no_common_channel", "outside_window"…

    def as_dict(self) -> dict[str, str]:
        return {"debtor_key": self.debtor_key, "reason": self.reason}


@dataclass(frozen=True)
class DayPlan:
    day: dt.date
    policy_version: str
    contacts: tuple[PlannedContact, ...]
    unplanned: tuple[Unplanned, ...]

    def per_channel(self) -> dict[str, int]:
        return dict(Counter(c.channel.value for c in self.contacts))

    def robot_load(self) -> dict[int, int]:
        return dict(Counter(c.robot for c in self.contacts if c.robot is not None))

    def collector_load(self) -> dict[str, int]:
        return dict(Counter(c.collector for c in self.contacts if c.collector is not None))

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "policy_version": self.policy_version,
            "per_channel": self.per_channel(),
            "robot_load": {str(k): v for k, v in sorted(self.robot_load().items())},
            "collector_load": dict(sorted(self.collector_load().items())),
            "unplanned_by_reason": dict(Counter(u.reason for u in self.unplanned)),
            "contacts": [c.as_dict() for c in self.contacts],
            "unplanned": [u.as_dict() for u in self.unplanned],
        }


# --------------------------------------------------------------------------- helpers


def merge_entries(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """One entry per debtor: cases joined, max priority, common channels, pooled data."""
    groups: dict[str, list[QueueEntry]] = defaultdict(list)
    for e in entries:
        groups[e.debtor_key].append(e)
    merged: list[QueueEntry] = []
    for key, group in groups.items():
        first = max(group, key=lambda g: g.priority)
        common = [c for c in first.channels if all(c in g.channels for g in group)]
        stats: dict[int, tuple[int, int]] = {}
        for g in group:
            for h, (c, n) in g.hour_stats.items():
                c0, n0 = stats.get(h, (0, 0))
                stats[h] = (c0 + c, n0 + n)
        merged.append(
            QueueEntry(
                debtor_key=key,
                case_ids=tuple(dict.fromkeys(cid for g in group for cid in g.case_ids)),
                priority=first.priority,
                channels=tuple(common),
                timezone=first.timezone,
                hour_stats=stats,
                history=tuple(dict.fromkeys(a for g in group for a in g.history)),
                holds=tuple(dict.fromkeys(h for g in group for h in g.holds)),
                number=first.number,
                party_role=first.party_role,
                handler=first.handler,
                reason=first.reason,
                speakers=first.speakers,
            )
        )
    merged.sort(key=lambda e: (-e.priority, e.debtor_key))
    return merged


def window_hours(policy: Policy) -> list[int]:
    """Local hours whose whole hour lies inside one of the policy's windows."""
    out = []
    for h in range(24):
        start, end = dt.time(h), dt.time(h, 59, 59)
        if any(w.start <= start and end < w.end for w in policy.windows):
            out.append(h)
    return out


def portfolio_rates(stats: HourStats, hours: Sequence[int]) -> dict[int, float]:
    """The portfolio's connection rate per allowed hour, shrunk towards its overall rate."""
    total_c = sum(stats.get(h, (0, 0))[0] for h in hours)
    total_n = sum(stats.get(h, (0, 0))[1] for h in hours)
    overall = (total_c + 1) / (total_n + 2)
    out = {}
    for h in hours:
        c, n = stats.get(h, (0, 0))
        out[h] = (c + PORTFOLIO_PRIOR * overall) / (n + PORTFOLIO_PRIOR)
    return out


def hour_scores(
    stats: HourStats, hours: Sequence[int], prior: Mapping[int, float] | None = None
) -> dict[int, float]:
    """A debtor's smoothed connection rate per allowed hour (``prior``: the portfolio's)."""
    base = prior if prior is not None else portfolio_rates({}, hours)
    out = {}
    for h in hours:
        c, n = stats.get(h, (0, 0))
        out[h] = (c + DEBTOR_PRIOR * base[h]) / (n + DEBTOR_PRIOR)
    return out


def _request(entry: QueueEntry, channel: Channel, policy: Policy, day: dt.date) -> ContactRequest:
    collectors: tuple[dt.date | None, ...] = ()
    if channel not in AUTOMATED:
        # the plan assumes a collector certified through the day; the gate checks the real one
        collectors = (day,) * (policy.visit_min_collectors if channel is Channel.VISIT else 1)
    return ContactRequest(
        channel=channel,
        party_role=entry.party_role,
        number=entry.number,
        party_id=entry.debtor_key,
        debtor_timezone=entry.timezone,
        collectors=collectors,
        opt_out_line=True,  # templates carry the opt-out line where the policy asks for one
    )


class _Pool:
    """Agents (robots or collectors) with a daily capacity each, spread evenly over hours."""

    def __init__(self, capacity: Mapping[Any, int], hours: int) -> None:
        self.capacity = dict(capacity)
        self.per_hour = {k: math.ceil(v / max(1, hours)) for k, v in self.capacity.items()}
        self.day: Counter[Hashable] = Counter()
        self.hour: Counter[tuple[Hashable, int]] = Counter()
        self.full: set[int] = set()  # hours with no agent free (loads only grow)

    def pick(self, h: int, prefer: Sequence[Hashable] = ()) -> Hashable | None:
        if h in self.full:
            return None
        free = [
            k
            for k, cap in self.capacity.items()
            if self.day[k] < cap and self.hour[(k, h)] < self.per_hour[k]
        ]
        if not free:
            self.full.add(h)
            return None
        for wanted in prefer:  # in the order of preference, the first one free
            if wanted in free:
                return wanted
        return min(free, key=lambda k: (self.day[k], str(k)))

    def minute(self, key: Hashable, h: int) -> tuple[int, int]:
        """The (minute, second) of the agent's next call in hour ``h``: evenly spaced."""
        secs = self.hour[(key, h)] * 3600 // max(1, self.per_hour[key])
        return secs // 60, secs % 60

    def take(self, key: Hashable, h: int) -> None:
        self.day[key] += 1
        self.hour[(key, h)] += 1


def _preference(entry: QueueEntry) -> tuple[str, ...]:
    """Who should take a call by a person: collectors who speak the debtor's dialect (the
    handler first if they are one of them), then the handler."""
    speakers = list(entry.speakers)
    if entry.handler in speakers:
        speakers.remove(entry.handler)
        speakers.insert(0, entry.handler)
    if entry.handler is not None and entry.handler not in speakers:
        speakers.append(entry.handler)
    return tuple(speakers)


# --------------------------------------------------------------------------- planner


def plan_day(
    entries: Iterable[QueueEntry],
    policy: Policy,
    day: dt.date,
    *,
    robots: int = 10,
    robot_capacity: int = ROBOT_CAPACITY,
    channel_capacity: Mapping[Channel, int] | None = None,
    collectors: Mapping[str, int] | None = None,
    portfolio_hours: HourStats | None = None,
    not_before: dt.datetime | None = None,
) -> DayPlan:
    """The contact plan for local ``day``; see the module docstring for the rules."""
    if robots < 0 or robot_capacity < 1:
        raise ValueError("robots must be >= 0 and robot_capacity >= 1")
    if collectors is not None and any(n < 0 for n in collectors.values()):
        raise ValueError("collector capacities must be >= 0")
    if not_before is not None and not_before.tzinfo is None:
        raise ValueError("not_before must be aware")
    hours = window_hours(policy)
    prior = portfolio_rates(portfolio_hours or {}, hours)
    robot_pool = _Pool(dict.fromkeys(range(robots), robot_capacity), len(hours))
    people = _Pool(dict(collectors), len(hours)) if collectors is not None else None
    channel_day: Counter[Channel] = Counter()
    slot_use: Counter[tuple[Channel, int]] = Counter()
    caps = dict(channel_capacity or {})
    planned_to: dict[str, list[Attempt]] = defaultdict(list)  # number -> planned attempts
    contacts: list[PlannedContact] = []
    unplanned: list[Unplanned] = []

    for entry in merge_entries(entries):
        if not entry.channels:
            unplanned.append(Unplanned(entry.debtor_key, "no_common_channel"))
            continue
        tz = zone(entry.timezone or policy.default_timezone)
        if any(a.outcome in REACHED and a.at.astimezone(tz).date() == day for a in entry.history):
            unplanned.append(Unplanned(entry.debtor_key, "already_reached_today"))
            continue
        mine = hours
        if not_before is not None:
            mine = [
                h
                for h in hours
                if dt.datetime.combine(day, dt.time(h, 59, 59), tzinfo=tz) >= not_before
            ]
        if not mine:
            unplanned.append(Unplanned(entry.debtor_key, "outside_window"))
            continue
        scores = hour_scores(entry.hour_stats, mine, prior)
        ranked = sorted(mine, key=lambda h: (-scores[h], h))
        history = entry.history + tuple(planned_to[entry.number] if entry.number else ())
        first_denial: str | None = None
        placed: PlannedContact | None = None
        for channel in entry.channels:
            if channel_day[channel] >= caps.get(channel, math.inf):
                continue
            request = _request(entry, channel, policy, day)
            for h in ranked:
                robot: int | None = None
                collector: str | None = None
                minute, second = 0, 0
                if channel is Channel.ROBOT:
                    got = robot_pool.pick(h)
                    if got is None:
                        continue
                    robot = cast(int, got)
                    minute, second = robot_pool.minute(robot, h)
                elif channel is Channel.VOICE and people is not None:
                    got = people.pick(h, prefer=_preference(entry))
                    if got is None:
                        continue
                    collector = str(got)
                    minute, second = people.minute(collector, h)
                else:
                    n = slot_use[(channel, h)]
                    minute, second = n % 60, (n // 60) % 60
                local = dt.datetime.combine(day, dt.time(h, minute, second), tzinfo=tz)
                if not_before is not None and local < not_before:
                    local = not_before.astimezone(tz)
                decision: Decision = decide(policy, request, history, entry.holds, local)
                if not decision.allowed:
                    first_denial = first_denial or decision.reasons[0].code
                    # holds, roles and caps do not depend on the hour: try the next channel
                    if any(r.rule != "contact_hours" for r in decision.reasons):
                        break
                    continue
                placed = PlannedContact(
                    debtor_key=entry.debtor_key,
                    case_ids=entry.case_ids,
                    channel=channel,
                    at=local,
                    robot=robot,
                    hour_score=scores.get(h, 0.0),
                    policy_version=policy.label,
                    collector=collector,
                    reason=entry.reason,
                    dialect_matched=collector is not None and collector in entry.speakers,
                )
                slot_use[(channel, h)] += 1
                channel_day[channel] += 1
                if robot is not None:
                    robot_pool.take(robot, h)
                if collector is not None and people is not None:
                    people.take(collector, h)
                if entry.number:
                    planned_to[entry.number].append(request.attempt(local, None))
                break
            if placed is not None:
                break
        if placed is None:
            unplanned.append(Unplanned(entry.debtor_key, first_denial or "no_capacity"))
        else:
            contacts.append(placed)
    return DayPlan(
        day=day,
        policy_version=policy.label,
        contacts=tuple(contacts),
        unplanned=tuple(unplanned),
    )
