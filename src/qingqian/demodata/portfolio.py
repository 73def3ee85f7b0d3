"""Builds the demo organisation, its users and a realistic Suzhou portfolio.

Deterministic for a seed (``random.Random(seed)``; dates relative to today in Asia/Shanghai).
Everything is written the way the services write it — encrypted identifiers, references
from the counter, a legal timeline path per case with audit rows and log entries — but in
bulk, so 2,000 cases load in seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.cases.imports import timeline_events_log
from qingqian.cases.lifecycle import TRANSITIONS, State
from qingqian.cases.models import Case, CaseParty, Invoice, PartyRole, TimelineEvent
from qingqian.cases.services import references_reserve
from qingqian.common import clock
from qingqian.common.bulk import bulk_insert
from qingqian.compliance.services import audit_record_many
from qingqian.demodata.identifiers import SUZHOU_AREAS, make_mobile, make_ric, make_uscc
from qingqian.parties.models import Party
from qingqian.parties.services import party_fields

ORG_CODE = "szqq"
ORG_NAME = "苏州清欠商事调解服务中心"
PASSWORD = "qingqian-demo"  # noqa: S105 (the documented demo password)
CENT = Decimal("0.01")

# (username, role, full name, extra) — creditor users are added per creditor below.
STAFF = [
    ("admin", Role.ADMIN, ("系统", "管理员")),
    ("intake", Role.INTAKE_AGENT, ("王", "小敏")),
    ("collector", Role.COLLECTOR, ("陈", "建国")),
    ("collector2", Role.COLLECTOR, ("周", "丽华")),
    ("collector3", Role.COLLECTOR, ("吴", "志强")),  # certificate expired: refused new work
    ("lawyer", Role.LAWYER, ("顾", "律师")),
    ("mediator", Role.MEDIATOR, ("沈", "调解员")),
    ("compliance", Role.COMPLIANCE, ("钱", "合规")),
]
CREDITORS = [
    ("creditor-ems", "苏州园区鑫达精密电子有限公司", "苏州工业园区", "星湖街 88 号"),
    ("creditor-auto", "苏州相城恒驰汽车零部件有限公司", "相城区", "澄阳路 116 号"),
    ("creditor-tour", "苏州姑苏枫桥文旅酒店管理有限公司", "姑苏区", "山塘街 21 号"),
]
LENDERS = [("钱志刚", "吴中区"), ("孙美玲", "姑苏区"), ("李国华", "昆山市"), ("赵永强", "吴江区")]

_PREFIX = ["苏州", "昆山", "吴江", "常熟", "张家港", "太仓", "相城", "吴中"]
_CORE = [
    "恒通",
    "瑞丰",
    "宏达",
    "博远",
    "金鼎",
    "华宇",
    "永盛",
    "天祥",
    "新亚",
    "嘉禾",
    "鼎峰",
    "协和",
    "明辉",
    "中联",
    "润泽",
    "锦程",
    "东吴",
    "沧浪",
    "枫桥",
    "天平",
]
_TRADE = [
    "电子科技",
    "精密机械",
    "模具",
    "五金制品",
    "塑胶",
    "物流",
    "包装材料",
    "贸易",
    "电气设备",
    "自动化设备",
    "新材料",
    "纺织",
]
_BUILD = ["建设工程", "建筑安装", "装饰工程", "市政工程", "房地产开发", "置业"]
_PARKS = ["工业园", "科技园", "开发区", "商务区"]
_SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "玉兰",
    "国庆",
    "丽娟",
    "春梅",
]

# State mix (sums to 1): most of a book is open and being worked.
STATE_WEIGHTS = {
    State.INTAKE: 0.08,
    State.EVIDENCE_REVIEW: 0.07,
    State.ACCEPTED: 0.08,
    State.REJECTED: 0.04,
    State.NEGOTIATION: 0.20,
    State.PAYMENT_PLAN: 0.12,
    State.MEDIATION: 0.09,
    State.LITIGATION: 0.10,
    State.ENFORCEMENT: 0.06,
    State.CLOSED: 0.16,
}
# A legal path from intake to each state (checked against TRANSITIONS in tests).
PATHS: dict[State, list[State]] = {
    State.INTAKE: [],
    State.EVIDENCE_REVIEW: [State.EVIDENCE_REVIEW],
    State.ACCEPTED: [State.EVIDENCE_REVIEW, State.ACCEPTED],
    State.REJECTED: [State.EVIDENCE_REVIEW, State.REJECTED],
    State.NEGOTIATION: [State.EVIDENCE_REVIEW, State.ACCEPTED, State.NEGOTIATION],
    State.PAYMENT_PLAN: [
        State.EVIDENCE_REVIEW,
        State.ACCEPTED,
        State.NEGOTIATION,
        State.PAYMENT_PLAN,
    ],
    State.MEDIATION: [State.EVIDENCE_REVIEW, State.ACCEPTED, State.NEGOTIATION, State.MEDIATION],
    State.LITIGATION: [State.EVIDENCE_REVIEW, State.ACCEPTED, State.LITIGATION],
    State.ENFORCEMENT: [State.EVIDENCE_REVIEW, State.ACCEPTED, State.LITIGATION, State.ENFORCEMENT],
}
CLOSED_PATHS = {
    "paid_in_full": [
        State.EVIDENCE_REVIEW,
        State.ACCEPTED,
        State.NEGOTIATION,
        State.PAYMENT_PLAN,
        State.CLOSED,
    ],
    "settled": [State.EVIDENCE_REVIEW, State.ACCEPTED, State.MEDIATION, State.CLOSED],
    "uncollectable": [
        State.EVIDENCE_REVIEW,
        State.ACCEPTED,
        State.LITIGATION,
        State.ENFORCEMENT,
        State.CLOSED,
    ],
    "withdrawn": [State.CLOSED],
}
DEBT_TYPE_WEIGHTS = {"trade": 0.55, "construction": 0.15, "private_loan": 0.22, "other": 0.08}
AMOUNT_RANGES = {  # yuan, drawn log-uniformly
    "trade": (5_000, 2_000_000),
    "construction": (50_000, 5_000_000),
    "private_loan": (2_000, 500_000),
    "other": (3_000, 300_000),
}


@dataclass
class DemoResult:
    created: bool
    organisation: str
    cases: int
    logins: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "organisation": self.organisation,
            "cases": self.cases,
            "logins": self.logins,
            "password": PASSWORD,
        }


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    import math

    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return Decimal(str(round(value, 2))).quantize(CENT, rounding=ROUND_HALF_UP)


def _company_name(rng: random.Random, kinds: list[str], used: set[str]) -> str:
    while True:
        name = f"{rng.choice(_PREFIX)}{rng.choice(_CORE)}{rng.choice(kinds)}有限公司"
        if name not in used:
            used.add(name)
            return name


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAME) + rng.choice(_GIVEN)


def logins(org: Organisation) -> list[dict[str, str]]:
    return [
        {"username": u.username, "role": u.role}
        for u in User.objects.filter(organisation=org).order_by("id")
    ]


def load_demo(*, cases: int = 2000, seed: int = 7) -> DemoResult:
    """Create the demo organisation once; later calls only report what is there."""
    existing = Organisation.objects.filter(short_code=ORG_CODE).first()
    if existing is not None:
        return DemoResult(
            False,
            existing.name,
            Case.objects.filter(organisation=existing).count(),
            logins(existing),
        )
    with transaction.atomic():
        return _build(cases=cases, seed=seed)


def _build(*, cases: int, seed: int) -> DemoResult:
    rng = random.Random(seed)
    today = clock.today()
    now = clock.now()
    org = Organisation.objects.create(name=ORG_NAME, short_code=ORG_CODE, city="苏州市")
    pw = make_password(PASSWORD)

    # Creditors (clients): three Suzhou firms and a few individual lenders.
    creditor_parties = []
    for _, name, district, street in CREDITORS:
        creditor_parties.append(
            Party(
                organisation=org,
                city="苏州市",
                district=district,
                address=street,
                is_client=True,
                **party_fields(
                    kind="company",
                    name=name,
                    credit_code=make_uscc(rng, SUZHOU_AREAS[district]),
                    phone=f"0512{rng.randint(60000000, 69999999)}",
                ),
            )
        )
    lenders = []
    for name, district in LENDERS:
        lenders.append(
            Party(
                organisation=org,
                city="苏州市",
                district=district,
                is_client=True,
                **party_fields(
                    kind="person",
                    name=name,
                    id_number=make_ric(rng, SUZHOU_AREAS[district]),
                    phone=make_mobile(rng),
                ),
            )
        )
    Party.objects.bulk_create(creditor_parties + lenders)

    users: dict[str, User] = {}
    for username, role, (last, first) in STAFF:
        extra: dict[str, Any] = {}
        if role == Role.COLLECTOR:
            expired = username == "collector3"
            extra = {
                "cert_number": f"SZCJ-{rng.randint(100000, 999999)}",
                "cert_issuer": "苏州市商务调解协会（演示）",
                "cert_expires": today + dt.timedelta(days=-30 if expired else 400),
            }
        users[username] = User(
            username=username,
            password=pw,
            organisation=org,
            role=role,
            last_name=last,
            first_name=first,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            **extra,
        )
    for (username, _, _, _), party in zip(CREDITORS, creditor_parties, strict=True):
        users[username] = User(
            username=username,
            password=pw,
            organisation=org,
            role=Role.CREDITOR,
            creditor=party,
            last_name=party.name[:20],
        )
    User.objects.bulk_create(users.values())
    users = {u.username: u for u in User.objects.filter(organisation=org)}

    # Debtors: companies across the Suzhou districts, and people for private loans.
    used: set[str] = set()
    n_companies = max(20, int(cases * 0.45))
    n_people = max(10, int(cases * 0.18))
    company_debtors: list[Party] = []
    builders: list[Party] = []
    people: list[Party] = []
    for i in range(n_companies):
        district = rng.choice(list(SUZHOU_AREAS))
        build = i % 6 == 0
        p = Party(
            organisation=org,
            city="苏州市",
            district=district,
            address=f"{rng.choice(_PARKS)}{rng.randint(1, 300)}号",
            **party_fields(
                kind="company",
                name=_company_name(rng, _BUILD if build else _TRADE, used),
                credit_code=make_uscc(rng, SUZHOU_AREAS[district]),
                phone=f"0512{rng.randint(60000000, 69999999)}",
            ),
        )
        (builders if build else company_debtors).append(p)
    for _ in range(n_people):
        district = rng.choice(list(SUZHOU_AREAS))
        people.append(
            Party(
                organisation=org,
                city="苏州市",
                district=district,
                **party_fields(
                    kind="person",
                    name=_person_name(rng),
                    id_number=make_ric(rng, SUZHOU_AREAS[district]),
                    phone=make_mobile(rng),
                ),
            )
        )
    Party.objects.bulk_create(company_debtors + builders + people, batch_size=1000)
    audit_record_many(
        actor=None,
        organisation=org,
        action="party.create",
        object_type="parties.party",
        rows=(
            (p.pk, {"kind": p.kind, "source": "demo"})
            for p in creditor_parties + lenders + company_debtors + builders + people
        ),
    )

    # Cases.
    refs = references_reserve(organisation=org, count=cases, year=today.year)
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    types = list(DEBT_TYPE_WEIGHTS)
    type_weights = list(DEBT_TYPE_WEIGHTS.values())
    plans: list[dict[str, Any]] = []
    case_objs: list[Case] = []
    invoice_counter: dict[int, int] = {}
    for i, ref in enumerate(refs):
        debt_type = rng.choices(types, type_weights)[0]
        state = states[i % len(states)] if i < len(states) * 3 else rng.choices(states, weights)[0]
        # Spread due dates over every aging bucket, a little into the future too.
        age = rng.choice(
            [
                rng.randint(-20, 30),
                rng.randint(31, 60),
                rng.randint(61, 90),
                rng.randint(91, 180),
                rng.randint(181, 365),
                rng.randint(366, 1100),
            ]
        )
        due = today - dt.timedelta(days=age)
        if debt_type == "private_loan":
            creditor = rng.choice(lenders)
            debtor = rng.choice(people)
        elif debt_type == "construction":
            creditor = rng.choice(creditor_parties[:2])
            debtor = rng.choice(builders)
        else:
            creditor = rng.choice(creditor_parties)
            debtor = rng.choice(company_debtors)
        low, high = AMOUNT_RANGES[debt_type]
        n_inv = 0 if debt_type == "private_loan" else rng.randint(1, 5)
        amounts = (
            [
                _money(rng, max(1000, low // max(1, n_inv)), max(2000, high // max(1, n_inv)))
                for _ in range(n_inv)
            ]
            if n_inv
            else [_money(rng, low, high)]
        )
        principal = sum(amounts, Decimal("0.00"))
        outcome = ""
        if state is State.CLOSED:
            outcome = rng.choice(
                ["paid_in_full", "paid_in_full", "settled", "uncollectable", "withdrawn"]
            )
            path = CLOSED_PATHS[outcome]
        else:
            path = PATHS[state]
        if outcome == "paid_in_full":
            paid_share = Decimal(1)
        elif state in (State.PAYMENT_PLAN, State.ENFORCEMENT) or outcome == "settled":
            paid_share = Decimal(rng.randint(10, 70)) / 100
        else:
            paid_share = Decimal(0)
        outstanding = (principal * (1 - paid_share)).quantize(CENT, rounding=ROUND_HALF_UP)
        handler = None
        if state in (State.NEGOTIATION, State.PAYMENT_PLAN) or outcome == "paid_in_full":
            handler = users[rng.choice(["collector", "collector2"])]
        elif state in (State.LITIGATION, State.ENFORCEMENT) or outcome == "uncollectable":
            handler = users["lawyer"]
        elif state is State.MEDIATION or outcome == "settled":
            handler = users["mediator"]
        contract = due - dt.timedelta(days=rng.choice([30, 60, 90, 180, 365]))
        guarantor = (
            rng.choice(people) if debt_type == "private_loan" and rng.random() < 0.3 else None
        )
        case_objs.append(
            Case(
                organisation=org,
                reference=ref,
                creditor=creditor,
                debt_type=debt_type,
                principal=principal,
                outstanding=outstanding,
                currency="CNY",
                interest_rate=Decimal(rng.choice(["6.00", "8.00", "10.00", "12.00", "14.80"]))
                if debt_type == "private_loan"
                else None,
                interest_terms="按年利率计息，逾期按约定计收"
                if debt_type == "private_loan"
                else "",
                contract_date=contract,
                funds_transfer_date=contract if debt_type == "private_loan" else None,
                due_date=due,
                last_payment_date=today - dt.timedelta(days=rng.randint(1, max(2, age)))
                if paid_share and age > 2
                else None,
                channel=rng.choice(["hotline", "web", "import", "import", "api"]),
                summary="演示案件 / demo case",
                handler=handler,
                state=state.value,
                outcome=outcome,
                debtor_name=debtor.name,
                oldest_due_date=due,
            )
        )
        plans.append(
            {
                "debtor": debtor,
                "guarantor": guarantor,
                "amounts": amounts,
                "paid_share": paid_share,
                "path": path,
                "age": age,
                "due": due,
                "creditor": creditor,
            }
        )
    Case.objects.bulk_create(case_objs, batch_size=1000)

    party_rows, invoice_rows, events = [], [], []
    for case, plan in zip(case_objs, plans, strict=True):
        party_rows.append((case.pk, plan["debtor"].pk, PartyRole.DEBTOR))
        if plan["guarantor"] is not None:
            party_rows.append((case.pk, plan["guarantor"].pk, PartyRole.GUARANTOR))
        if case.debt_type != "private_loan":
            to_pay = case.principal - case.outstanding  # payments clear the oldest first
            for k, amount in enumerate(plan["amounts"]):
                due = plan["due"] + dt.timedelta(days=30 * k)
                paid_here = min(amount, to_pay)
                to_pay -= paid_here
                owing = amount - paid_here
                cred = plan["creditor"].pk
                seq = invoice_counter.get(cred, 0) + 1
                invoice_counter[cred] = seq
                invoice_rows.append(
                    (
                        case.pk,
                        cred,
                        f"FP{due:%Y%m}{seq:06d}",
                        amount,
                        owing,
                        due - dt.timedelta(days=30),
                        due,
                        "",
                        now,
                    )
                )
        # Timeline: opened, then each move, spread over the case's life.
        start = now - dt.timedelta(days=max(3, plan["age"] + 25))
        step = max(1, (plan["age"] + 20) // (len(plan["path"]) + 1))
        events.append(
            TimelineEvent(
                case=case,
                at=start,
                kind="opened",
                to_state=State.INTAKE.value,
                note="演示数据 / demo data",
            )
        )
        previous = State.INTAKE
        for k, target in enumerate(plan["path"], start=1):
            events.append(
                TimelineEvent(
                    case=case,
                    at=start + dt.timedelta(days=step * k),
                    kind="state_changed",
                    from_state=previous.value,
                    to_state=target.value,
                    actor=case.handler or users["lawyer"],
                )
            )
            previous = target
    bulk_insert(CaseParty, ("case", "party", "role"), party_rows)
    bulk_insert(
        Invoice,
        (
            "case",
            "creditor",
            "number",
            "amount",
            "outstanding",
            "issue_date",
            "due_date",
            "note",
            "created_at",
        ),
        invoice_rows,
    )
    TimelineEvent.objects.bulk_create(events, batch_size=2000)
    timeline_events_log(events)
    audit_record_many(
        actor=None,
        organisation=org,
        action="case.open",
        object_type="cases.case",
        rows=(
            (
                c.pk,
                {
                    "reference": c.reference,
                    "state": c.state,
                    "principal": str(c.principal),
                    "source": "demo",
                },
            )
            for c in case_objs
        ),
    )
    return DemoResult(True, org.name, len(case_objs), logins(org))


def path_is_legal(path: list[str]) -> bool:
    """True if each move in ``path`` (starting at intake) is in the lifecycle table."""
    current = State.INTAKE
    for step in path:
        target = State(step)
        if target not in TRANSITIONS[current]:
            return False
        current = target
    return True
