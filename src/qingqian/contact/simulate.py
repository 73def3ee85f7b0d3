"""A seeded campaign simulator: robots and collectors push; ``decide`` says no; ``recheck`` audits.

``simulate(policy, debtors=…, days=…, robots=…, rng=random.Random(seed))`` plays ``days`` days
of a collection campaign over ``debtors`` debtors. Robots dial up to ``robot_capacity`` calls
a day each (800 by default, the figure in the Suzhou case); collectors call, send SMS, e-mail
and letters and make field visits. The dialler is deliberately careless: it plans up to eight
robot calls per debtor a day, starts before 08:00 and runs past 22:00 (on the dialler's
clock, in the policy's default zone; a few debtors live in other zones), and knows nothing of
holds, refusals or expired certificates. Every attempt asks ``decide`` first; only allowed
attempts are made, get an outcome and enter the log. Conversations sometimes raise holds
(distress, dispute, cease-contact, lawyer). At the end ``recheck`` reads the whole log; its
violation count must be 0.

Pure: the random source and the start date come in as arguments; no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import (
    Attempt,
    Channel,
    ContactRequest,
    Hold,
    HoldKind,
    Outcome,
    PartyRole,
    Policy,
    TimezoneRule,
    decide,
    prune_history,
    zone,
)
from qingqian.contact.recheck import LoggedAttempt, Violation, recheck

DEFAULT_START = dt.date(2026, 3, 2)  # a Monday
ROBOT_CAPACITY = 800  # calls per robot per day
_CN_ZONES = (("Asia/Shanghai", 0.97), ("Asia/Urumqi", 0.03))
_US_ZONES = (
    ("America/New_York", 0.45),
    ("America/Chicago", 0.3),
    ("America/Denver", 0.1),
    ("America/Los_Angeles", 0.15),
)
_DIAL_FROM = 7 * 3600 + 45 * 60  # the careless dialler's day: 07:45 …
_DIAL_TO = 22 * 3600 + 15 * 60  # … to 22:15 on its own clock
_COLLECTORS = 40


@dataclass
class _Debtor:
    index: int
    zone: str
    numbers: tuple[str, ...]
    answer: float  # chance a call is answered
    guarantor_number: str | None
    unreachable: bool
    history: list[Attempt] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)

    @property
    def party(self) -> str:
        return f"D{self.index}"


@dataclass(frozen=True)
class SimulationReport:
    policy_version: str
    debtors: int
    days: int
    robots: int
    robot_capacity: int
    attempts: int
    allowed: int
    denied: int
    denied_by_reason: dict[str, int]
    denied_by_rule: dict[str, int]
    allowed_by_channel: dict[str, int]
    outcomes: dict[str, int]
    robot_calls: int
    holds_placed: dict[str, int]
    violations: tuple[Violation, ...]
    log: tuple[LoggedAttempt, ...] = field(repr=False, default=())
    holds: tuple[Hold, ...] = field(repr=False, default=())

    def as_dict(self) -> dict[str, Any]:
        """The ``qingqian contact simulate --json`` shape (the log itself is left out)."""
        return {
            "policy_version": self.policy_version,
            "debtors": self.debtors,
            "days": self.days,
            "robots": self.robots,
            "robot_capacity_per_day": self.robot_capacity,
            "attempts": self.attempts,
            "allowed": self.allowed,
            "denied": self.denied,
            "denied_by_reason": dict(sorted(self.denied_by_reason.items())),
            "denied_by_rule": dict(sorted(self.denied_by_rule.items())),
            "allowed_by_channel": dict(sorted(self.allowed_by_channel.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "robot_calls": self.robot_calls,
            "holds_placed": dict(sorted(self.holds_placed.items())),
            "violations": len(self.violations),
            "violations_by_code": dict(sorted(Counter(v.code for v in self.violations).items())),
        }


def simulate(
    policy: Policy,
    *,
    debtors: int,
    days: int,
    robots: int,
    rng: random.Random,
    start: dt.date = DEFAULT_START,
    robot_capacity: int = ROBOT_CAPACITY,
) -> SimulationReport:
    """Replay ``debtors`` × ``days`` with ``robots`` robots through ``decide``; re-check the log."""
    for name, value in (
        ("debtors", debtors),
        ("days", days),
        ("robots", robots),
        ("robot_capacity", robot_capacity),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ContactPolicyError(
                f"{name} 必须是正整数：{value!r}",
                f"{name} must be a positive integer: {value!r}",
                code="bad_simulation",
                details={"field": name, "value": value},
            )
    sim = _Campaign(policy, rng, start, debtors)
    for day in range(days):
        sim.run_day(start + dt.timedelta(days=day), robots * robot_capacity)
    violations = recheck(policy, sim.log, sim.all_holds)
    return SimulationReport(
        policy_version=policy.label,
        debtors=debtors,
        days=days,
        robots=robots,
        robot_capacity=robot_capacity,
        attempts=sim.attempts,
        allowed=len(sim.log),
        denied=sim.attempts - len(sim.log),
        denied_by_reason=dict(sim.denied_by_reason),
        denied_by_rule=dict(sim.denied_by_rule),
        allowed_by_channel=dict(sim.allowed_by_channel),
        outcomes=dict(sim.outcomes),
        robot_calls=sim.robot_calls,
        holds_placed=dict(sim.holds_placed),
        violations=tuple(violations),
        log=tuple(sim.log),
        holds=tuple(sim.all_holds),
    )


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [n for n, _ in weighted]
    return rng.choices(names, weights=[w for _, w in weighted])[0]


class _Campaign:
    def __init__(self, policy: Policy, rng: random.Random, start: dt.date, n: int) -> None:
        self.policy = policy
        self.rng = rng
        self.us = policy.timezone_rule is TimezoneRule.AT_OFFSET
        zones = _US_ZONES if self.us else _CN_ZONES
        self.debtors: list[_Debtor] = []
        for i in range(n):
            count = 1 if rng.random() < 0.6 else 2
            self.debtors.append(
                _Debtor(
                    index=i,
                    zone=_pick(rng, zones),
                    numbers=tuple(f"N{i}-{k}" for k in range(count)),
                    answer=rng.uniform(0.1, 0.6),
                    guarantor_number=f"G{i}" if rng.random() < 0.3 else None,
                    unreachable=rng.random() < 0.05,
                )
            )
        # Certificate expiry per collector: most valid all campaign, some lapse midway.
        self.certificates = [
            start + dt.timedelta(days=rng.randrange(0, 40)) if rng.random() < 0.15 else None
            for _ in range(_COLLECTORS)
        ]
        self.valid_forever = start + dt.timedelta(days=3650)
        self.log: list[LoggedAttempt] = []
        self.all_holds: list[Hold] = []
        self.attempts = 0
        self.robot_calls = 0
        self.denied_by_reason: Counter[str] = Counter()
        self.denied_by_rule: Counter[str] = Counter()
        self.allowed_by_channel: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.holds_placed: Counter[str] = Counter()

    # ---- one day ------------------------------------------------------------------

    def run_day(self, day: dt.date, capacity: int) -> None:
        order = list(range(len(self.debtors)))
        self.rng.shuffle(order)
        for i in order:
            capacity -= self._debtor_day(self.debtors[i], day, capacity)

    def _clock_zone(self, d: _Debtor) -> dt.tzinfo:
        # CN: the dialler runs on its own clock (the policy's zone); US: the debtor's clock.
        return zone(d.zone if self.us else self.policy.default_timezone)

    def _collector(self) -> dt.date | None:
        c = self.certificates[self.rng.randrange(_COLLECTORS)]
        return self.valid_forever if c is None else c

    def _debtor_day(self, d: _Debtor, day: dt.date, capacity: int) -> int:
        rng = self.rng
        plans: list[tuple[int, ContactRequest]] = []

        def req(channel: Channel, **kw: Any) -> ContactRequest:
            kw.setdefault("party_id", d.party)
            return ContactRequest(
                channel=channel, debt_id=f"L{d.index}", debtor_timezone=d.zone, **kw
            )

        if capacity > 0:
            for k in range(rng.choice((0, 1, 1, 2, 3, 4, 8))):
                plans.append(
                    (
                        rng.randrange(_DIAL_FROM, _DIAL_TO),
                        req(Channel.ROBOT, number=d.numbers[k % len(d.numbers)]),
                    )
                )
        if d.guarantor_number and capacity > 0 and rng.random() < 0.1:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(
                        Channel.ROBOT,
                        party_role=PartyRole.GUARANTOR,
                        number=d.guarantor_number,
                        party_id=f"{d.party}G",
                    ),
                )
            )
        roll = rng.random()
        if roll < 0.04:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(
                        Channel.VOICE,
                        number=d.numbers[0],
                        collectors=(self._collector(),),
                    ),
                )
            )
        elif roll < 0.07:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(
                        Channel.SMS,
                        number=d.numbers[0],
                        opt_out_line=rng.random() < 0.9,
                    ),
                )
            )
        elif roll < 0.08:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(
                        Channel.EMAIL,
                        number=f"d{d.index}@example.cn",
                        opt_out_line=rng.random() < 0.9,
                        legal_notice=rng.random() < 0.2,
                    ),
                )
            )
        elif roll < 0.085:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(Channel.LETTER, legal_notice=True),
                )
            )
        elif roll < 0.087:
            crew = tuple(self._collector() for _ in range(1 if rng.random() < 0.3 else 2))
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(Channel.VISIT, collectors=crew),
                )
            )
        elif roll < 0.0872:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(Channel.LETTER, public=True),
                )
            )
        if d.unreachable and rng.random() < 0.2:
            plans.append(
                (
                    rng.randrange(_DIAL_FROM, _DIAL_TO),
                    req(
                        Channel.VOICE,
                        party_role=PartyRole.THIRD_PARTY,
                        number=f"T{d.index}",
                        party_id=f"{d.party}T",
                        collectors=(self._collector(),),
                        debtor_unreachable=True,
                        script_nondisclosing=rng.random() < 0.95,
                    ),
                )
            )
        plans.sort(key=lambda p: p[0])
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self._clock_zone(d))
        # What a gate would load: the recent entries, every refusal, every third-party entry.
        d.history = prune_history(self.policy, d.history, midnight)
        used = 0
        for second, request in plans:
            if request.channel is Channel.ROBOT and used >= capacity:
                continue  # the robots are busy: no attempt is made
            local = (midnight + dt.timedelta(seconds=second)).astimezone(self._clock_zone(d))
            # As an API caller writes it: ISO 8601 with a fixed offset (``+08:00``).
            at = local.astimezone(dt.timezone(local.utcoffset() or dt.timedelta(0)))
            used += self._attempt(d, request, at)
        return used

    def _attempt(self, d: _Debtor, request: ContactRequest, at: dt.datetime) -> int:
        self.attempts += 1
        decision = decide(self.policy, request, d.history, d.holds, at)
        if not decision.allowed:
            self.denied_by_rule[decision.rule] += 1
            for code in decision.codes:
                self.denied_by_reason[code] += 1
            return 0
        outcome = self._outcome(d, request.channel)
        self.outcomes[outcome.value] += 1
        self.allowed_by_channel[request.channel.value] += 1
        d.history.append(request.attempt(at, outcome))
        self.log.append(LoggedAttempt(request, at, outcome))
        if outcome is Outcome.CONNECTED and request.party_role is PartyRole.DEBTOR:
            self._maybe_hold(d, at)
        if request.channel is Channel.ROBOT:
            self.robot_calls += 1
            return 1
        return 0

    def _outcome(self, d: _Debtor, channel: Channel) -> Outcome:
        x = self.rng.random()
        if channel in (Channel.VOICE, Channel.ROBOT, Channel.VISIT):
            if x < d.answer:
                return Outcome.REFUSED if self.rng.random() < 0.02 else Outcome.CONNECTED
            if channel is Channel.VISIT:
                return Outcome.NO_ANSWER
            x = (x - d.answer) / (1 - d.answer)
            if x < 0.2:
                return Outcome.VOICEMAIL
            return Outcome.BUSY if x < 0.35 else Outcome.NO_ANSWER
        if channel is Channel.LETTER:
            return Outcome.DELIVERED
        if x < 0.005:
            return Outcome.REFUSED
        return Outcome.BOUNCED if x < 0.05 else Outcome.DELIVERED

    def _maybe_hold(self, d: _Debtor, at: dt.datetime) -> None:
        x = self.rng.random()
        since = at + dt.timedelta(minutes=5)
        hold: Hold | None = None
        if x < 0.004:
            hold = Hold(HoldKind.DISTRESS, party_id=d.party, since=since)
        elif x < 0.010:
            until = since + dt.timedelta(days=14)
            hold = Hold(HoldKind.DISPUTE, party_id=d.party, since=since, until=until)
        elif x < 0.012:
            hold = Hold(HoldKind.CEASE_CONTACT, party_id=d.party, since=since)
        elif x < 0.013:
            hold = Hold(HoldKind.LAWYER, party_id=d.party, since=since)
        if hold is not None:
            d.holds.append(hold)
            self.all_holds.append(hold)
            self.holds_placed[hold.kind.value] += 1
