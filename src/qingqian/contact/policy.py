"""Contact policy: versioned data and the one decision function ``decide``.

A :class:`Policy` is frozen data that round-trips through JSON (``Policy.from_json`` /
``Policy.to_json``). ``decide(policy, request, history, holds, at)`` is pure: it reads no
clock, no database and no network; the gate (``contact_attempt_authorize``) passes the
person's earlier attempts and the holds in force, and records the decision.

Counting rules (see ``docs/contact-policy.md``):

- Days are **local calendar days of the debtor** (``TimezoneRule.DEBTOR_ZONE``: the request's
  IANA zone, else the policy's default zone; ``TimezoneRule.AT_OFFSET``: the zone carried by
  ``at``, an IANA zone or a fixed UTC offset). Every history entry is placed on a local day
  in that same zone.
- A cap with ``counts = attempts`` counts every earlier attempt on its channels, whatever the
  outcome. A cap with ``counts = conversations`` counts attempts whose outcome is
  ``connected`` or ``refused`` (the person answered) or still unknown (``None``: in flight,
  counted as a conversation to be safe); the next attempt is denied once ``limit`` is reached,
  so one more attempt can never push the count past it.
- An entry with no ``number``, ``party_id`` or ``debt_id`` matches any value of that field
  (unknown means "could be the same"), so missing data makes the gate stricter, never laxer.
- All denying reasons are reported; ``Decision.rule`` is the first, in the order the checks
  are listed in ``decide``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qingqian.contact import reasons as rc
from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.reasons import Reason


class Channel(StrEnum):
    VOICE = "voice"  # a person calling
    ROBOT = "robot"  # an automated (AI) voice call
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"  # a field visit (外访)


class Outcome(StrEnum):
    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    REFUSED = "refused"


class PartyRole(StrEnum):
    DEBTOR = "debtor"
    GUARANTOR = "guarantor"
    THIRD_PARTY = "third_party"


class HoldKind(StrEnum):
    CEASE_CONTACT = "cease_contact"  # only legal notices may follow
    DISPUTE = "dispute"  # an open dispute or complaint
    DISTRESS = "distress"  # distress or vulnerability flag
    LAWYER = "lawyer"  # represented by a lawyer
    REFUSED_MEDIUM = "refused_medium"  # the person refused one medium


class TimezoneRule(StrEnum):
    DEBTOR_ZONE = "debtor_zone"  # the debtor's IANA zone, else the policy default
    AT_OFFSET = "at_offset"  # the UTC offset written in ``at``


class Counting(StrEnum):
    ATTEMPTS = "attempts"
    CONVERSATIONS = "conversations"


class Scope(StrEnum):
    PERSON = "person"  # the same person (party_id, else party role)
    NUMBER = "number"  # the same phone number / address
    PERSON_DEBT = "person_debt"  # the same person about the same debt


CALL_CHANNELS: frozenset[Channel] = frozenset({Channel.VOICE, Channel.ROBOT})
# Outcomes meaning the person answered (for calls) or is taken to have been reached.
CONVERSATION_OUTCOMES: frozenset[Outcome | None] = frozenset(
    {Outcome.CONNECTED, Outcome.REFUSED, None}
)
# Outcomes meaning a third party was reached by any medium (``None``: not known yet).
REACHED_OUTCOMES: frozenset[Outcome | None] = frozenset(
    {Outcome.CONNECTED, Outcome.REFUSED, Outcome.DELIVERED, None}
)


def medium(channel: Channel) -> str:
    """The medium a person can refuse: voice and robot calls are both ``phone``."""
    return "phone" if channel in CALL_CHANNELS else channel.value


# --------------------------------------------------------------------------- policy data


@dataclass(frozen=True)
class TimeWindow:
    """Local contact hours ``[start, end)``: 08:00 is inside, 22:00 is not."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise _bad("bad_policy", "时段必须是当地时间（不带时区）。", "Windows are local times.")
        if not self.start < self.end:
            raise _bad(
                "bad_policy",
                f"时段起点必须早于终点：{self.label}",
                f"A window must start before it ends: {self.label}",
            )

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` counted attempts on ``channels`` within ``days`` local days.

    ``days = 1`` is "per local calendar day"; ``days = 7`` is "in any 7 consecutive local
    days" (the day of ``at`` and the six before it).
    """

    code: str
    channels: frozenset[Channel]
    counts: Counting
    limit: int
    days: int
    per: Scope
    label_zh: str
    label_en: str

    def __post_init__(self) -> None:
        _check_code(self.code)
        _check_positive(self.limit, f"{self.code}.limit")
        _check_positive(self.days, f"{self.code}.days")
        if not self.channels:
            raise _bad("bad_policy", f"{self.code} 未指定渠道。", f"{self.code} has no channels.")


@dataclass(frozen=True)
class Cooldown:
    """No attempt on ``blocked_channels`` for ``days`` local days after a conversation.

    The conversation's own local day is day 1, so ``days = 7`` after a conversation on a
    Monday allows the next attempt on the following Monday.
    """

    code: str
    trigger_channels: frozenset[Channel]
    blocked_channels: frozenset[Channel]
    days: int
    per: Scope
    label_zh: str
    label_en: str

    def __post_init__(self) -> None:
        _check_code(self.code)
        _check_positive(self.days, f"{self.code}.days")
        if not self.trigger_channels or not self.blocked_channels:
            raise _bad("bad_policy", f"{self.code} 未指定渠道。", f"{self.code} has no channels.")


@dataclass(frozen=True)
class ThirdPartyRule:
    """When and how a third party (e.g. an emergency contact) may be contacted at all."""

    channels: frozenset[Channel]
    requires_debtor_unreachable: bool = True
    requires_nondisclosing_script: bool = True
    stop_after_refusal: bool = True
    max_reached: int | None = None  # times a third party may be reached (None: no limit)

    def __post_init__(self) -> None:
        if self.max_reached is not None:
            _check_positive(self.max_reached, "third_party.max_reached")


@dataclass(frozen=True)
class Policy:
    """A versioned contact policy. ``label`` (``name@version``) is cited by every decision."""

    name: str
    version: int
    channels: frozenset[Channel]
    windows: tuple[TimeWindow, ...]
    window_channels: frozenset[Channel]
    timezone_rule: TimezoneRule
    default_timezone: str
    allowed_roles: frozenset[PartyRole]
    caps: tuple[Cap, ...] = ()
    cooldowns: tuple[Cooldown, ...] = ()
    third_party: ThirdPartyRule | None = None
    certification_channels: frozenset[Channel] = frozenset()
    visit_min_collectors: int = 1
    public_notices_allowed: bool = False
    opt_out_channels: frozenset[Channel] = frozenset()
    legal_notice_channels: frozenset[Channel] = frozenset()
    description_zh: str = ""
    description_en: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise _bad("bad_policy", "政策名称不能为空。", "The policy needs a name.")
        _check_positive(self.version, "version")
        _check_positive(self.visit_min_collectors, "visit_min_collectors")
        if not self.windows:
            raise _bad("bad_policy", "至少需要一个联系时段。", "At least one window is needed.")
        if PartyRole.THIRD_PARTY in self.allowed_roles:
            raise _bad(
                "bad_policy",
                "第三人不得列入 allowed_roles，请使用 third_party 规则。",
                "Do not list third_party in allowed_roles; use the third_party rule.",
            )
        zone(self.default_timezone)
        codes = [c.code for c in self.caps] + [c.code for c in self.cooldowns]
        clash = sorted({c for c in codes if codes.count(c) > 1 or c in rc.FIXED_CODES})
        if clash:
            raise _bad(
                "bad_policy",
                f"规则代码重复或与固定代码冲突：{clash}",
                f"Rule codes repeat or clash with fixed codes: {clash}",
                codes=clash,
            )

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @cached_property
    def horizon_days(self) -> int:
        """Local days a cap or cool-down looks back (1 = the current day only)."""
        return max([1, *(c.days for c in self.caps), *(c.days for c in self.cooldowns)])

    # ---- JSON ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def chans(s: Iterable[Channel]) -> list[str]:
            return sorted(c.value for c in s)

        return {
            "name": self.name,
            "version": self.version,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "channels": chans(self.channels),
            "windows": [
                {"start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"} for w in self.windows
            ],
            "window_channels": chans(self.window_channels),
            "timezone_rule": self.timezone_rule.value,
            "default_timezone": self.default_timezone,
            "allowed_roles": sorted(r.value for r in self.allowed_roles),
            "caps": [
                {
                    "code": c.code,
                    "channels": chans(c.channels),
                    "counts": c.counts.value,
                    "limit": c.limit,
                    "days": c.days,
                    "per": c.per.value,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                }
                for c in self.caps
            ],
            "cooldowns": [
                {
                    "code": c.code,
                    "trigger_channels": chans(c.trigger_channels),
                    "blocked_channels": chans(c.blocked_channels),
                    "days": c.days,
                    "per": c.per.value,
                    "label_zh": c.label_zh,
                    "label_en": c.label_en,
                }
                for c in self.cooldowns
            ],
            "third_party": None
            if self.third_party is None
            else {
                "channels": chans(self.third_party.channels),
                "requires_debtor_unreachable": self.third_party.requires_debtor_unreachable,
                "requires_nondisclosing_script": self.third_party.requires_nondisclosing_script,
                "stop_after_refusal": self.third_party.stop_after_refusal,
                "max_reached": self.third_party.max_reached,
            },
            "certification_channels": chans(self.certification_channels),
            "visit_min_collectors": self.visit_min_collectors,
            "public_notices_allowed": self.public_notices_allowed,
            "opt_out_channels": chans(self.opt_out_channels),
            "legal_notice_channels": chans(self.legal_notice_channels),
            "sources": dict(sorted(self.sources.items())),
        }  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        d = _Reader(data, "policy")
        tp = d.get("third_party", default=None)
        third_party = None
        if tp is not None:
            t = _Reader(tp, "third_party")
            third_party = ThirdPartyRule(
                channels=t.channels("channels"),
                requires_debtor_unreachable=t.boolean("requires_debtor_unreachable"),
                requires_nondisclosing_script=t.boolean("requires_nondisclosing_script"),
                stop_after_refusal=t.boolean("stop_after_refusal"),
                max_reached=t.optional_int("max_reached"),
            )
            t.done()
        caps = []
        for i, raw in enumerate(d.items("caps", default=[])):
            c = _Reader(raw, f"caps[{i}]")
            caps.append(
                Cap(
                    code=c.text("code"),
                    channels=c.channels("channels"),
                    counts=c.enum("counts", Counting),
                    limit=c.integer("limit"),
                    days=c.integer("days"),
                    per=c.enum("per", Scope),
                    label_zh=c.text("label_zh"),
                    label_en=c.text("label_en"),
                )
            )
            c.done()
        cooldowns = []
        for i, raw in enumerate(d.items("cooldowns", default=[])):
            c = _Reader(raw, f"cooldowns[{i}]")
            cooldowns.append(
                Cooldown(
                    code=c.text("code"),
                    trigger_channels=c.channels("trigger_channels"),
                    blocked_channels=c.channels("blocked_channels"),
                    days=c.integer("days"),
                    per=c.enum("per", Scope),
                    label_zh=c.text("label_zh"),
                    label_en=c.text("label_en"),
                )
            )
            c.done()
        windows = []
        for i, raw in enumerate(d.items("windows")):
            w = _Reader(raw, f"windows[{i}]")
            windows.append(TimeWindow(w.clock("start"), w.clock("end")))
            w.done()
        sources = d.get("sources", default={})
        if not isinstance(sources, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in sources.items()
        ):
            raise _bad("bad_policy", "sources 必须是字符串映射。", "sources must map str to str.")
        policy = cls(
            name=d.text("name"),
            version=d.integer("version"),
            description_zh=d.text("description_zh", default=""),
            description_en=d.text("description_en", default=""),
            channels=d.channels("channels"),
            windows=tuple(windows),
            window_channels=d.channels("window_channels"),
            timezone_rule=d.enum("timezone_rule", TimezoneRule),
            default_timezone=d.text("default_timezone"),
            allowed_roles=frozenset(d.enums("allowed_roles", PartyRole)),
            caps=tuple(caps),
            cooldowns=tuple(cooldowns),
            third_party=third_party,
            certification_channels=d.channels("certification_channels", default=[]),
            visit_min_collectors=d.integer("visit_min_collectors", default=1),
            public_notices_allowed=d.boolean("public_notices_allowed", default=False),
            opt_out_channels=d.channels("opt_out_channels", default=[]),
            legal_notice_channels=d.channels("legal_notice_channels", default=[]),
            sources=dict(sources),
        )
        d.done()
        return policy

    @classmethod
    def from_json(cls, text: str) -> Policy:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad(
                "bad_json", f"政策不是合法的 JSON：{exc}", f"The policy is not valid JSON: {exc}"
            ) from None
        return cls.from_dict(data)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Attempt:
    """An earlier contact attempt (the history). ``outcome = None``: not known yet."""

    at: dt.datetime
    channel: Channel
    outcome: Outcome | None
    party_role: PartyRole = PartyRole.DEBTOR
    number: str | None = None
    party_id: str | None = None
    debt_id: str | None = None

    def __post_init__(self) -> None:
        _check_aware(self.at, "history.at")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "at": self.at.isoformat(),
            "channel": self.channel.value,
            "outcome": None if self.outcome is None else self.outcome.value,
            "party_role": self.party_role.value,
            "number": self.number,
        }
        if self.party_id is not None:
            out["party_id"] = self.party_id
        if self.debt_id is not None:
            out["debt_id"] = self.debt_id
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "history") -> Attempt:
        d = _Reader(data, where)
        outcome = d.get("outcome")  # required; null means "not known yet"
        attempt = cls(
            at=d.instant("at"),
            channel=d.enum("channel", Channel),
            outcome=None if outcome is None else d.enum("outcome", Outcome),
            party_role=d.enum("party_role", PartyRole, default=PartyRole.DEBTOR),
            number=d.optional_str("number"),
            party_id=d.optional_str("party_id"),
            debt_id=d.optional_str("debt_id"),
        )
        d.done()
        return attempt


def history_from_json(data: Any) -> list[Attempt]:
    """Read a history: a JSON list of ``{"at", "channel", "outcome", "party_role", "number"}``."""
    if not isinstance(data, list):
        raise _bad("bad_history", "历史记录必须是列表。", "The history must be a JSON list.")
    return [Attempt.from_dict(item, f"history[{i}]") for i, item in enumerate(data)]


@dataclass(frozen=True)
class Hold:
    """A hold that stops contact while active (``since <= at < until``; open ends allowed).

    ``party_id`` / ``party_role`` narrow it to one person (both ``None``: everyone the gate
    asks about); ``channel`` names the refused medium of a ``refused_medium`` hold.
    """

    kind: HoldKind
    party_role: PartyRole | None = None
    party_id: str | None = None
    channel: Channel | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None:
            _check_aware(self.since, "hold.since")
        if self.until is not None:
            _check_aware(self.until, "hold.until")
        if self.kind is HoldKind.REFUSED_MEDIUM and self.channel is None:
            raise _bad(
                "bad_hold",
                "拒绝某种联系方式的暂停必须指明渠道。",
                "A refused-medium hold must name its channel.",
            )

    @classmethod
    def from_dict(cls, data: Any, where: str = "hold") -> Hold:
        d = _Reader(data, where)
        role = d.get("party_role", default=None)
        channel = d.get("channel", default=None)
        since = d.get("since", default=None)
        until = d.get("until", default=None)
        hold = cls(
            kind=d.enum("kind", HoldKind),
            party_role=None if role is None else d.enum("party_role", PartyRole),
            party_id=d.optional_str("party_id"),
            channel=None if channel is None else d.enum("channel", Channel),
            since=None if since is None else d.instant("since"),
            until=None if until is None else d.instant("until"),
        )
        d.done()
        return hold


def holds_from_json(data: Any) -> list[Hold]:
    if not isinstance(data, list):
        raise _bad("bad_holds", "暂停记录必须是列表。", "The holds must be a JSON list.")
    return [Hold.from_dict(item, f"holds[{i}]") for i, item in enumerate(data)]


@dataclass(frozen=True)
class ContactRequest:
    """The contact attempt being asked about.

    ``collectors`` holds each collector's certificate expiry date (inclusive, ``None`` for
    none held) for contacts people make; automated channels name none.
    ``debtor_timezone`` is an IANA name (used under ``TimezoneRule.DEBTOR_ZONE``).
    """

    channel: Channel
    party_role: PartyRole = PartyRole.DEBTOR
    number: str | None = None
    party_id: str | None = None
    debt_id: str | None = None
    debtor_timezone: str | None = None
    collectors: tuple[dt.date | None, ...] = ()
    debtor_unreachable: bool = False
    script_nondisclosing: bool = False
    legal_notice: bool = False
    public: bool = False
    opt_out_line: bool = False
    # h19a: the kind of address contacted (``AddressKind``); ``None`` when not known.
    recipient_kind: str | None = None
    number_masked: str = ""  # shown in a refusal's message; never the clear number

    def __post_init__(self) -> None:
        if self.debtor_timezone is not None:
            zone(self.debtor_timezone)

    def attempt(self, at: dt.datetime, outcome: Outcome | None) -> Attempt:
        """The history entry this request becomes once it is made."""
        return Attempt(
            at=at,
            channel=self.channel,
            outcome=outcome,
            party_role=self.party_role,
            number=self.number,
            party_id=self.party_id,
            debt_id=self.debt_id,
        )


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, every denying reason, the deciding rule, the policy."""

    allowed: bool
    reasons: tuple[Reason, ...]
    rule: str  # the first denying rule, or "all_rules_passed"
    policy_name: str
    policy_version: str  # ``name@version``
    local_time: dt.datetime  # ``at`` in the debtor's local time
    checked: tuple[str, ...]  # the rules evaluated, in order

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API shape: ``{"allowed", "reasons": [{"code", "message"…}], …}``."""
        return {
            "allowed": self.allowed,
            "reasons": [r.as_dict() for r in self.reasons],
            "rule": self.rule,
            "policy_version": self.policy_version,
            "local_time": self.local_time.isoformat(),
        }


ALL_PASSED = "all_rules_passed"


# --------------------------------------------------------------------------- decide


def decide(
    policy: Policy,
    request: ContactRequest,
    history: Sequence[Attempt],
    holds: Sequence[Hold],
    at: dt.datetime,
) -> Decision:
    """May ``request`` happen at ``at``? Every rule is evaluated; all denials are reported.

    ``history`` holds the earlier attempts that concern this person (or this case); entries
    that belong to someone else are ignored by the matching rules. ``holds`` are those on
    file for the case; each applies only to the persons it names.
    """
    _check_aware(at, "at")
    tz = local_zone(policy, request, at)
    local = at.astimezone(tz)
    today = local.date()
    reasons: list[Reason] = []
    checked: list[str] = []

    def check(rule: str, found: Iterable[Reason]) -> None:
        checked.append(rule)
        reasons.extend(found)

    check("channels", _check_channel(policy, request))
    check("party_roles", _check_role(policy, request, history, tz))
    check("holds", _check_holds(policy, request, holds, at))
    check("refusals", _check_refusals(request, history, tz))
    check("certification", _check_certification(policy, request, today))
    check("public_notices", _check_public(policy, request))
    check("opt_out", _check_opt_out(policy, request))
    check("contact_hours", _check_hours(policy, request, local))
    check("address_kind", _check_address(request))
    dated: list[tuple[Attempt, dt.date]] = []
    if any(request.channel in c.blocked_channels for c in policy.cooldowns) or any(
        request.channel in c.channels for c in policy.caps
    ):
        dated = [(a, a.at.astimezone(tz).date()) for a in history]  # each entry's local day
    for cooldown in policy.cooldowns:
        check(cooldown.code, _check_cooldown(cooldown, request, dated, tz, today))
    for cap in policy.caps:
        check(cap.code, _check_cap(cap, request, dated, today))
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        rule=reasons[0].rule if reasons else ALL_PASSED,
        policy_name=policy.name,
        policy_version=policy.label,
        local_time=local,
        checked=tuple(checked),
    )


def history_horizon(policy: Policy) -> int:
    """Local days a cap or cool-down looks back (1 = the current day only)."""
    return policy.horizon_days


def prune_history(policy: Policy, history: Iterable[Attempt], at: dt.datetime) -> list[Attempt]:
    """The part of ``history`` that can change ``decide(policy, …, at)``.

    Kept: every entry less than ``history_horizon + 2`` days (by the clock) before ``at``, or
    later (a margin for any UTC offset); every refusal; every third-party entry. A gate may
    load just these; the decision is the same as with the whole history.
    """
    _check_aware(at, "at")
    since = at - dt.timedelta(days=history_horizon(policy) + 2)
    return [
        a
        for a in history
        if a.at >= since or a.outcome is Outcome.REFUSED or a.party_role is PartyRole.THIRD_PARTY
    ]


def local_zone(policy: Policy, request: ContactRequest, at: dt.datetime) -> dt.tzinfo:
    """The debtor's local zone for this decision (see :class:`TimezoneRule`).

    Under ``AT_OFFSET`` an ``at`` that carries an IANA zone (``ZoneInfo``) is judged in that
    zone, so history entries on the far side of a daylight-saving change fall on their true
    local days; an ``at`` with a fixed offset is judged in that offset."""
    if policy.timezone_rule is TimezoneRule.AT_OFFSET:
        if isinstance(at.tzinfo, ZoneInfo):
            return at.tzinfo
        offset = at.utcoffset()
        if offset is None:
            _check_aware(at, "at")  # raises
            offset = dt.timedelta(0)
        return dt.timezone(offset)
    return zone(request.debtor_timezone or policy.default_timezone)


def same_person(a: Attempt, r: ContactRequest) -> bool:
    """Could ``a`` have been made to the person ``r`` asks about? Unknown ids match."""
    if a.party_id is not None and r.party_id is not None:
        return a.party_id == r.party_id
    if a.party_role is not r.party_role:
        return False
    if r.party_role is PartyRole.THIRD_PARTY and a.number is not None and r.number is not None:
        return a.number == r.number
    return True


def _in_scope(per: Scope, a: Attempt, r: ContactRequest) -> bool:
    if per is Scope.NUMBER:
        return a.number is None or r.number is None or a.number == r.number
    if not same_person(a, r):
        return False
    if per is Scope.PERSON_DEBT:
        return a.debt_id is None or r.debt_id is None or a.debt_id == r.debt_id
    return True


def _check_channel(policy: Policy, r: ContactRequest) -> list[Reason]:
    if r.channel in policy.channels:
        return []
    return [rc.fixed(rc.CHANNEL_NOT_ALLOWED, "channels", channel=r.channel.value)]


def _check_role(
    policy: Policy, r: ContactRequest, history: Sequence[Attempt], tz: dt.tzinfo
) -> list[Reason]:
    if r.party_role is not PartyRole.THIRD_PARTY:
        if r.party_role in policy.allowed_roles:
            return []
        return [rc.fixed(rc.PARTY_ROLE_NOT_ALLOWED, "party_roles", party_role=r.party_role.value)]
    rule = policy.third_party
    if rule is None:
        return [rc.fixed(rc.THIRD_PARTY_NOT_ALLOWED, "third_party")]
    out: list[Reason] = []
    if r.channel not in rule.channels:
        out.append(
            rc.fixed(rc.THIRD_PARTY_CHANNEL_NOT_ALLOWED, "third_party", channel=r.channel.value)
        )
    if rule.requires_debtor_unreachable and not r.debtor_unreachable:
        out.append(rc.fixed(rc.THIRD_PARTY_DEBTOR_REACHABLE, "third_party"))
    if rule.requires_nondisclosing_script and not r.script_nondisclosing:
        out.append(rc.fixed(rc.THIRD_PARTY_SCRIPT_DISCLOSES, "third_party"))
    theirs = [a for a in history if same_person(a, r)]
    if rule.stop_after_refusal:
        refusals = [a for a in theirs if a.outcome is Outcome.REFUSED]
        if refusals:
            first = min(refusals, key=lambda a: a.at)
            out.append(
                rc.fixed(
                    rc.THIRD_PARTY_REFUSED,
                    "third_party",
                    refused_at=first.at.astimezone(tz).isoformat(),
                )
            )
    if rule.max_reached is not None:
        reached = sum(1 for a in theirs if a.outcome in REACHED_OUTCOMES)
        if reached >= rule.max_reached:
            out.append(
                rc.fixed(
                    rc.THIRD_PARTY_ALREADY_CONTACTED,
                    "third_party",
                    count=reached,
                    limit=rule.max_reached,
                )
            )
    return out


_HOLD_CODES = {
    HoldKind.CEASE_CONTACT: rc.HOLD_CEASE_CONTACT,
    HoldKind.DISPUTE: rc.HOLD_DISPUTE,
    HoldKind.DISTRESS: rc.HOLD_DISTRESS,
    HoldKind.LAWYER: rc.HOLD_LAWYER,
    HoldKind.REFUSED_MEDIUM: rc.HOLD_REFUSED_MEDIUM,
}
# Holds a legal notice (on one of the policy's legal-notice channels) may pass.
LEGAL_NOTICE_PASSES: frozenset[HoldKind] = frozenset({HoldKind.CEASE_CONTACT, HoldKind.DISPUTE})


def hold_applies(h: Hold, r: ContactRequest, at: dt.datetime) -> bool:
    """Is ``h`` in force at ``at`` for the person and medium ``r`` asks about?"""
    if h.since is not None and at < h.since:
        return False
    if h.until is not None and at >= h.until:
        return False
    if h.party_id is not None and r.party_id is not None and h.party_id != r.party_id:
        return False
    if h.party_role is not None and h.party_role is not r.party_role:
        return False
    return not (
        h.kind is HoldKind.REFUSED_MEDIUM
        and h.channel is not None
        and medium(h.channel) != medium(r.channel)
    )


def _check_holds(
    policy: Policy, r: ContactRequest, holds: Sequence[Hold], at: dt.datetime
) -> list[Reason]:
    legal_notice = r.legal_notice and r.channel in policy.legal_notice_channels
    seen: set[str] = set()
    out: list[Reason] = []
    for h in holds:
        if not hold_applies(h, r, at):
            continue
        if legal_notice and h.kind in LEGAL_NOTICE_PASSES:
            continue
        code = _HOLD_CODES[h.kind]
        if code in seen:
            continue
        seen.add(code)
        details: dict[str, Any] = {}
        if h.kind is HoldKind.CEASE_CONTACT:
            details["legal_notice_channels"] = ", ".join(
                sorted(c.value for c in policy.legal_notice_channels)
            )
        if h.kind is HoldKind.REFUSED_MEDIUM:
            details["medium"] = medium(r.channel)
        out.append(rc.fixed(code, "holds", **details))
    return out


def _check_refusals(r: ContactRequest, history: Sequence[Attempt], tz: dt.tzinfo) -> list[Reason]:
    """A debtor or guarantor who refused a medium is not contacted by it again."""
    if r.party_role is PartyRole.THIRD_PARTY:
        return []  # third parties: the stricter third-party rule applies
    mine = medium(r.channel)
    refusals = [
        a
        for a in history
        if a.outcome is Outcome.REFUSED and same_person(a, r) and medium(a.channel) == mine
    ]
    if not refusals:
        return []
    first = min(refusals, key=lambda a: a.at)
    return [
        rc.fixed(
            rc.MEDIUM_REFUSED_EARLIER,
            "refusals",
            medium=mine,
            refused_at=first.at.astimezone(tz).isoformat(),
        )
    ]


def _check_certification(policy: Policy, r: ContactRequest, today: dt.date) -> list[Reason]:
    if r.channel not in policy.certification_channels:
        return []
    out: list[Reason] = []
    valid = sum(1 for c in r.collectors if c is not None and c >= today)
    invalid = len(r.collectors) - valid
    if not r.collectors or invalid:
        if r.collectors:
            zh, en = f"{invalid} 名无有效证书", f"{invalid} without a valid certificate"
        else:
            zh, en = "未指定催收员", "no collector named"
        out.append(
            rc.fixed(
                rc.COLLECTOR_NOT_CERTIFIED,
                "certification",
                channel=r.channel.value,
                problem_zh=zh,
                problem_en=en,
                invalid=invalid,
            )
        )
    if r.channel is Channel.VISIT and valid < policy.visit_min_collectors:
        out.append(
            rc.fixed(
                rc.VISIT_TOO_FEW_COLLECTORS,
                "visits",
                minimum=policy.visit_min_collectors,
                count=valid,
            )
        )
    return out


def _check_public(policy: Policy, r: ContactRequest) -> list[Reason]:
    if r.public and not policy.public_notices_allowed:
        return [rc.fixed(rc.PUBLIC_NOTICE_FORBIDDEN, "public_notices")]
    return []


def _check_opt_out(policy: Policy, r: ContactRequest) -> list[Reason]:
    if r.channel in policy.opt_out_channels and not r.opt_out_line:
        return [rc.fixed(rc.OPT_OUT_LINE_MISSING, "opt_out", channel=r.channel.value)]
    return []


class AddressKind(StrEnum):
    """What a number or address is: each channel reaches only its own kind."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    PHONE = "phone"  # a telephone number whose kind is not known (some foreign plans)
    EMAIL = "email"
    POSTAL = "postal"


_ADDRESS_LABELS: dict[str, tuple[str, str]] = {
    "mobile": ("手机号码", "a mobile number"),
    "landline": ("固定电话", "a fixed line"),
    "phone": ("电话号码", "a telephone number"),
    "email": ("电子邮件地址", "an e-mail address"),
    "postal": ("邮寄地址", "a postal address"),
}
# The kinds of address each channel may use, the first one naming what is expected.
CHANNEL_ADDRESSES: dict[Channel, tuple[AddressKind, ...]] = {
    Channel.SMS: (AddressKind.MOBILE, AddressKind.PHONE),
    Channel.VOICE: (AddressKind.PHONE, AddressKind.MOBILE, AddressKind.LANDLINE),
    Channel.ROBOT: (AddressKind.PHONE, AddressKind.MOBILE, AddressKind.LANDLINE),
    Channel.EMAIL: (AddressKind.EMAIL,),
    Channel.LETTER: (AddressKind.POSTAL,),
    Channel.VISIT: (AddressKind.POSTAL,),
}


def _check_address(r: ContactRequest) -> list[Reason]:
    """SMS only to a mobile, e-mail only to an e-mail address, letters only to a postal
    address; an unknown kind (``None``) is not judged here."""
    if r.recipient_kind is None:
        return []
    fits = CHANNEL_ADDRESSES.get(r.channel, ())
    if r.recipient_kind in fits:
        return []
    number = r.number_masked or "-"
    if r.channel is Channel.SMS and r.recipient_kind == AddressKind.LANDLINE:
        return [rc.fixed(rc.SMS_TO_LANDLINE, "address_kind", number=number)]
    expected = _ADDRESS_LABELS[fits[0].value]
    given = _ADDRESS_LABELS.get(r.recipient_kind, (r.recipient_kind, r.recipient_kind))
    return [
        rc.fixed(
            rc.ADDRESS_WRONG_KIND,
            "address_kind",
            channel=r.channel.value,
            expected_zh=expected[0],
            expected_en=expected[1],
            given_zh=given[0],
            given_en=given[1],
            number=number,
        )
    ]


def _check_hours(policy: Policy, r: ContactRequest, local: dt.datetime) -> list[Reason]:
    if r.channel not in policy.window_channels:
        return []
    now = local.time().replace(tzinfo=None)
    if any(w.start <= now < w.end for w in policy.windows):
        return []
    return [
        rc.fixed(
            rc.OUTSIDE_HOURS,
            "contact_hours",
            local_time=f"{local:%Y-%m-%d %H:%M:%S}",
            windows=", ".join(w.label for w in policy.windows),
        )
    ]


def _check_cooldown(
    c: Cooldown,
    r: ContactRequest,
    dated: Sequence[tuple[Attempt, dt.date]],
    tz: dt.tzinfo,
    today: dt.date,
) -> list[Reason]:
    if r.channel not in c.blocked_channels:
        return []
    first = today - dt.timedelta(days=c.days - 1)
    latest: Attempt | None = None
    for a, day in dated:
        if (
            first <= day <= today
            and a.channel in c.trigger_channels
            and a.outcome in CONVERSATION_OUTCOMES
            and _in_scope(c.per, a, r)
            and (latest is None or a.at > latest.at)
        ):
            latest = a
    if latest is None:
        return []
    talk = latest.at.astimezone(tz)
    return [
        rc.cooldown(
            c.code,
            label_zh=c.label_zh,
            label_en=c.label_en,
            conversation_at=talk.isoformat(),
            until_day=(talk.date() + dt.timedelta(days=c.days)).isoformat(),
        )
    ]


def _check_cap(
    c: Cap, r: ContactRequest, dated: Sequence[tuple[Attempt, dt.date]], today: dt.date
) -> list[Reason]:
    if r.channel not in c.channels:
        return []
    first = today - dt.timedelta(days=c.days - 1)
    count = 0
    for a, day in dated:
        if not first <= day <= today or a.channel not in c.channels:
            continue
        if c.counts is Counting.CONVERSATIONS and a.outcome not in CONVERSATION_OUTCOMES:
            continue
        if _in_scope(c.per, a, r):
            count += 1
    if count < c.limit:
        return []
    return [
        rc.cap(
            c.code,
            label_zh=c.label_zh,
            label_en=c.label_en,
            count=count,
            limit=c.limit,
            first_day=first.isoformat(),
            last_day=today.isoformat(),
        )
    ]


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """An IANA zone by name, or a ``ContactPolicyError`` (``unknown_timezone``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(
            "unknown_timezone", f"未知时区：{name!r}", f"Unknown time zone: {name!r}", value=name
        ) from None


def parse_instant(raw: str, field_name: str = "at") -> dt.datetime:
    """ISO 8601 with an offset (``2026-03-02T08:00:00+08:00``); naive times are refused."""
    try:
        value = dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise _bad(
            "bad_datetime",
            f"{field_name} 不是 ISO 8601 时间：{raw!r}",
            f"{field_name} is not an ISO 8601 time: {raw!r}",
            field=field_name,
        ) from None
    _check_aware(value, field_name)
    return value


def _check_aware(value: dt.datetime, field_name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _bad(
            "naive_datetime",
            f"{field_name} 必须带时区偏移（如 +08:00）：{value.isoformat()}",
            f"{field_name} needs a UTC offset (e.g. +08:00): {value.isoformat()}",
            field=field_name,
        )


def _check_positive(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _bad(
            "bad_policy",
            f"{name} 必须是正整数：{value!r}",
            f"{name} must be a positive integer: {value!r}",
            field=name,
        )


def _check_code(code: str) -> None:
    if not code or not all(ch.islower() or ch.isdigit() or ch == "_" for ch in code):
        raise _bad(
            "bad_policy",
            f"规则代码须为 snake_case：{code!r}",
            f"A rule code must be snake_case: {code!r}",
            field="code",
        )


def loosened(floor: Policy, policy: Policy) -> list[str]:
    """Where ``policy`` is less strict than ``floor`` (the legal floor: the preset of the same
    name), as the names of the rules it loosens; empty when it is at least as strict.

    An organisation may tighten every rule (fewer channels or hours, lower caps, longer
    cool-downs, more certified collectors, …) but loosen none: this is the check."""
    out: list[str] = []
    if not policy.channels <= floor.channels:
        out.append("channels")
    inside = all(
        any(f.start <= w.start and w.end <= f.end for f in floor.windows) for w in policy.windows
    )
    if not inside or not floor.window_channels <= policy.window_channels:
        out.append("windows")
    # Whose clock the hours are read on is the law's; the default zone (used only when the
    # debtor's is not known) is the organisation's to set, e.g. a firm in Urumqi.
    if policy.timezone_rule != floor.timezone_rule:
        out.append("timezone_rule")
    if not policy.allowed_roles <= floor.allowed_roles:
        out.append("allowed_roles")
    caps = {c.code: c for c in policy.caps}
    for cap in floor.caps:
        own = caps.get(cap.code)
        if (
            own is None
            or own.limit > cap.limit
            or own.days < cap.days
            or not cap.channels <= own.channels
            or (own.counts, own.per) != (cap.counts, cap.per)
        ):
            out.append(cap.code)
    cooldowns = {c.code: c for c in policy.cooldowns}
    for cool in floor.cooldowns:
        mine = cooldowns.get(cool.code)
        if (
            mine is None
            or mine.days < cool.days
            or not cool.trigger_channels <= mine.trigger_channels
            or not cool.blocked_channels <= mine.blocked_channels
            or mine.per != cool.per
        ):
            out.append(cool.code)
    if policy.third_party is not None:
        ft, pt = floor.third_party, policy.third_party
        if (
            ft is None
            or not pt.channels <= ft.channels
            or (ft.requires_debtor_unreachable and not pt.requires_debtor_unreachable)
            or (ft.requires_nondisclosing_script and not pt.requires_nondisclosing_script)
            or (ft.stop_after_refusal and not pt.stop_after_refusal)
            or (
                ft.max_reached is not None
                and (pt.max_reached is None or pt.max_reached > ft.max_reached)
            )
        ):
            out.append("third_party")
    if not floor.certification_channels <= policy.certification_channels:
        out.append("certification_channels")
    if policy.visit_min_collectors < floor.visit_min_collectors:
        out.append("visit_min_collectors")
    if policy.public_notices_allowed and not floor.public_notices_allowed:
        out.append("public_notices_allowed")
    if not floor.opt_out_channels <= policy.opt_out_channels:
        out.append("opt_out_channels")
    if not policy.legal_notice_channels <= floor.legal_notice_channels:
        out.append("legal_notice_channels")
    return out


def _bad(code: str, zh: str, en: str, **details: Any) -> ContactPolicyError:
    return ContactPolicyError(zh, en, code=code, details=details)


E = TypeVar("E", bound=StrEnum)
_MISSING: Any = object()


class _Reader:
    """Strict reading of one JSON object: unknown keys and wrong types are errors."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise _bad("bad_json", f"{where} 必须是对象。", f"{where} must be an object.")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise _bad(
                "bad_json",
                f"{self.where} 缺少字段 {key!r}。",
                f"{self.where} lacks the field {key!r}.",
                field=f"{self.where}.{key}",
            )
        return default

    def _wrong(self, key: str, zh: str, en: str, value: Any) -> ContactPolicyError:
        return _bad(
            "bad_json",
            f"{self.where}.{key} {zh}：{value!r}",
            f"{self.where}.{key} {en}: {value!r}",
            field=f"{self.where}.{key}",
        )

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "必须是字符串", "must be a string", value)
        return value

    def optional_str(self, key: str) -> str | None:
        value = self.get(key, None)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self._wrong(key, "必须是非空字符串", "must be a non-empty string", value)
        return value

    def integer(self, key: str, default: Any = _MISSING) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "必须是整数", "must be an integer", value)
        result: int = value
        return result

    def optional_int(self, key: str) -> int | None:
        return None if self.get(key, None) is None else self.integer(key)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self._wrong(key, "必须是 true/false", "must be true or false", value)
        return value

    def items(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self.get(key, default)
        if not isinstance(value, list):
            raise self._wrong(key, "必须是列表", "must be a list", value)
        return value

    def enum(self, key: str, kind: type[E], default: Any = _MISSING) -> E:
        return self._enum_value(key, kind, self.get(key, default))

    def _enum_value(self, key: str, kind: type[E], value: Any) -> E:
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise _bad(
                f"unknown_{_snake(kind.__name__)}",
                f"{self.where}.{key} 取值无效：{value!r}（可选：{allowed}）",
                f"{self.where}.{key} has an unknown value: {value!r} (one of: {allowed})",
                field=f"{self.where}.{key}",
                value=value,
            ) from None

    def enums(self, key: str, kind: type[E], default: Any = _MISSING) -> list[E]:
        return [self._enum_value(key, kind, v) for v in self.items(key, default)]

    def channels(self, key: str, default: Any = _MISSING) -> frozenset[Channel]:
        return frozenset(self.enums(key, Channel, default))

    def clock(self, key: str) -> dt.time:
        raw = self.text(key)
        try:
            value = dt.time.fromisoformat(raw)
        except ValueError:
            raise self._wrong(key, "必须是 HH:MM", "must be HH:MM", raw) from None
        if value.tzinfo is not None:
            raise self._wrong(key, "必须是当地时间", "must be a local time", raw)
        return value

    def instant(self, key: str) -> dt.datetime:
        raw = self.get(key)
        if not isinstance(raw, str):
            raise self._wrong(key, "必须是 ISO 8601 字符串", "must be an ISO 8601 string", raw)
        return parse_instant(raw, f"{self.where}.{key}")

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            raise _bad(
                "bad_json",
                f"{self.where} 含未知字段：{extra}",
                f"{self.where} has unknown fields: {extra}",
                fields=extra,
            )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
