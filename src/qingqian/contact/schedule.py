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
  per robot-hour); other channels have an optional daily cap in ``channel_capacity``.
- **Best hours.** Each debtor's local hours are ranked by a Laplace-smoothed histogram of past
  connections: ``(connections[h] + 1) / (total + H)`` over the ``H`` hours the policy allows,
  so a debtor with no history gets the earliest hour and one who answers at 19:00 gets 19:00.
- **Every slot passes the policy.** Each candidate slot is put to the pure
  :func:`qingqian.contact.policy.decide` with the debtor's history, holds and every contact
  planned earlier in the same plan; a denied slot is never planned. Debtors left out are listed
  in ``unplanned`` with the reason (a hold, a cap, no capacity, no common channel, or
  ``already_reached_today`` when the history shows a conversation or delivery that day).

Pure: no clock, no database; ``day`` and the histories come in as arguments. The gate
(``contact_attempt_authorize``) still decides each real attempt at its real time; the plan only
makes sure the gate will not be asked for something it must refuse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    "ROBOT_CAPACITY",
    "DayPlan",
    "PlannedContact",
    "QueueEntry",
    "Unplanned",
    "hour_scores",
    "merge_entries",
    "plan_day",
]

ROBOT_CAPACITY = 800  # calls per robot per day (the Suzhou case's figure)
AUTOMATED = frozenset({Channel.ROBOT, Channel.SMS, Channel.EMAIL, Channel.LETTER})
# A debtor reached today (a conversation or a delivered message) is not planned again today.
REACHED = frozenset({Outcome.CONNECTED, Outcome.REFUSED, Outcome.DELIVERED})


@dataclass(frozen=True)
class QueueEntry:
    """One work-queue row: a debtor (``debtor_key``) owing on ``case_ids``.

    ``best_hours`` maps a local hour (0–23) to the number of past connections at that hour.
    ``history`` and ``holds`` are what the gate would be given for this person.
    """

    debtor_key: str
    case_ids: tuple[str, ...]
    priority: float
    channels: tuple[Channel, ...]
    timezone: str | None = None
    best_hours: Mapping[int, int] = field(default_factory=dict)
    history: tuple[Attempt, ...] = ()
    holds: tuple[Hold, ...] = ()
    number: str | None = None
    party_role: PartyRole = PartyRole.DEBTOR

    def __post_init__(self) -> None:
        if not self.debtor_key:
            raise ValueError("debtor_key is required")
        if any(not 0 <= h <= 23 or n < 0 for h, n in self.best_hours.items()):
            raise ValueError("best_hours maps hours 0-23 to non-negative counts")


@dataclass(frozen=True)
class PlannedContact:
    debtor_key: str
    case_ids: tuple[str, ...]
    channel: Channel
    at: dt.datetime  # aware, in the debtor's local zone
    robot: int | None  # robot index for robot calls
    hour_score: float
    policy_version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "debtor_key": self.debtor_key,
            "case_ids": list(self.case_ids),
            "channel": self.channel.value,
            "at": self.at.isoformat(),
            "robot": self.robot,
            "hour_score": round(self.hour_score, 4),
            "policy_version": self.policy_version,
        }


@dataclass(frozen=True)
class Unplanned:
    debtor_key: str
    reason: str  # a policy reason code, "no_capacity" or "no_common_channel"

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "policy_version": self.policy_version,
            "per_channel": self.per_channel(),
            "robot_load": {str(k): v for k, v in sorted(self.robot_load().items())},
            "unplanned_by_reason": dict(Counter(u.reason for u in self.unplanned)),
            "contacts": [c.as_dict() for c in self.contacts],
        }


# --------------------------------------------------------------------------- helpers


def merge_entries(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """One entry per debtor: cases joined, max priority, common channels, pooled data."""
    groups: dict[str, list[QueueEntry]] = defaultdict(list)
    for e in entries:
        groups[e.debtor_key].append(e)
    merged: list[QueueEntry] = []
    for key, group in groups.items():
        first = group[0]
        common = [c for c in first.channels if all(c in g.channels for g in group[1:])]
        hours: Counter[int] = Counter()
        for g in group:
            hours.update(g.best_hours)
        merged.append(
            QueueEntry(
                debtor_key=key,
                case_ids=tuple(dict.fromkeys(cid for g in group for cid in g.case_ids)),
                priority=max(g.priority for g in group),
                channels=tuple(common),
                timezone=first.timezone,
                best_hours=dict(hours),
                history=tuple(a for g in group for a in g.history),
                holds=tuple(dict.fromkeys(h for g in group for h in g.holds)),
                number=first.number,
                party_role=first.party_role,
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


def hour_scores(best_hours: Mapping[int, int], hours: Sequence[int]) -> dict[int, float]:
    """Laplace-smoothed share of past connections per allowed hour (sums to 1)."""
    total = sum(best_hours.get(h, 0) for h in hours)
    return {h: (best_hours.get(h, 0) + 1) / (total + len(hours)) for h in hours}


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


# --------------------------------------------------------------------------- planner


def plan_day(
    entries: Iterable[QueueEntry],
    policy: Policy,
    day: dt.date,
    *,
    robots: int = 10,
    robot_capacity: int = ROBOT_CAPACITY,
    channel_capacity: Mapping[Channel, int] | None = None,
) -> DayPlan:
    """The contact plan for local ``day``; see the module docstring for the rules."""
    if robots < 0 or robot_capacity < 1:
        raise ValueError("robots must be >= 0 and robot_capacity >= 1")
    hours = window_hours(policy)
    per_robot_hour = math.ceil(robot_capacity / max(1, len(hours)))
    robot_day: list[int] = [0] * robots
    robot_hour: dict[tuple[int, int], int] = defaultdict(int)
    channel_day: Counter[Channel] = Counter()
    slot_use: Counter[tuple[Channel, int]] = Counter()
    caps = dict(channel_capacity or {})
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
        scores = hour_scores(entry.best_hours, hours)
        ranked = sorted(hours, key=lambda h: (-scores[h], h))
        first_denial: str | None = None
        placed: PlannedContact | None = None
        for channel in entry.channels:
            if channel is not Channel.ROBOT and channel_day[channel] >= caps.get(channel, math.inf):
                continue
            request = _request(entry, channel, policy, day)
            for h in ranked or [9]:
                robot = None
                if channel is Channel.ROBOT:
                    free = [
                        r
                        for r in range(robots)
                        if robot_day[r] < robot_capacity and robot_hour[(r, h)] < per_robot_hour
                    ]
                    if not free:
                        continue
                    robot = min(free, key=lambda r: (robot_day[r], r))
                n = slot_use[(channel, h)]
                local = dt.datetime.combine(day, dt.time(h, n % 60, (n // 60) % 60), tzinfo=tz)
                decision: Decision = decide(policy, request, entry.history, entry.holds, local)
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
                )
                slot_use[(channel, h)] += 1
                channel_day[channel] += 1
                if robot is not None:
                    robot_day[robot] += 1
                    robot_hour[(robot, h)] += 1
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
