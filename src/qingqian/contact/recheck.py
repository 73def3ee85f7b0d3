"""An independent re-check of a contact log: did any attempt break the policy?

``recheck(policy, log, holds=())`` reads a log of attempts that were made (each with the
request it answered, its time and its outcome) and reports every violation. It shares the
policy data and the message wording with ``decide`` but none of its logic: instead of
walking a history and placing each entry on a local day, it sorts the whole log once,
indexes it by person and by number, turns every window into two instants (local midnight of
the first day, in the debtor's zone) and counts with binary search.

The rules are read the same way as ``decide`` reads them: an entry is judged against the
entries logged before it (by time, then by position), in the zone that applied to it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from qingqian.contact import reasons as rc
from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import (
    ContactRequest,
    Counting,
    Hold,
    HoldKind,
    Outcome,
    PartyRole,
    Policy,
    Scope,
    TimezoneRule,
    zone,
)
from qingqian.contact.reasons import Reason

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
_ANSWERED = {Outcome.CONNECTED.value, Outcome.REFUSED.value, None}
_REACHED = {Outcome.CONNECTED.value, Outcome.REFUSED.value, Outcome.DELIVERED.value, None}
_PHONE = {"voice", "robot"}
_HOLD_CODE = {
    HoldKind.CEASE_CONTACT: rc.HOLD_CEASE_CONTACT,
    HoldKind.DISPUTE: rc.HOLD_DISPUTE,
    HoldKind.DISTRESS: rc.HOLD_DISTRESS,
    HoldKind.LAWYER: rc.HOLD_LAWYER,
    HoldKind.REFUSED_MEDIUM: rc.HOLD_REFUSED_MEDIUM,
}


@dataclass(frozen=True)
class LoggedAttempt:
    """One attempt that was made: the request, when, and what came of it (``None``: unknown)."""

    request: ContactRequest
    at: dt.datetime
    outcome: Outcome | None


@dataclass(frozen=True)
class Violation:
    """A rule an attempt in the log broke. ``index`` is its position in the log as given."""

    index: int
    at: dt.datetime
    code: str
    rule: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": self.at.isoformat(),
            "code": self.code,
            "rule": self.rule,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class _Row:
    """A log entry flattened for counting."""

    __slots__ = (
        "channel",
        "debt",
        "index",
        "instant",
        "medium",
        "number",
        "outcome",
        "party",
        "request",
        "role",
        "when",
    )

    def __init__(self, index: int, entry: LoggedAttempt) -> None:
        if entry.at.tzinfo is None or entry.at.utcoffset() is None:
            raise ContactPolicyError(
                f"日志第 {index} 条的时间缺少时区偏移。",
                f"Log entry {index} has a time without a UTC offset.",
                code="naive_datetime",
                details={"index": index},
            )
        r = entry.request
        self.index = index
        self.request = r
        self.when = entry.at
        self.instant = (entry.at - _EPOCH) // _US
        self.channel = r.channel.value
        self.medium = "phone" if self.channel in _PHONE else self.channel
        self.outcome = None if entry.outcome is None else entry.outcome.value
        self.role = r.party_role.value
        self.party = r.party_id
        self.number = r.number
        self.debt = r.debt_id


class _Index:
    """Earlier rows grouped by a key; rows with no key can match any key."""

    def __init__(self) -> None:
        self.groups: dict[str, list[_Row]] = defaultdict(list)
        self.times: dict[str, list[int]] = defaultdict(list)
        self.unkeyed: list[_Row] = []
        self.unkeyed_times: list[int] = []
        self.everything: list[_Row] = []
        self.everything_times: list[int] = []

    def add(self, key: str | None, row: _Row) -> None:
        if key is None:
            self.unkeyed.append(row)
            self.unkeyed_times.append(row.instant)
        else:
            self.groups[key].append(row)
            self.times[key].append(row.instant)
        self.everything.append(row)
        self.everything_times.append(row.instant)

    def since(self, key: str | None, start: int | None) -> Iterator[_Row]:
        """Earlier rows that could share ``key``, at or after instant ``start``."""
        if key is None:
            yield from _tail(self.everything, self.everything_times, start)
            return
        yield from _tail(self.groups.get(key, []), self.times.get(key, []), start)
        yield from _tail(self.unkeyed, self.unkeyed_times, start)


def _tail(rows: list[_Row], times: list[int], start: int | None) -> list[_Row]:
    if start is None:
        return rows
    return rows[bisect.bisect_left(times, start) :]


def recheck(
    policy: Policy, log: Sequence[LoggedAttempt], holds: Sequence[Hold] = ()
) -> list[Violation]:
    """Every violation of ``policy`` in ``log`` (empty when the log is clean).

    ``holds`` are judged against each entry's own time; a hold that names no ``party_id``
    applies to every entry of its role (or to every entry, without a role).
    """
    rows = sorted((_Row(i, e) for i, e in enumerate(log)), key=lambda w: (w.instant, w.index))
    by_party = _Index()
    by_number = _Index()
    refusals = _Index()  # refused rows only, by party
    found: list[Violation] = []
    holds_by_party: dict[str | None, list[Hold]] = defaultdict(list)
    for h in holds:
        holds_by_party[h.party_id].append(h)
    for row in rows:
        if row.party is None:
            mine: Sequence[Hold] = holds
        else:
            mine = holds_by_party.get(row.party, []) + holds_by_party.get(None, [])
        for reason in _judge(policy, row, mine, by_party, by_number, refusals):
            found.append(
                Violation(
                    row.index,
                    row.when,
                    reason.code,
                    reason.rule,
                    reason.message_zh,
                    reason.message_en,
                )
            )
        by_party.add(row.party, row)
        by_number.add(row.number, row)
        if row.outcome == Outcome.REFUSED.value:
            refusals.add(row.party, row)
    found.sort(key=lambda v: v.index)
    return found


def _zone_of(policy: Policy, row: _Row) -> dt.tzinfo:
    if policy.timezone_rule is TimezoneRule.AT_OFFSET:
        if isinstance(row.when.tzinfo, ZoneInfo):  # an IANA zone: its own offsets, DST too
            return row.when.tzinfo
        return dt.timezone(row.when.utcoffset() or dt.timedelta(0))
    return zone(row.request.debtor_timezone or policy.default_timezone)


def _micros(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@lru_cache(maxsize=1 << 14)
def _midnight(day: dt.date, tz: dt.tzinfo) -> int:
    return (dt.datetime.combine(day, dt.time(0), tzinfo=tz) - _EPOCH) // _US


def _person_match(prior: _Row, row: _Row) -> bool:
    if prior.party is not None and row.party is not None:
        return prior.party == row.party
    if prior.role != row.role:
        return False
    if (
        row.role == PartyRole.THIRD_PARTY.value
        and prior.number is not None
        and row.number is not None
    ):
        return prior.number == row.number
    return True


def _judge(
    policy: Policy,
    row: _Row,
    holds: Sequence[Hold],
    by_party: _Index,
    by_number: _Index,
    refusals: _Index,
) -> list[Reason]:
    r = row.request
    tz = _zone_of(policy, row)
    local = row.when.astimezone(tz)
    today = local.date()
    out: list[Reason] = []
    channel = r.channel

    if channel not in policy.channels:
        out.append(rc.fixed(rc.CHANNEL_NOT_ALLOWED, "channels", channel=row.channel))

    if row.role == PartyRole.THIRD_PARTY.value:
        person_rows = [p for p in by_party.since(row.party, None) if _person_match(p, row)]
        out.extend(_third_party(policy, row, person_rows, tz))
    elif r.party_role not in policy.allowed_roles:
        out.append(rc.fixed(rc.PARTY_ROLE_NOT_ALLOWED, "party_roles", party_role=row.role))

    out.extend(_holds(policy, row, holds))

    if row.role != PartyRole.THIRD_PARTY.value:
        refused = [
            p
            for p in refusals.since(row.party, None)
            if p.medium == row.medium and _person_match(p, row)
        ]
        if refused:
            out.append(
                rc.fixed(
                    rc.MEDIUM_REFUSED_EARLIER,
                    "refusals",
                    medium=row.medium,
                    refused_at=refused[0].when.astimezone(tz).isoformat(),
                )
            )

    if channel in policy.certification_channels:
        ok = [d for d in r.collectors if d is not None and today <= d]
        bad = len(r.collectors) - len(ok)
        if bad or not r.collectors:
            out.append(
                rc.fixed(
                    rc.COLLECTOR_NOT_CERTIFIED,
                    "certification",
                    channel=row.channel,
                    problem_zh="日志复核" if r.collectors else "未指定催收员",
                    problem_en="log re-check" if r.collectors else "no collector named",
                    invalid=bad,
                )
            )
        if row.channel == "visit" and len(ok) < policy.visit_min_collectors:
            out.append(
                rc.fixed(
                    rc.VISIT_TOO_FEW_COLLECTORS,
                    "visits",
                    minimum=policy.visit_min_collectors,
                    count=len(ok),
                )
            )

    if r.public and not policy.public_notices_allowed:
        out.append(rc.fixed(rc.PUBLIC_NOTICE_FORBIDDEN, "public_notices"))
    if channel in policy.opt_out_channels and not r.opt_out_line:
        out.append(rc.fixed(rc.OPT_OUT_LINE_MISSING, "opt_out", channel=row.channel))

    if channel in policy.window_channels:
        now = _micros(local.time())
        inside = any(_micros(w.start) <= now < _micros(w.end) for w in policy.windows)
        if not inside:
            out.append(
                rc.fixed(
                    rc.OUTSIDE_HOURS,
                    "contact_hours",
                    local_time=f"{local:%Y-%m-%d %H:%M:%S}",
                    windows=", ".join(w.label for w in policy.windows),
                )
            )

    for cd in policy.cooldowns:
        if channel not in cd.blocked_channels:
            continue
        start = _midnight(today - dt.timedelta(days=cd.days - 1), tz)
        talks = [
            p
            for p in _scoped(cd.per, row, start, by_party, by_number)
            if p.request.channel in cd.trigger_channels and p.outcome in _ANSWERED
        ]
        if talks:
            last = talks[-1].when.astimezone(tz)
            out.append(
                rc.cooldown(
                    cd.code,
                    label_zh=cd.label_zh,
                    label_en=cd.label_en,
                    conversation_at=last.isoformat(),
                    until_day=(last.date() + dt.timedelta(days=cd.days)).isoformat(),
                )
            )

    for cap in policy.caps:
        if channel not in cap.channels:
            continue
        first = today - dt.timedelta(days=cap.days - 1)
        counted = [
            p
            for p in _scoped(cap.per, row, _midnight(first, tz), by_party, by_number)
            if p.request.channel in cap.channels
            and (cap.counts is Counting.ATTEMPTS or p.outcome in _ANSWERED)
        ]
        if len(counted) >= cap.limit:
            out.append(
                rc.cap(
                    cap.code,
                    label_zh=cap.label_zh,
                    label_en=cap.label_en,
                    count=len(counted),
                    limit=cap.limit,
                    first_day=first.isoformat(),
                    last_day=today.isoformat(),
                )
            )
    return out


def _scoped(per: Scope, row: _Row, start: int, by_party: _Index, by_number: _Index) -> list[_Row]:
    if per is Scope.NUMBER:
        return list(by_number.since(row.number, start))
    rows = [p for p in by_party.since(row.party, start) if _person_match(p, row)]
    if per is Scope.PERSON_DEBT:
        rows = [p for p in rows if p.debt is None or row.debt is None or p.debt == row.debt]
    rows.sort(key=lambda p: (p.instant, p.index))
    return rows


def _third_party(policy: Policy, row: _Row, person_rows: list[_Row], tz: dt.tzinfo) -> list[Reason]:
    tp = policy.third_party
    r = row.request
    if tp is None:
        return [rc.fixed(rc.THIRD_PARTY_NOT_ALLOWED, "third_party")]
    out: list[Reason] = []
    if r.channel not in tp.channels:
        out.append(rc.fixed(rc.THIRD_PARTY_CHANNEL_NOT_ALLOWED, "third_party", channel=row.channel))
    if tp.requires_debtor_unreachable and not r.debtor_unreachable:
        out.append(rc.fixed(rc.THIRD_PARTY_DEBTOR_REACHABLE, "third_party"))
    if tp.requires_nondisclosing_script and not r.script_nondisclosing:
        out.append(rc.fixed(rc.THIRD_PARTY_SCRIPT_DISCLOSES, "third_party"))
    if tp.stop_after_refusal:
        refused = [p for p in person_rows if p.outcome == Outcome.REFUSED.value]
        if refused:
            first = min(refused, key=lambda p: p.instant)
            out.append(
                rc.fixed(
                    rc.THIRD_PARTY_REFUSED,
                    "third_party",
                    refused_at=first.when.astimezone(tz).isoformat(),
                )
            )
    if tp.max_reached is not None:
        reached = sum(1 for p in person_rows if p.outcome in _REACHED)
        if reached >= tp.max_reached:
            out.append(
                rc.fixed(
                    rc.THIRD_PARTY_ALREADY_CONTACTED,
                    "third_party",
                    count=reached,
                    limit=tp.max_reached,
                )
            )
    return out


def _holds(policy: Policy, row: _Row, holds: Sequence[Hold]) -> list[Reason]:
    r = row.request
    exempt_kinds = (
        {HoldKind.CEASE_CONTACT, HoldKind.DISPUTE}
        if r.legal_notice and r.channel in policy.legal_notice_channels
        else set()
    )
    codes: dict[str, Reason] = {}
    for h in holds:
        if h.kind in exempt_kinds:
            continue
        started = h.since is None or h.since <= row.when
        ended = h.until is not None and h.until <= row.when
        if not started or ended:
            continue
        if h.party_role is not None and h.party_role.value != row.role:
            continue
        if h.party_id is not None and row.party is not None and h.party_id != row.party:
            continue
        if h.kind is HoldKind.REFUSED_MEDIUM and h.channel is not None:
            refused_medium = "phone" if h.channel.value in _PHONE else h.channel.value
            if refused_medium != row.medium:
                continue
        code = _HOLD_CODE[h.kind]
        if code in codes:
            continue
        details: dict[str, Any] = {}
        if h.kind is HoldKind.CEASE_CONTACT:
            details["legal_notice_channels"] = ", ".join(
                sorted(c.value for c in policy.legal_notice_channels)
            )
        if h.kind is HoldKind.REFUSED_MEDIUM:
            details["medium"] = row.medium
        codes[code] = rc.fixed(code, "holds", **details)
    return list(codes.values())
