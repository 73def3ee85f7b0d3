"""Demo data for the judicial route: the portfolio's cases in litigation and enforcement get
court proceedings (with their deadlines), hearings, asset clues, the lawyer's practice
details and document drafts, written through the litigation services as the demo lawyer, so
every row has its timeline, case-log and audit rows. Dates are relative to the load day, so
some deadlines always fall due inside the warning window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock
from qingqian.evidence.services import evidence_add
from qingqian.litigation import documents, services
from qingqian.litigation.models import LawyerProfile

#: The people's court of each Suzhou district and its code in case numbers.
COURTS: dict[str, tuple[str, str]] = {
    "姑苏区": ("苏州市姑苏区人民法院", "苏0508"),
    "虎丘区": ("苏州市虎丘区人民法院", "苏0505"),
    "吴中区": ("苏州市吴中区人民法院", "苏0506"),
    "相城区": ("苏州市相城区人民法院", "苏0507"),
    "吴江区": ("苏州市吴江区人民法院", "苏0509"),
    "苏州工业园区": ("苏州工业园区人民法院", "苏0591"),
    "常熟市": ("常熟市人民法院", "苏0581"),
    "张家港市": ("张家港市人民法院", "苏0582"),
    "昆山市": ("昆山市人民法院", "苏0583"),
    "太仓市": ("太仓市人民法院", "苏0585"),
}
DEFAULT_COURT = COURTS["姑苏区"]
MAX_LITIGATION = 40
MAX_ENFORCEMENT = 30
BANKS = ("中国工商银行苏州分行", "中国建设银行苏州分行", "江苏银行苏州分行", "苏州银行")


def _court(case: Case) -> tuple[str, str]:
    debtor = case.case_parties.filter(role="debtor").select_related("party").first()
    district = debtor.party.district if debtor else ""
    return COURTS.get(district, DEFAULT_COURT)


def _number(code: str, year: int, type_code: str, serial: int) -> str:
    return f"({year}){code}{type_code}{serial}号"


EVIDENCE = (
    ("reconciliation", "2025年度对账单", "双方盖章确认的对账单（演示文本）"),
    ("invoice", "增值税专用发票", "发票联复印件（演示文本）"),
    ("chat_record", "催款微信聊天记录", "债务人确认欠款的聊天记录截图说明（演示文本）"),
)


def _evidence(case: Case, lawyer: User) -> None:
    """A few evidence items (demo text files) so the evidence list has something to list."""
    # Collected at 10:00 today, or now when the demo is loaded earlier in the day (never in
    # the future, which the evidence log refuses).
    at = min(dt.datetime.combine(clock.today(), dt.time(10), tzinfo=clock.BUSINESS_TZ), clock.now())
    for n, (kind, title, body) in enumerate(EVIDENCE, 1):
        evidence_add(
            user=lawyer, case_id=case.pk, evidence_type=kind, title=title,
            filename=f"evidence-{n}.txt", data=f"{title}\n{body}\n".encode(),
            collected_by="顾文涛", collected_at=at, capture_method="扫描件",
            original_location="本所档案室",
        )  # fmt: skip


def seed_litigation(*, org: Organisation, users: dict[str, User]) -> int:
    """Proceedings, deadlines, clues and drafts on the demo's judicial cases; returns how many
    cases were given them."""
    lawyer = users["lawyer"]
    LawyerProfile.objects.get_or_create(
        user=lawyer, defaults={"practice_number": "13205202010123456", "firm": "江苏清欠律师事务所"}
    )
    today = clock.today()
    year = today.year
    touched: list[Case] = []
    cases = Case.objects.filter(organisation=org).order_by("pk")
    for i, case in enumerate(cases.filter(state="litigation")[:MAX_LITIGATION]):
        court, code = _court(case)
        if i % 3 == 0:  # a payment order served last week: the objection window is open
            services.proceeding_create(
                case=case, actor=lawyer, kind="payment_order", court=court,
                case_number=_number(code, year, "民督", 100 + i),
                filed_on=today - dt.timedelta(days=30), accepted_on=today - dt.timedelta(days=26),
                served_on=today - dt.timedelta(days=4 + i % 9),
            )  # fmt: skip
        elif i % 3 == 1:  # a suit awaiting its hearing
            p = services.proceeding_create(
                case=case, actor=lawyer, kind="first_instance", court=court,
                case_number=_number(code, year, "民初", 2000 + i),
                filed_on=today - dt.timedelta(days=50), accepted_on=today - dt.timedelta(days=45),
                served_on=today - dt.timedelta(days=10 + i % 7), judge="王法官",
                court_contact="0512-6522xxxx",
            )  # fmt: skip
            hearing = dt.datetime.combine(
                today + dt.timedelta(days=12 + i % 10), dt.time(9, 30), tzinfo=clock.BUSINESS_TZ
            )
            services.hearing_add(proceeding=p, actor=lawyer, at=hearing, place="第三法庭")
        else:  # judged: the appeal window runs
            services.proceeding_create(
                case=case, actor=lawyer, kind="first_instance", court=court,
                case_number=_number(code, year, "民初", 2000 + i),
                filed_on=today - dt.timedelta(days=120), served_on=today - dt.timedelta(days=100),
                judgment_on=today - dt.timedelta(days=12),
                judgment_served_on=today - dt.timedelta(days=2 + i % 9), outcome="won",
                awarded_principal=case.outstanding, awarded_fees=Decimal("0.00"),
            )  # fmt: skip
        if i % 2 == 0:
            services.asset_clue_add(
                case=case, actor=lawyer, kind="bank_account", summary=BANKS[i % len(BANKS)],
                source="creditor", source_date=today - dt.timedelta(days=20),
                detail=f"62220211020{i:08d}",
            )  # fmt: skip
        if i < 6:
            _evidence(case, lawyer)
            documents.document_draft(case=case, kind="complaint", actor=lawyer)
        touched.append(case)
    for i, case in enumerate(cases.filter(state="enforcement")[:MAX_ENFORCEMENT]):
        court, code = _court(case)
        effective = today - dt.timedelta(days=200 + i)
        services.proceeding_create(
            case=case, actor=lawyer, kind="first_instance", court=court,
            case_number=_number(code, year - 1, "民初", 3000 + i),
            filed_on=effective - dt.timedelta(days=120),
            judgment_served_on=effective - dt.timedelta(days=16),
            effective_on=effective, pay_by=effective + dt.timedelta(days=10), outcome="won",
            awarded_principal=case.outstanding,
        )  # fmt: skip
        enforcement = services.proceeding_create(
            case=case, actor=lawyer, kind="enforcement", court=court,
            case_number=_number(code, year, "执", 500 + i),
            filed_on=effective + dt.timedelta(days=40),
            accepted_on=effective + dt.timedelta(days=45),
        )  # fmt: skip
        if i % 4 == 0:
            services.proceeding_update(
                proceeding=enforcement, actor=lawyer, outcome="terminated",
                terminated_on=today - dt.timedelta(days=30), debtor_dishonest=True,
                debtor_restricted=True,
            )  # fmt: skip
        kinds = ("real_estate", "vehicle", "equity", "receivable")
        services.asset_clue_add(
            case=case, actor=lawyer, kind=kinds[i % len(kinds)],
            summary=("苏州市吴中区某小区房产", "小型轿车一辆", "苏州某科技有限公司 20% 股权",
                     "对苏州某贸易有限公司的应收账款")[i % len(kinds)],
            source="court_inquiry" if i % 2 else "public_register",
            source_date=today - dt.timedelta(days=15),
            detail=("苏(2022)苏州市不动产权第0123456号", "苏E·A1234", "", "")[i % len(kinds)],
        )  # fmt: skip
        if i < 2:
            doc = documents.document_draft(case=case, kind="enforcement_application", actor=lawyer)
            documents.document_finalise(document=doc, actor=lawyer)
        touched.append(case)
    # the litigation rows were written today: the case's last activity is its last row
    for case in touched:
        last = TimelineEvent.objects.filter(case=case).aggregate(at=Max("at"))["at"]
        Case.objects.filter(pk=case.pk).update(updated_at=last)
    return len(touched)
