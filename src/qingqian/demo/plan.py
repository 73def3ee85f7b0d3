"""The demo portfolio as plain data (pure: no Django, no clock, no database).

``plan_portfolio(count=…, seed=…, today=…, now=…)`` decides everything — parties and their
identifiers, cases, invoices, payments, handlers and each case's timeline — from one
``random.Random(seed)``, with every date relative to ``today``. ``qingqian.demo.generator``
then writes the plan in bulk.

How a case is drawn, so that its dates tell one consistent story:

1. its debt type and its target (the current state, and the outcome when closed);
2. a route through the lifecycle to that target (a few typical routes per target, each one
   checked move by move with ``check_transition``) and how long it stayed in each state, which
   gives the date it was opened;
3. its age (days the oldest invoice is overdue today) from the aging buckets, never less than
   the time it has been open plus a few days for the creditor to hand it over;
4. invoices due between the oldest due date and the day the case was opened, the amounts
   split from a total drawn for the debt type, and payments that clear the oldest first.

The first cases are forced so that even a small portfolio (``count`` ≥ 20) has every state,
outcome, debt type, aging bucket and client.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from qingqian.cases.lifecycle import IllegalTransition, Outcome, State, check_transition
from qingqian.common.tz import BUSINESS_TZ
from qingqian.demo import catalogue as cat
from qingqian.demo.identifiers import (
    DISTRICTS,
    make_landline,
    make_mobile,
    make_ric,
    make_uscc,
)

MIN_CASES = 20
DEBT_TYPES = ("trade", "construction", "private_loan", "other")

S = State
_EV, _ACC, _NEG, _PP = S.EVIDENCE_REVIEW, S.ACCEPTED, S.NEGOTIATION, S.PAYMENT_PLAN
_MED, _LIT, _ENF, _CL = S.MEDIATION, S.LITIGATION, S.ENFORCEMENT, S.CLOSED

# (state, outcome, weight): the book's mix; most of it is open and being worked.
TARGETS: tuple[tuple[State, str, float], ...] = (
    (S.INTAKE, "", 0.05),
    (_EV, "", 0.06),
    (_ACC, "", 0.06),
    (S.REJECTED, "", 0.04),
    (_NEG, "", 0.20),
    (_PP, "", 0.13),
    (_MED, "", 0.09),
    (_LIT, "", 0.10),
    (_ENF, "", 0.07),
    (_CL, Outcome.PAID_IN_FULL.value, 0.08),
    (_CL, Outcome.SETTLED.value, 0.05),
    (_CL, Outcome.UNCOLLECTABLE.value, 0.03),
    (_CL, Outcome.WITHDRAWN.value, 0.04),
)

# Typical routes from intake to each target (the moves after "opened").
ROUTES: dict[tuple[State, str], tuple[tuple[State, ...], ...]] = {
    (S.INTAKE, ""): ((), (_EV, S.INTAKE)),  # sent back for more documents
    (_EV, ""): ((_EV,), (_EV, S.INTAKE, _EV)),
    (_ACC, ""): ((_EV, _ACC),),
    (S.REJECTED, ""): ((_EV, S.REJECTED), (S.REJECTED,)),
    (_NEG, ""): ((_EV, _ACC, _NEG), (_EV, _ACC, _MED, _NEG), (_EV, _ACC, _NEG, _PP, _NEG)),
    (_PP, ""): ((_EV, _ACC, _NEG, _PP), (_EV, _ACC, _MED, _PP), (_EV, _ACC, _LIT, _PP)),
    (_MED, ""): ((_EV, _ACC, _MED), (_EV, _ACC, _NEG, _MED)),
    (_LIT, ""): (
        (_EV, _ACC, _LIT),
        (_EV, _ACC, _NEG, _LIT),
        (_EV, _ACC, _NEG, _PP, _LIT),
        (_EV, _ACC, _NEG, _MED, _LIT),
    ),
    (_ENF, ""): ((_EV, _ACC, _LIT, _ENF), (_EV, _ACC, _NEG, _LIT, _ENF)),
    (_CL, "paid_in_full"): (
        (_EV, _ACC, _NEG, _CL),
        (_EV, _ACC, _NEG, _PP, _CL),
        (_EV, _ACC, _MED, _PP, _CL),
        (_EV, _ACC, _LIT, _ENF, _CL),
    ),
    (_CL, "settled"): (
        (_EV, _ACC, _MED, _CL),
        (_EV, _ACC, _NEG, _MED, _CL),
        (_EV, _ACC, _LIT, _CL),
    ),
    (_CL, "uncollectable"): ((_EV, _ACC, _LIT, _ENF, _CL), (_EV, _ACC, _NEG, _CL)),
    (_CL, "withdrawn"): ((_CL,), (_EV, _CL), (_EV, S.REJECTED, _CL), (_EV, _ACC, _NEG, _CL)),
}

# Days a case stays in a state before its next move (inclusive range).
DWELL: dict[State, tuple[int, int]] = {
    S.INTAKE: (1, 5),
    _EV: (2, 14),
    _ACC: (1, 10),
    S.REJECTED: (7, 45),
    _NEG: (7, 60),
    _PP: (30, 240),
    _MED: (14, 45),
    _LIT: (60, 240),
    _ENF: (60, 300),
}
# Days since the last move for a case still in that state (closed: days since closing).
SINCE_LAST: dict[State, tuple[int, int]] = {
    S.INTAKE: (1, 7),
    _EV: (1, 14),
    _ACC: (1, 10),
    S.REJECTED: (1, 30),
    _NEG: (1, 45),
    _PP: (1, 150),
    _MED: (1, 40),
    _LIT: (1, 150),
    _ENF: (1, 200),
    _CL: (1, 300),
}

# Aging buckets (days the oldest invoice is overdue today) and the book's mix across them.
AGE_BUCKETS: tuple[tuple[int, int, float], ...] = (
    (0, 30, 0.12),
    (31, 60, 0.12),
    (61, 90, 0.12),
    (91, 180, 0.22),
    (181, 365, 0.22),
    (366, 1460, 0.20),
)

DEBT_TYPE_WEIGHTS = (0.55, 0.12, 0.23, 0.10)
AMOUNT_RANGES: dict[str, tuple[int, int]] = {  # yuan, drawn log-uniformly
    "trade": (5_000, 2_000_000),
    "construction": (50_000, 5_000_000),
    "private_loan": (2_000, 500_000),
    "other": (3_000, 300_000),
}
CHANNEL_LABELS = {"hotline": "服务热线", "web": "网页表单", "api": "API", "import": "台账导入"}


@dataclass
class PartyPlan:
    kind: str  # "company" or "person"
    name: str
    district: str
    address: str
    credit_code: str = ""
    id_number: str = ""
    phone: str = ""
    is_client: bool = False


@dataclass(frozen=True)
class InvoicePlan:
    number: str
    amount: Decimal
    outstanding: Decimal
    issue_date: dt.date
    due_date: dt.date
    note: str


@dataclass(frozen=True)
class EventPlan:
    at: dt.datetime
    kind: str  # "opened", "hotline_linked", "state_changed", "assigned"
    actor: str | None  # a demo username
    from_state: str = ""
    to_state: str = ""
    outcome: str = ""
    note: str = ""


@dataclass(frozen=True)
class HotlinePlan:
    caller_name: str
    phone: str
    summary: str
    consent_to_record: bool
    received_at: dt.datetime


@dataclass
class CasePlan:
    creditor: int  # index into Portfolio.parties
    debtors: list[int]
    guarantors: list[int]
    debt_type: str
    channel: str
    state: str
    outcome: str
    handler: str | None
    principal: Decimal
    outstanding: Decimal
    interest_rate: Decimal | None
    interest_terms: str
    contract_date: dt.date
    funds_transfer_date: dt.date | None
    due_date: dt.date
    last_payment_date: dt.date | None
    summary: str
    debtor_name: str
    oldest_due_date: dt.date
    opened_at: dt.datetime
    updated_at: dt.datetime
    invoices: list[InvoicePlan]
    events: list[EventPlan]
    hotline: HotlinePlan | None = None


@dataclass
class Portfolio:
    parties: list[PartyPlan] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)  # in the order they were opened
    creditor_logins: dict[str, int] = field(default_factory=dict)  # username → party index


def route_is_legal(route: tuple[State, ...] | list[str], outcome: str) -> bool:
    """True if every move from intake along ``route`` passes ``check_transition``."""
    current = S.INTAKE.value
    try:
        for step in route:
            target = State(step)
            check_transition(current, target, outcome if target is _CL else None)
            current = target.value
    except (IllegalTransition, ValueError):
        return False
    return True


def _fen_to_yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


class _Planner:
    def __init__(self, count: int, seed: int, today: dt.date, now: dt.datetime) -> None:
        if count < MIN_CASES:
            raise ValueError(f"count must be at least {MIN_CASES}")
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        for (_, outcome), routes in ROUTES.items():
            for route in routes:
                if not route_is_legal(route, outcome):
                    raise ValueError(f"demo route no longer legal: {route} ({outcome})")
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.count = count
        self.today = today
        self.now = now
        self.out = Portfolio()
        self.names: set[str] = set()
        self.pools: dict[str, list[int]] = {}
        self.used_pairs: set[tuple[int, int]] = set()
        self.invoice_seq: dict[int, int] = {}
        self.companies: list[int] = []
        self.lenders: list[int] = []
        self.contractors: list[int] = []
        self.company_key: dict[int, str] = {}

    # ------------------------------------------------------------------ parties

    def _add(self, party: PartyPlan, pool: str | None = None) -> int:
        self.out.parties.append(party)
        index = len(self.out.parties) - 1
        if pool is not None:
            self.pools.setdefault(pool, []).append(index)
        return index

    def _district(self) -> str:
        return self.rng.choice(tuple(DISTRICTS))

    def _address(self, district: str, company: bool) -> str:
        rng = self.rng
        street = f"{rng.choice(cat.STREETS[district])}{rng.randint(1, 999)}号"
        if company and rng.random() < 0.5:
            street += f"{rng.choice('ABCDE')}座{rng.randint(2, 28)}{rng.randint(1, 20):02d}室"
        return street

    def _company_name(self, kinds: tuple[str, ...]) -> str:
        rng = self.rng
        for attempt in range(40):
            core = rng.choice(cat.NAME_CORE)
            if attempt >= 10:
                core += rng.choice(cat.NAME_CORE)
            name = f"{rng.choice(cat.PLACE_PREFIX)}{core}{rng.choice(kinds)}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of demo company names")  # pragma: no cover

    def _person_name(self, female: bool) -> str:
        given = cat.GIVEN_FEMALE if female else cat.GIVEN_MALE
        return self.rng.choice(cat.SURNAMES) + self.rng.choice(given)

    def _new_company(self, kinds: tuple[str, ...], pool: str) -> int:
        district = self._district()
        rng = self.rng
        return self._add(
            PartyPlan(
                kind="company",
                name=self._company_name(kinds),
                district=district,
                address=self._address(district, company=True),
                credit_code=make_uscc(rng, district),
                phone=make_landline(rng) if rng.random() < 0.8 else make_mobile(rng),
            ),
            pool,
        )

    def _new_person(self, pool: str = "person") -> int:
        district = self._district()
        female = self.rng.random() < 0.45
        return self._add(
            PartyPlan(
                kind="person",
                name=self._person_name(female),
                district=district,
                address=self._address(district, company=False),
                id_number=make_ric(self.rng, district, female=female),
                phone=make_mobile(self.rng),
            ),
            pool,
        )

    def _pick(self, pool: str, *, reuse: float, creditor: int | None) -> int:
        """An existing party of ``pool`` (not yet a debtor of ``creditor``) with probability
        ``reuse``, else a new one."""
        rng = self.rng
        members = self.pools.get(pool, [])
        if members and rng.random() < reuse:
            for _ in range(4):
                candidate = rng.choice(members)
                if creditor is None or (creditor, candidate) not in self.used_pairs:
                    return candidate
        if pool == "person":
            return self._new_person()
        pool_kinds: dict[str, tuple[str, ...]] = {
            "general": cat.GENERAL_KINDS,
            "builder": cat.BUILDER_KINDS,
            "other": cat.OTHER_KINDS,
        }
        kinds = pool_kinds.get(pool)
        if kinds is None:  # a client's own customers: "ems", "auto", "tour"
            kinds = next(c.debtor_kinds for c in cat.CLIENT_COMPANIES if c.key == pool)
        return self._new_company(kinds, pool)

    def clients(self) -> None:
        rng = self.rng
        for c in cat.CLIENT_COMPANIES:
            index = self._add(
                PartyPlan(
                    kind="company",
                    name=c.name,
                    district=c.district,
                    address=c.street,
                    credit_code=make_uscc(rng, c.district),
                    phone=make_landline(rng),
                    is_client=True,
                )
            )
            self.names.add(c.name)
            self.companies.append(index)
            self.company_key[index] = c.key
            self.out.creditor_logins[f"creditor-{c.key}"] = index
        for p in cat.CLIENT_PERSONS:
            index = self._add(
                PartyPlan(
                    kind="person",
                    name=p.name,
                    district=p.district,
                    address=self._address(p.district, company=False),
                    id_number=make_ric(rng, p.district, female=p.female),
                    phone=make_mobile(rng),
                    is_client=True,
                )
            )
            (self.lenders if p.lends else self.contractors).append(index)

    # ------------------------------------------------------------------ cases

    def _at(self, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
        """A business-hours moment on ``day`` (Asia/Shanghai), later than ``after``."""
        if after is not None and after.astimezone(BUSINESS_TZ).date() == day:
            return after + dt.timedelta(minutes=self.rng.randint(2, 25))
        minutes = self.rng.randint(0, 8 * 60)
        start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=BUSINESS_TZ)
        return start + dt.timedelta(minutes=minutes)

    def _amount_fen(self, debt_type: str) -> int:
        low, high = AMOUNT_RANGES[debt_type]
        value = math.exp(self.rng.uniform(math.log(low * 100), math.log(high * 100)))
        fen = round(value)
        if debt_type == "private_loan":  # people lend round sums
            unit = 100_000 if fen >= 1_000_000 else 10_000
            fen = max(low * 100, fen // unit * unit)
        elif debt_type == "construction":
            fen = fen // 100 * 100
        return min(max(fen, low * 100), high * 100)

    def _split(self, total: int, parts: int, retention: bool) -> list[int]:
        """``total`` fen in ``parts`` positive parts (the last one a 3–5 % retention)."""
        rng = self.rng
        amounts: list[int] = []
        if retention and parts > 1:
            kept = total * rng.randint(3, 5) // 100
            return [*self._split(total - kept, parts - 1, retention=False), kept]
        weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
        scale = sum(weights)
        for w in weights[:-1]:
            amounts.append(max(1, math.floor(total * w / scale)))
        amounts.append(total - sum(amounts))
        return amounts

    def _paid_percent(self, route: tuple[State, ...], state: State, outcome: str) -> int:
        rng = self.rng
        if outcome == "paid_in_full":
            return 100
        if outcome == "settled":
            return rng.randint(40, 90)
        if outcome == "uncollectable":
            return rng.choice([0, 0, rng.randint(1, 15)])
        if outcome == "withdrawn":
            return rng.choice([0, 0, rng.randint(5, 30)])
        if _PP in route:
            return rng.randint(10, 70)
        if state in (_ENF, _MED, _NEG):
            return rng.choice([0, 0, rng.randint(5, 35)])
        return 0

    def case(self, i: int) -> None:
        rng = self.rng
        n_targets = len(TARGETS)
        # 1. Type, target and the bucket to aim for (forced first, so every value appears).
        debt_type = DEBT_TYPES[i % 4] if i < 8 else rng.choices(DEBT_TYPES, DEBT_TYPE_WEIGHTS)[0]
        forced_bucket: int | None = None
        if i < n_targets:
            state, outcome, _ = TARGETS[i]
        elif i < n_targets + len(AGE_BUCKETS):
            state, outcome = S.INTAKE, ""
            forced_bucket = i - n_targets
        else:
            state, outcome, _ = rng.choices(TARGETS, [t[2] for t in TARGETS])[0]
        route = rng.choice(ROUTES[(state, outcome)]) if forced_bucket is None else ()

        # 2. Time in each state → the day it was opened and the day of each move.
        dwell = [rng.randint(*DWELL[prev]) for prev in (S.INTAKE, *route[:-1])] if route else []
        since_last = rng.randint(*SINCE_LAST[state])
        if forced_bucket is not None:
            since_last = min(since_last, 5)
        opened_ago = sum(dwell) + since_last
        opened_day = self.today - dt.timedelta(days=opened_ago)

        # 3. Age of the oldest invoice; the creditor hands a debt over a few days after it is due.
        bucket = forced_bucket
        if bucket is None:
            bucket = rng.choices(range(len(AGE_BUCKETS)), [b[2] for b in AGE_BUCKETS])[0]
        low, high, _ = AGE_BUCKETS[bucket]
        low = max(low, opened_ago + 3)
        age = rng.randint(low, high) if low <= high else opened_ago + rng.randint(3, 90)
        oldest_due = self.today - dt.timedelta(days=age)
        handover = age - opened_ago  # ≥ 3 days after the oldest due date

        # 4. Creditor, debtors, guarantors.
        creditor, debtors, guarantors, summary_who = self._parties_for(i, debt_type)
        self.used_pairs.add((creditor, debtors[0]))

        # 5. Invoices and money.
        total = self._amount_fen(debt_type)
        inv_plan = self._invoices(debt_type, creditor, total, oldest_due, handover)
        paid_pct = self._paid_percent(route, state, outcome)
        paid = total if paid_pct == 100 else total * paid_pct // 100
        remaining_paid = paid
        invoices: list[InvoicePlan] = []
        for number, fen, issue, due, note in inv_plan:
            cleared = min(fen, remaining_paid)
            remaining_paid -= cleared
            invoices.append(
                InvoicePlan(
                    number, _fen_to_yuan(fen), _fen_to_yuan(fen - cleared), issue, due, note
                )
            )
        contract = min(iv.issue_date for iv in invoices)
        if debt_type != "private_loan":
            contract -= dt.timedelta(days=rng.choice([0, 0, 15, 30, 90, 180, 365]))
        funds = invoices[0].issue_date if debt_type == "private_loan" else None

        # 6. Timeline: opened, then each move; handlers are assigned as the work needs them.
        channel = self._channel(creditor)
        events, handler, closed_day = self._timeline(
            creditor, channel, opened_day, route, dwell, outcome
        )
        last_payment = None
        if paid:
            last_move_day = events[-1].at.astimezone(BUSINESS_TZ).date()
            if outcome == "paid_in_full" and closed_day is not None:
                last_payment = closed_day
            else:
                span = max(0, (last_move_day - opened_day).days)
                last_payment = opened_day + dt.timedelta(days=rng.randint(0, span))
        hotline = None
        if channel == "hotline":
            hotline = self._hotline(creditor, events[0].at, summary_who)
            consent = "是" if hotline.consent_to_record else "否"
            events.insert(
                1,
                EventPlan(
                    at=events[0].at + dt.timedelta(minutes=1),
                    kind="hotline_linked",
                    actor="intake",
                    note=f"来电人：{hotline.caller_name}，同意录音：{consent}",
                ),
            )
        rate, terms = self._interest(debt_type)
        principal = _fen_to_yuan(total)
        self.out.cases.append(
            CasePlan(
                creditor=creditor,
                debtors=debtors,
                guarantors=guarantors,
                debt_type=debt_type,
                channel=channel,
                state=state.value,
                outcome=outcome,
                handler=handler,
                principal=principal,
                outstanding=_fen_to_yuan(total - paid),
                interest_rate=rate,
                interest_terms=terms,
                contract_date=contract,
                funds_transfer_date=funds,
                due_date=oldest_due,
                last_payment_date=last_payment,
                summary=self._summary(debt_type, summary_who, invoices, principal),
                debtor_name=self.out.parties[debtors[0]].name,
                oldest_due_date=oldest_due,
                opened_at=events[0].at,
                updated_at=max(e.at for e in events),
                invoices=invoices,
                events=events,
                hotline=hotline,
            )
        )

    def _parties_for(self, i: int, debt_type: str) -> tuple[int, list[int], list[int], str]:
        rng = self.rng
        guarantors: list[int] = []
        if debt_type == "private_loan":
            creditor = self.lenders[i % len(self.lenders)] if i < 40 else rng.choice(self.lenders)
            debtors = [self._pick("person", reuse=0.25, creditor=creditor)]
            if rng.random() < 0.15:  # spouses borrowing together
                second = self._new_person()
                debtors.append(second)
            if rng.random() < 0.3:
                guarantors.append(self._other_than(debtors, "person"))
        elif debt_type == "construction":
            creditor = (
                self.contractors[i % len(self.contractors)]
                if i < 40
                else rng.choice(self.contractors)
            )
            debtors = [self._pick("builder", reuse=0.3, creditor=creditor)]
            if rng.random() < 0.15:  # the parent company guarantees its project company
                guarantors.append(self._other_than(debtors, "builder"))
        else:
            if i < 40:
                creditor = self.companies[i % len(self.companies)]
            else:
                creditor = rng.choices(self.companies, [0.5, 0.3, 0.2])[0]
            key = self.company_key[creditor]
            pool = "other" if debt_type == "other" else key
            if rng.random() < 0.3:
                pool = "general"  # customers of several of the clients
            debtors = [self._pick(pool, reuse=0.3, creditor=creditor)]
            if debt_type == "trade" and rng.random() < 0.03:
                debtors.append(self._other_than(debtors, pool))
            if debt_type == "trade" and rng.random() < 0.1:  # the legal representative
                guarantors.append(self._other_than(debtors, "person"))
        return creditor, debtors, guarantors, self.out.parties[debtors[0]].name

    def _other_than(self, taken: list[int], pool: str) -> int:
        for _ in range(6):
            candidate = self._pick(pool, reuse=0.4, creditor=None)
            if candidate not in taken:
                return candidate
        return self._pick(pool, reuse=0.0, creditor=None)

    def _invoices(
        self, debt_type: str, creditor: int, total: int, oldest_due: dt.date, handover: int
    ) -> list[tuple[str, int, dt.date, dt.date, str]]:
        rng = self.rng
        if debt_type == "trade":
            parts = 1 if rng.random() < 0.1 else rng.randint(2, 6)
        elif debt_type == "construction":
            parts = rng.randint(1, 4)
        elif debt_type == "other":
            parts = rng.randint(1, 2)
        else:
            parts = 1
        amounts = self._split(total, parts, retention=debt_type == "construction")
        offsets = [0, *sorted(rng.randint(0, max(0, handover - 3)) for _ in range(parts - 1))]
        seq0 = self.invoice_seq.get(creditor, 0)
        self.invoice_seq[creditor] = seq0 + parts
        rows: list[tuple[str, int, dt.date, dt.date, str]] = []
        loan_term = rng.choice([90, 180, 365, 365, 730])
        for k, (fen, offset) in enumerate(zip(amounts, offsets, strict=True)):
            seq = seq0 + k + 1
            due = oldest_due + dt.timedelta(days=offset)
            if debt_type == "trade":
                issue = due - dt.timedelta(days=rng.choice([30, 60, 60, 90]))
                number, note = f"{issue:%y}3205{seq:014d}", "增值税电子发票（数电票）"
            elif debt_type == "construction":
                issue = due - dt.timedelta(days=28)
                project = seq0 + 1
                kind = "质保金" if k == parts - 1 and parts > 1 else f"进度款第{k + 1}期"
                number, note = f"GC{issue:%Y}-{project:05d}-{k + 1:02d}", kind
            elif debt_type == "other":
                issue = due - dt.timedelta(days=30)
                number = f"FW{issue:%Y%m}{seq:06d}"
                note = rng.choice(["技术服务费", "场地租金", "咨询服务费", "设备租赁费"])
            else:
                issue = due - dt.timedelta(days=loan_term)
                number, note = f"JT{issue:%Y%m%d}-{seq:04d}", "借条（借款合同）"
            rows.append((number, fen, issue, due, note))
        return rows

    def _channel(self, creditor: int) -> str:
        rng = self.rng
        if creditor in self.company_key:
            return rng.choices(["import", "api", "web", "hotline"], [0.4, 0.15, 0.2, 0.25])[0]
        return rng.choices(["hotline", "web"], [0.6, 0.4])[0]

    def _opener(self, creditor: int, channel: str) -> str:
        login = f"creditor-{self.company_key[creditor]}" if creditor in self.company_key else None
        if channel == "api" and login:
            return login
        if channel == "import" and login and self.rng.random() < 0.5:
            return login
        return "intake"

    def _timeline(
        self,
        creditor: int,
        channel: str,
        opened_day: dt.date,
        route: tuple[State, ...],
        dwell: list[int],
        outcome: str,
    ) -> tuple[list[EventPlan], str | None, dt.date | None]:
        rng = self.rng
        at = self._at(opened_day)
        events = [
            EventPlan(
                at=at,
                kind="opened",
                actor=self._opener(creditor, channel),
                to_state=S.INTAKE.value,
                note=f"来源：{CHANNEL_LABELS[channel]}",
            )
        ]
        collector = rng.choices(["collector", "collector2"], [0.55, 0.45])[0]
        handler: str | None = None
        current = S.INTAKE
        day = opened_day
        closed_day = None
        for target, days in zip(route, dwell, strict=True):
            day += dt.timedelta(days=days)
            at = self._at(day, after=at)
            new_handler = handler
            if target is _ACC:
                new_handler = collector
            elif target is _MED and rng.random() < 0.5:
                new_handler = "mediator"
            elif target in (_LIT, _ENF):
                new_handler = "lawyer"
            elif target is _PP and current is _LIT and rng.random() < 0.5:
                new_handler = collector  # the collector watches the court-ordered instalments
            if target in (_EV, _ACC, S.REJECTED, S.INTAKE, _LIT, _ENF):
                actor = "lawyer"
            elif target is _MED:
                actor = "mediator"
            elif target is _CL:
                actor = handler or "lawyer"
                closed_day = day
            else:
                actor = handler or collector
            events.append(
                EventPlan(
                    at=at,
                    kind="state_changed",
                    actor=actor,
                    from_state=current.value,
                    to_state=target.value,
                    outcome=outcome if target is _CL else "",
                )
            )
            if new_handler != handler and new_handler is not None:
                at = self._at(day, after=at)
                events.append(EventPlan(at=at, kind="assigned", actor="lawyer", note=new_handler))
                handler = new_handler
            current = target
        return events, handler, closed_day

    def _hotline(self, creditor: int, opened_at: dt.datetime, about: str) -> HotlinePlan:
        rng = self.rng
        party = self.out.parties[creditor]
        if party.kind == "person":
            caller, phone = party.name, party.phone
        else:
            company = next(c for c in cat.CLIENT_COMPANIES if c.name == party.name)
            caller, phone = f"{''.join(company.contact)}（{party.name}财务）", make_mobile(rng)
        return HotlinePlan(
            caller_name=caller,
            phone=phone,
            summary=f"来电反映{about}欠款逾期未付，请求协助催收并了解调解流程。",
            consent_to_record=rng.random() < 0.92,
            received_at=opened_at - dt.timedelta(minutes=rng.randint(5, 40)),
        )

    def _interest(self, debt_type: str) -> tuple[Decimal | None, str]:
        rng = self.rng
        if debt_type == "private_loan":
            rate = rng.choice(["0", "3.65", "6.00", "8.00", "10.00", "12.00"])
            if rate == "0":
                return None, "未约定利息"
            return Decimal(rate), f"约定年利率 {rate}%，逾期按同一利率计收"
        if debt_type == "trade" and rng.random() < 0.5:
            return None, "逾期付款按每日万分之五支付违约金"
        if debt_type == "construction":
            return None, "逾期付款按同期全国银行间同业拆借中心公布的贷款市场报价利率计付利息"
        return None, ""

    def _summary(
        self, debt_type: str, debtor: str, invoices: list[InvoicePlan], principal: Decimal
    ) -> str:
        n = len(invoices)
        if debt_type == "trade":
            return f"{debtor}采购货款逾期未付：{n} 张发票，合计 {principal:,} 元。"
        if debt_type == "construction":
            return f"{debtor}承建项目拖欠工程款（{n} 笔进度款/质保金），合计 {principal:,} 元。"
        if debt_type == "private_loan":
            return f"{debtor}于 {invoices[0].issue_date} 借款 {principal:,} 元，到期未还。"
        return f"{debtor}拖欠{invoices[0].note}，合计 {principal:,} 元。"


def plan_portfolio(*, count: int, seed: int, today: dt.date, now: dt.datetime) -> Portfolio:
    """The whole demo portfolio for ``count`` cases (≥ 20), deterministic for ``seed``."""
    planner = _Planner(count, seed, today, now)
    planner.clients()
    for i in range(count):
        planner.case(i)
    planner.out.cases.sort(key=lambda c: c.opened_at)
    return planner.out
