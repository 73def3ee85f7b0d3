"""The loaded demo portfolio in the database: logins for every role, coverage, valid and
encrypted identifiers, legal timelines with their audit and log rows, reconciled money and
idempotence (determinism and refusals, which start from an empty database: test_demo_seeds.py).

The tests only read the demo, so it is loaded once for the module (tests/demo/loaded.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, Min, Sum
from stdnum.cn import ric, uscc

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.audit.models import AuditEvent
from qingqian.cases.aging import BUCKETS, bucket_for
from qingqian.cases.lifecycle import TRANSITIONS, Outcome, State, check_transition
from qingqian.cases.models import Case, CaseParty, HotlineCall, Invoice, PartyRole, TimelineEvent
from qingqian.cases.services import check_handler
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ValidationFailed
from qingqian.demo.catalogue import ORG_CODE, ORG_NAME, PASSWORD
from qingqian.demo.generator import load_demo
from qingqian.demo.identifiers import DISTRICTS
from qingqian.ledger.models import LogEntry
from qingqian.parties.models import Party
from tests.demo.loaded import Loaded, demo_once

pytestmark = pytest.mark.django_db

N = 120


@pytest.fixture(scope="module")
def _loaded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """One demo for the module's tests, which only read it (tests/demo/loaded.py)."""
    with demo_once(django_db_blocker, tmp_path_factory, cases=N, seed=11) as loaded:
        yield loaded


@pytest.fixture
def demo(_loaded: Loaded, settings: Any) -> Any:
    return _loaded.use(settings)


def _counts() -> dict[str, int]:
    models = (Organisation, User, Party, Case, CaseParty, Invoice, TimelineEvent, HotlineCall)
    counts = {m.__name__: m.objects.count() for m in models}
    return counts | {"AuditEvent": AuditEvent.objects.count(), "LogEntry": LogEntry.objects.count()}


def test_every_role_has_a_login_that_authenticates(demo: Any) -> None:
    assert {login["role"] for login in demo.logins} == {r.value for r in Role}
    for login in demo.logins:
        user = authenticate(username=login["username"], password=PASSWORD)
        assert user is not None and user.role == login["role"], login
        assert user.last_name and user.first_name  # a Chinese display name
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.exclude(username="admin").filter(is_staff=True).exists()


def test_collector_certificates_and_the_refusal_of_an_expired_one(demo: Any) -> None:
    today = clock.today()
    org = Organisation.objects.get(short_code=ORG_CODE)
    for name in ("collector", "collector2"):
        user = User.objects.get(username=name)
        assert user.certification_valid_on(today)
        assert user.cert_expires is not None and user.cert_expires > today
        check_handler(organisation=org, handler=user)
    expired = User.objects.get(username="collector3")
    assert expired.cert_number and expired.cert_issuer and expired.cert_expires is not None
    assert expired.cert_expires < today
    with pytest.raises(ValidationFailed) as exc:
        check_handler(organisation=org, handler=expired)
    assert exc.value.code == "certification_invalid"
    assert not Case.objects.filter(handler=expired).exists()


def test_organisation_creditors_and_counts(demo: Any) -> None:
    assert demo.created and demo.cases == N
    org = Organisation.objects.get()
    assert (org.name, org.short_code, org.city) == (ORG_NAME, ORG_CODE, "苏州市")
    assert Case.objects.filter(organisation=org).count() == N
    clients = Party.objects.filter(is_client=True)
    companies = clients.filter(kind="company")
    assert companies.count() == 3 and 3 <= clients.filter(kind="person").count() <= 6
    assert {p.district for p in companies} == {"苏州工业园区", "相城区", "姑苏区"}
    creditor_users = User.objects.filter(role=Role.CREDITOR)
    assert {u.username for u in creditor_users} == {
        "creditor-ems",
        "creditor-auto",
        "creditor-tour",
    }
    assert {u.creditor for u in creditor_users} == set(companies)
    for user in creditor_users:
        assert Case.objects.filter(creditor=user.creditor).exists()
    assert not Invoice.objects.values("case").annotate(n=Count("id")).filter(n=0).exists()
    assert Invoice.objects.values("case").distinct().count() == N
    assert all(p.city == "苏州市" and p.district in DISTRICTS for p in Party.objects.all())


def test_every_state_outcome_debt_type_and_aging_bucket_is_present(demo: Any) -> None:
    cases = Case.objects.all()
    assert set(cases.values_list("state", flat=True)) == {s.value for s in State}
    assert set(cases.exclude(outcome="").values_list("outcome", flat=True)) == {
        o.value for o in Outcome
    }
    assert set(cases.values_list("debt_type", flat=True)) == {
        "trade",
        "construction",
        "private_loan",
        "other",
    }
    today = clock.today()
    buckets = {
        bucket_for((today - d).days).key
        for d in cases.values_list("oldest_due_date", flat=True)
        if d is not None
    }
    assert not cases.filter(oldest_due_date=None).exists()
    assert buckets == {b.key for b in BUCKETS}


def test_identifiers_are_valid_and_stored_encrypted(demo: Any) -> None:
    companies = Party.objects.filter(kind="company")
    assert companies.count() > 20
    assert all(uscc.is_valid(p.credit_code) for p in companies)
    people = Party.objects.filter(kind="person")
    assert people.count() > 20
    for p in people:
        assert p.id_number_enc.startswith("v1:")
        number = crypto.decrypt(p.id_number_enc)
        assert ric.is_valid(number), number
        assert 1960 <= ric.get_birth_date(number).year <= 2000
        assert number not in p.id_number_enc and p.id_number_hash == crypto.lookup_hash(number)
        assert p.id_number_masked == number[:6] + "*" * 12
    for p in Party.objects.all():
        phone = crypto.decrypt(p.phone_enc)
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
        assert p.phone_hash == crypto.lookup_hash(phone) and phone not in p.phone_enc
    for call in HotlineCall.objects.all():
        assert phonenumbers.is_valid_number(
            phonenumbers.parse(crypto.decrypt(call.callback_phone_enc))
        )


def _legal(path: list[tuple[str, str]], outcome: str) -> bool:
    current = State.INTAKE.value
    for from_state, to_state in path:
        if from_state != current or State(to_state) not in TRANSITIONS[State(current)]:
            return False
        check_transition(current, to_state, outcome if to_state == "closed" else None)
        current = to_state
    return True


def test_timelines_are_legal_paths_with_audit_and_log_rows(demo: Any) -> None:
    now = clock.now()
    moves = 0
    for case in Case.objects.prefetch_related("timeline"):
        events = sorted(case.timeline.all(), key=lambda e: (e.at, e.pk))
        assert events[0].kind == "opened" and events[0].to_state == "intake"
        assert events[0].at == case.created_at and events[-1].at == case.updated_at < now
        path = [(e.from_state, e.to_state) for e in events if e.kind == "state_changed"]
        assert _legal(path, case.outcome), (case.reference, path)
        assert (path[-1][1] if path else "intake") == case.state
        assert bool(case.outcome) == (case.state == "closed")
        assert case.reference.startswith(
            f"SZQQ-{case.created_at.astimezone(clock.BUSINESS_TZ).year}-"
        )
        moves += len(path)
    audit = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert audit["case.open"] == N
    assert (
        audit["case.transition"]
        == moves
        == TimelineEvent.objects.filter(kind="state_changed").count()
    )
    assert audit["case.assign"] == TimelineEvent.objects.filter(kind="assigned").count()
    assert audit["party.create"] == Party.objects.count()
    assert (
        audit["hotline.record"]
        == HotlineCall.objects.count()
        == Case.objects.filter(channel="hotline").count()
    )
    audited = set(
        AuditEvent.objects.filter(object_type="cases.case").values_list("object_id", flat=True)
    )
    assert audited == {str(pk) for pk in Case.objects.values_list("pk", flat=True)}
    # every timeline row has its log entry; evidence uploads, signed documents (the demo's
    # mediation agreements and plan terms) and debt vouchers' events log their own entries
    case_entries = (
        LogEntry.objects.filter(case_id__isnull=False)
        .exclude(kind__startswith="evidence.")
        .exclude(kind__startswith="document.")
        .exclude(kind__startswith="voucher.")
    )
    assert case_entries.count() == TimelineEvent.objects.count()


def test_client_money_reconciles(demo: Any) -> None:
    """The demo's money page opens balanced: trust identities, journal, stored balances and
    every paid case's balance (principal less what was applied to it) all agree."""
    from qingqian.accounts.models import Organisation
    from qingqian.payments.remittance import reconciliation_report

    for org in Organisation.objects.all():
        report = reconciliation_report(organisation=org)
        assert report.ok, report.differences[:5]


def test_amounts_reconcile(demo: Any) -> None:
    cent = Decimal("0.01")
    sums = {
        row["case"]: row
        for row in Invoice.objects.values("case").annotate(
            a=Sum("amount"), o=Sum("outstanding"), due=Min("due_date")
        )
    }
    for case in Case.objects.all():
        inv = sums[case.pk]
        assert inv["a"] == case.principal and inv["o"] == case.outstanding
        assert inv["due"] == case.oldest_due_date == case.due_date
        assert Decimal(0) <= case.outstanding <= case.principal
        assert case.principal == case.principal.quantize(cent)
        if case.outcome == "paid_in_full":
            assert case.outstanding == 0
            assert not Invoice.objects.filter(case=case, outstanding__gt=0).exists()
    ranges = {
        "trade": (5_000, 2_000_000),
        "construction": (50_000, 5_000_000),
        "private_loan": (2_000, 500_000),
    }
    for debt_type, (low, high) in ranges.items():
        amounts = Case.objects.filter(debt_type=debt_type).values_list("principal", flat=True)
        assert all(low <= a <= high for a in amounts)
    per_creditor = Counter(Invoice.objects.values_list("creditor", "number"))
    assert max(per_creditor.values()) == 1


def test_debtors_guarantors_and_handlers(demo: Any) -> None:
    names = dict(Case.objects.values_list("pk", "debtor_name"))
    owed: dict[int, set[int]] = defaultdict(set)
    for link in CaseParty.objects.select_related("case", "party"):
        if link.role == PartyRole.DEBTOR:
            owed[link.party_id].add(link.case.creditor_id)
    assert any(len(creditors) > 1 for creditors in owed.values())
    first_debtor = {
        link.case_id: link.party.name
        for link in CaseParty.objects.filter(role=PartyRole.DEBTOR)
        .select_related("party")
        .order_by("-id")
    }
    assert first_debtor == names
    guaranteed = CaseParty.objects.filter(role=PartyRole.GUARANTOR)
    assert guaranteed.exists()
    for link in guaranteed:
        assert not CaseParty.objects.filter(
            case=link.case_id, party=link.party_id, role="debtor"
        ).exists()
    handlers = Counter(
        Case.objects.exclude(handler=None).values_list("handler__username", flat=True)
    )
    assert handlers["collector"] + handlers["collector2"] > sum(handlers.values()) / 2


def test_a_second_run_creates_nothing(demo: Any) -> None:
    before = _counts()
    again = load_demo(cases=N, seed=11)
    assert not again.created and again.cases == N and again.logins == demo.logins
    assert _counts() == before


# The demo's judicial, mediation and voucher work, on the same loaded demo (these tests were
# test_litigation_demo.py, test_mediation_demo.py and test_vouchers_demo.py, each loading a
# demo of its own: 200, 300 and 120 cases of seed 11; 120 carries all they look for).


def test_judicial_cases_carry_the_judicial_route(demo: Any) -> None:
    """The demo's judicial cases carry proceedings, deadlines, asset clues and documents."""
    from qingqian.litigation.models import (
        AssetClue,
        CourtDeadline,
        LawyerProfile,
        LitigationDocument,
        Proceeding,
    )
    from qingqian.litigation.selectors import deadlines_due_soon

    judicial = Case.objects.filter(state__in=("litigation", "enforcement"))
    assert judicial.exists()
    without = judicial.exclude(pk__in=Proceeding.objects.values("case"))
    assert not without.exists()  # every one (under the caps) has a proceeding
    enforcement = Case.objects.filter(state="enforcement")
    assert Proceeding.objects.filter(case__in=enforcement, kind="enforcement").count() == (
        enforcement.count()
    )
    assert CourtDeadline.objects.filter(kind="payment_order_objection").exists()
    assert CourtDeadline.objects.filter(kind="enforcement").exists()
    assert Proceeding.objects.filter(terminated_on__isnull=False, debtor_dishonest=True).exists()
    assert AssetClue.objects.filter(case__in=enforcement).count() == enforcement.count()
    lawyer = LawyerProfile.objects.get().user
    assert deadlines_due_soon(lawyer, today=clock.today())  # something to warn about
    final = LitigationDocument.objects.filter(final=True).first()
    assert final is not None and final.kind == "enforcement_application"
    assert TimelineEvent.objects.filter(case=final.case, note__contains=final.sha256).exists()
    assert LitigationDocument.objects.filter(kind="complaint", final=False).exists()


def test_demo_has_a_kunshan_roster_and_mediation_work(demo: Any) -> None:
    """The demo's mediation: a Kunshan roster with 乡贤, sessions, agreements, one judicial
    confirmation ruled valid, a failed mediation in litigation, and never two active plans."""
    from qingqian.mediation.models import (
        ConfirmationApplication,
        Mediation,
        MediationAgreement,
        MediationSession,
        Mediator,
    )
    from qingqian.negotiation.models import InstallmentPlan

    elders = Mediator.objects.filter(kind="community")
    assert elders.count() >= 3
    assert all(any(loc.startswith("昆山市/") for loc in m.localities) for m in elders)
    assert elders.filter(user__username="xiangxian").exists()
    assert MediationSession.objects.exists()
    assert MediationAgreement.objects.filter(state="signed").count() >= 2
    ruled = ConfirmationApplication.objects.filter(state="confirmed")
    assert ruled.count() == 1 and ruled.get().proceeding.kind == "judicial_confirmation"
    failed = Mediation.objects.get(state="failed")
    assert failed.case.state == "litigation"
    assert Mediation.objects.filter(state__in=["requested", "assigned"]).exists()
    active = Counter(InstallmentPlan.objects.filter(active_case__isnull=False).values_list(
        "active_case", flat=True))  # fmt: skip
    assert all(n == 1 for n in active.values())
    # every figure on the reporting page has something to show (issue 18)
    from qingqian.mediation.selectors import mediation_figures

    f = mediation_figures(failed.case.organisation)
    for key in ("agreement_rate", "median_days", "agreement_days", "confirmation_rate"):
        assert f[key] is not None, key
    assert f["matched"]["ended"] and f["unmatched"]["ended"]  # with and without the dialect
    assert f["per_mediator"] and f["median_days"] <= 10


def test_demo_has_vouchers_in_each_state(demo: Any) -> None:
    """The demo's debt vouchers (h23v): three for the first creditor login, one acknowledged,
    one assigned with its notice due, one partly settled; the creditor sees them and the PDF
    of each verifies offline under the demo's log key."""
    from django.test import Client

    from qingqian.ledger import selectors as log
    from qingqian.ledger.verify_cli import verify_package
    from qingqian.vouchers import services
    from qingqian.vouchers.models import Voucher

    vouchers = list(Voucher.objects.order_by("pk"))
    assert len(vouchers) == 3
    states = [services.voucher_state(v) for v in vouchers]
    assert states[0].acknowledged
    assert states[1].notice_given is False and states[1].status == "assigned"
    assert states[2].status == "partly_settled"
    creditor = User.objects.filter(creditor=vouchers[0].case.creditor).order_by("pk").first()
    assert creditor is not None
    client = Client()
    client.force_login(creditor)
    page = client.get("/vouchers/").content.decode()
    assert all(v.number in page for v in vouchers)
    report = verify_package(services.voucher_pdf(vouchers[1]), log.log_verifier_key())
    assert report.passed, report.render()
