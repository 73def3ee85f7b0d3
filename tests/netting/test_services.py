"""Netting rounds end to end against the database: invite, confirm, consent, run, accept,
apply; a decline cancels; apply is all-or-nothing."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.common.exceptions import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from qingqian.ledger.models import LogEntry
from qingqian.netting import services
from qingqian.netting.errors import NettingError
from qingqian.netting.models import (
    NettingRound,
    ObligationStatus,
    ParticipantState,
    RoundState,
    Setoff,
)
from qingqian.payments.models import Payment, PaymentAllocation
from tests.netting.chain import CHAIN, CHIPS, DEALER, LOGISTICS, OEM, PARTS, STEEL
from tests.netting.world import build_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org: Any, users: dict[str, Any]) -> dict[str, Any]:
    return build_chain(org, users["lawyer"])


@pytest.fixture
def round_(org: Any, users: dict[str, Any], chain: dict[str, Any]) -> NettingRound:
    r = services.round_create(
        organisation=org,
        actor=users["mediator"],
        title="园区汽车链清欠",
        parties=list(chain.values()),
    )
    return services.round_invite(round_=r, actor=users["mediator"])


def _participant(r: NettingRound, party: Any) -> Any:
    return r.participants.get(party=party)


def _all_consent(r: NettingRound, actor: Any) -> None:
    for p in r.participants.all():
        services.participant_confirm(participant=p, actor=actor)
        services.participant_consent(participant=p, actor=actor)


def _outstanding() -> dict[str, Decimal]:
    return dict(Invoice.objects.values_list("number", "outstanding"))


def test_full_round_clears_the_seed_chain_and_applies_atomically(
    round_: NettingRound, users: dict[str, Any]
) -> None:
    mediator = users["mediator"]
    assert round_.obligations.count() == len(CHAIN)
    assert round_.state == RoundState.INVITING
    _all_consent(round_, mediator)
    round_.refresh_from_db()
    assert round_.state == RoundState.CONFIRMED
    assert set(round_.obligations.values_list("status", flat=True)) == {ObligationStatus.CONFIRMED}

    result = services.round_run(round_=round_, actor=mediator)
    round_.refresh_from_db()
    assert result.cleared == Decimal("32000000.00") == round_.cleared
    assert round_.state == RoundState.SOLVED
    expected = {oid: Decimal(s) for oid, *_, s in CHAIN if Decimal(s) > 0}
    got = {s.obligation.reference: s.amount for s in Setoff.objects.select_related("obligation")}
    assert got == expected

    before = _outstanding()
    case_before = {c.pk: c.outstanding for c in Case.objects.all()}
    for p in round_.participants.all():
        services.participant_accept(participant=p, actor=mediator)
    round_.refresh_from_db()
    assert round_.state == RoundState.ACCEPTED
    assert _outstanding() == before  # nothing moves before apply

    entries_before = LogEntry.objects.count()
    services.round_apply(round_=round_, actor=mediator)
    round_.refresh_from_db()
    assert round_.state == RoundState.APPLIED
    after = _outstanding()
    for number, amount in before.items():
        assert after[number] == amount - expected.get(number, Decimal(0))
    cleared_per_case = {c.pk: case_before[c.pk] - c.outstanding for c in Case.objects.all()}
    assert sum(cleared_per_case.values()) == Decimal("32000000.00")
    payments = Payment.objects.filter(kind="setoff")
    assert payments.count() == len(expected)
    assert {p.idempotency_key for p in payments} == {
        f"netting:{round_.pk}:{s.obligation_id}" for s in Setoff.objects.all()
    }
    pinned = {
        a.invoice.number: a.amount
        for a in PaymentAllocation.objects.select_related("invoice").filter(payment__in=payments)
    }
    assert pinned == expected
    assert TimelineEvent.objects.filter(kind="payment").count() == len(expected)
    # one case timeline entry per set-off, one netting.setoff entry each, one for the round
    new = LogEntry.objects.count() - entries_before
    assert new == 2 * len(expected) + 1
    assert LogEntry.objects.filter(kind="netting.round_applied").count() == 1
    assert AuditEvent.objects.filter(action="netting.round_applied").count() == 1
    with pytest.raises(Conflict):
        services.round_apply(round_=round_, actor=mediator)
    assert _outstanding() == after
    # The idempotency key makes a second recording of one set-off a no-op.
    s = Setoff.objects.select_related("obligation__invoice__case").first()
    assert s is not None and s.obligation.invoice is not None
    services._record_setoff(
        s.obligation.invoice, s.amount, f"netting:{round_.pk}:{s.obligation_id}", mediator, "x"
    )
    assert _outstanding() == after


def test_a_decline_after_the_run_cancels_with_nothing_applied(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    mediator = users["mediator"]
    _all_consent(round_, mediator)
    services.round_run(round_=round_, actor=mediator)
    before = _outstanding()
    services.participant_accept(participant=_participant(round_, chain[OEM]), actor=mediator)
    services.participant_decline(
        participant=_participant(round_, chain[STEEL]), actor=mediator, reason="账目未核对完毕"
    )
    round_.refresh_from_db()
    assert round_.state == RoundState.CANCELLED
    assert "账目未核对完毕" in round_.cancel_reason
    with pytest.raises(Conflict):
        services.round_apply(round_=round_, actor=mediator)
    with pytest.raises(Conflict):
        services.participant_accept(participant=_participant(round_, chain[PARTS]), actor=mediator)
    assert _outstanding() == before
    assert not Payment.objects.exists()


def test_run_leaves_out_non_consenting_firms_and_disputed_obligations(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    mediator = users["mediator"]
    for name, party in chain.items():
        p = _participant(round_, party)
        disputed = []
        if name == PARTS:  # the parts maker disputes the logistics firm's invoice LP-1
            disputed = [round_.obligations.get(reference="LP-1").pk]
        services.participant_confirm(participant=p, actor=mediator, disputed=disputed)
        if name != CHIPS:  # the electronics maker never consents
            services.participant_consent(participant=p, actor=mediator)
    round_.refresh_from_db()
    assert round_.state == RoundState.INVITING
    assert round_.obligations.get(reference="LP-1").status == ObligationStatus.DISPUTED
    result = services.round_run(round_=round_, actor=mediator)
    # Only the OEM → parts → steel → OEM triangle is left: 4,000,000 each way.
    assert result.cleared == Decimal("12000000.00")
    refs = set(Setoff.objects.values_list("obligation__reference", flat=True))
    assert refs <= {"OP-1", "OP-2", "OP-3", "PS-1", "SO-1"}
    assert not {"EO-1", "PE-1", "LP-1", "PL-1"} & refs
    # CHIPS never consented, so it has nothing to accept; the others' acceptance finishes it.
    for name, party in chain.items():
        if name != CHIPS:
            services.participant_accept(participant=_participant(round_, party), actor=mediator)
    round_.refresh_from_db()
    assert round_.state == RoundState.ACCEPTED


def test_apply_is_all_or_nothing(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    mediator = users["mediator"]
    _all_consent(round_, mediator)
    services.round_run(round_=round_, actor=mediator)
    for p in round_.participants.all():
        services.participant_accept(participant=p, actor=mediator)
    # A payment arrives on the last invoice in the meantime: its set-off no longer fits.
    Invoice.objects.filter(number="LP-1").update(outstanding=Decimal("100.00"))
    before = _outstanding()
    timeline = TimelineEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.round_apply(round_=round_, actor=mediator)
    assert exc.value.code == "payment_invoice_overpaid"
    assert not Payment.objects.exists()
    assert _outstanding() == before
    assert TimelineEvent.objects.count() == timeline
    round_.refresh_from_db()
    assert round_.state == RoundState.ACCEPTED
    assert not Setoff.objects.filter(applied_at__isnull=False).exists()


def test_minimum_and_cap_reach_the_solver(
    org: Any, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    r = services.round_create(
        organisation=org,
        actor=users["mediator"],
        title="封顶",
        parties=list(chain.values()),
        caps={chain[STEEL].pk: Decimal("1000000.00")},
        min_amount=Decimal("1500000.00"),
    )
    services.round_invite(round_=r, actor=users["mediator"])
    _all_consent(r, users["mediator"])
    result = services.round_run(round_=r, actor=users["mediator"])
    steel = next(f for f in result.firms if f.firm == chain[STEEL].credit_code)
    assert steel.setoff <= Decimal("1000000.00")
    assert Setoff.objects.filter(amount__gt=0).exclude(obligation__amount__gte=1500000).count() == 0


def test_creditor_users_act_only_for_their_own_firm(
    org: Any, users: dict[str, Any], creditor: Any, creditor_b: Any, chain: dict[str, Any]
) -> None:
    parties = [*chain.values(), creditor, creditor_b]
    r = services.round_create(
        organisation=org, actor=users["mediator"], title="权限", parties=parties
    )
    services.round_invite(round_=r, actor=users["mediator"])
    own = _participant(r, creditor)
    other = _participant(r, creditor_b)
    services.participant_confirm(participant=own, actor=users["creditor"])
    with pytest.raises(PermissionDenied):
        services.participant_confirm(participant=other, actor=users["creditor"])
    with pytest.raises(PermissionDenied):
        services.round_run(round_=r, actor=users["creditor"])
    with pytest.raises(PermissionDenied):
        services.round_create(organisation=org, actor=users["creditor"], title="x", parties=parties)
    with pytest.raises(Conflict):
        services.participant_consent(participant=other, actor=users["mediator"])


def test_round_create_refuses_people_and_firms_without_credit_codes(
    org: Any, users: dict[str, Any], creditor: Any, person_debtor: Any
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            organisation=org, actor=users["mediator"], title="x", parties=[creditor, person_debtor]
        )
    assert exc.value.code == "participant_not_company"
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            organisation=org, actor=users["mediator"], title="x", parties=[creditor]
        )
    assert exc.value.code == "too_few_participants"
    assert not NettingRound.objects.exists()


def _upload(r: NettingRound, party: Any, actor: Any, text: str, name: str = "p.csv") -> Any:
    return services.payables_upload(
        participant=_participant(r, party), actor=actor, filename=name, data=text.encode()
    )


def test_uploaded_payables_join_the_round_and_are_recorded_on_it_only(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    mediator = users["mediator"]
    dealer, oem = chain[DEALER].credit_code, chain[OEM].credit_code
    # The OEM owes the dealer a rebate: closes DEALER → OEM → DEALER for 300,000.
    rows = _upload(
        round_,
        chain[OEM],
        mediator,
        f"id,debtor,creditor,amount,due\nRB-9,{oem},{dealer},300000,2025-01-01\n",
    )
    assert len(rows) == 1 and rows[0].status == ObligationStatus.UNCONFIRMED
    _all_consent(round_, mediator)
    result = services.round_run(round_=round_, actor=mediator)
    assert result.cleared == Decimal("32600000.00")
    for p in round_.participants.all():
        services.participant_accept(participant=p, actor=mediator)
    services.round_apply(round_=round_, actor=mediator)
    up = Setoff.objects.get(obligation__reference="RB-9")
    assert up.amount == Decimal("300000.00") and up.applied_at is not None
    assert Invoice.objects.get(number="DO-1").outstanding == Decimal("7700000.00")
    assert LogEntry.objects.filter(kind="netting.setoff").count() == Setoff.objects.count()


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("id,debtor,creditor,amount\nX1,{me},{them},-5\n", "amount_not_positive", "第 2 行"),
        ("id,debtor,creditor,amount\nX1,{me},{them},1.005\n", "amount_too_precise", "第 2 行"),
        ("id,debtor,creditor\nX1,{me},{them}\n", "missing_column", "第 1 行"),
        ("id,debtor,creditor,amount\nX1,{them},{me},5\n", "not_own_payable", "第 2 行"),
        (
            "id,debtor,creditor,amount\nX1,{me},91320000MA1XXXXX0X,5\n",
            "creditor_not_participant",
            "第 2 行",
        ),
        (
            "id,debtor,creditor,amount\nX1,{me},{them},5\nX1,{me},{them},6\n",
            "duplicate_id",
            "第 3 行",
        ),
    ],
)
def test_bad_upload_rows_name_the_line_and_write_nothing(
    round_: NettingRound,
    users: dict[str, Any],
    chain: dict[str, Any],
    text: str,
    code: str,
    line: str,
) -> None:
    me, them = chain[LOGISTICS].credit_code, chain[PARTS].credit_code
    count = round_.obligations.count()
    with pytest.raises(NettingError) as exc:
        _upload(round_, chain[LOGISTICS], users["mediator"], text.format(me=me, them=them))
    assert exc.value.code == code
    assert exc.value.message_zh.startswith(line)
    assert exc.value.message_en.startswith("Line ")
    assert round_.obligations.count() == count


def test_xlsx_upload_uses_the_same_rules(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    from openpyxl import Workbook

    me, them = chain[LOGISTICS].credit_code, chain[PARTS].credit_code
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "debtor", "creditor", "amount", "due"])
    sheet.append(["X-1", me, them, "1234.50", "2025-02-01"])
    out = io.BytesIO()
    book.save(out)
    rows = services.payables_upload(
        participant=_participant(round_, chain[LOGISTICS]),
        actor=users["mediator"],
        filename="payables.xlsx",
        data=out.getvalue(),
    )
    assert rows[0].amount == Decimal("1234.50") and str(rows[0].due_date) == "2025-02-01"
    sheet.append(["X-2", me, them, 1.005, None])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(NettingError) as exc:
        services.payables_upload(
            participant=_participant(round_, chain[LOGISTICS]),
            actor=users["mediator"],
            filename="payables.xlsx",
            data=out.getvalue(),
        )
    assert exc.value.code == "amount_too_precise" and "第 3 行" in exc.value.message_zh


def test_participant_states_move_in_order(
    round_: NettingRound, users: dict[str, Any], chain: dict[str, Any]
) -> None:
    p = _participant(round_, chain[OEM])
    with pytest.raises(Conflict):
        services.participant_consent(participant=p, actor=users["mediator"])
    services.participant_confirm(participant=p, actor=users["mediator"])
    with pytest.raises(Conflict):
        services.participant_confirm(participant=p, actor=users["mediator"])
    with pytest.raises(Conflict):
        services.round_run(round_=round_, actor=users["mediator"])  # fewer than two consents
    services.participant_consent(participant=p, actor=users["mediator"])
    p.refresh_from_db()
    assert p.state == ParticipantState.CONSENTED
