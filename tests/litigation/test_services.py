"""Proceedings, deadlines (audited), hearings, asset clues (encrypted), court recoveries as
payments, and the case's limitation deadline following every interruption it records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.common.exceptions import PermissionDenied, ValidationFailed
from qingqian.litigation import selectors, services
from qingqian.litigation.models import AssetClue, CaseLimitation, CourtDeadline, Proceeding
from qingqian.negotiation.models import Promise
from qingqian.payments.commission import commission_for_recovery
from qingqian.payments.models import Payment
from qingqian.payments.selectors import commission_rate
from qingqian.payments.services import payment_record

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _suit(case: Any, lawyer: Any, **fields: Any) -> Proceeding:
    return services.proceeding_create(
        case=case, actor=lawyer, kind="first_instance", court="苏州市吴中区人民法院",
        case_number="(2026)苏0506民初1234号", filed_on=D("2026-02-20"), **fields,
    )  # fmt: skip


def test_suit_through_judgment_computes_audits_and_moves_deadlines(case: Any, users: Any) -> None:
    lawyer = users["lawyer"]
    p = _suit(case, lawyer, served_on=D("2026-03-06"))
    answer = CourtDeadline.objects.get(proceeding=p)
    assert (answer.kind, answer.due) == ("answer", D("2026-03-23"))  # Sat 03-21 → Mon
    assert "第一百二十八条" in answer.rule
    assert AuditEvent.objects.filter(action="court_deadline.set").count() == 1
    services.proceeding_update(
        proceeding=p, actor=lawyer, judgment_on=D("2026-01-26"),
        judgment_served_on=D("2026-02-02"), outcome="won",
        awarded_principal=Decimal("20000.50"),
    )  # fmt: skip
    appeal = CourtDeadline.objects.get(proceeding=p, kind="appeal_judgment")
    assert appeal.due == D("2026-02-24")  # Spring Festival shift
    # the judgment turns out to be a ruling: the deadline is recomputed and the change audited
    services.proceeding_update(proceeding=p, actor=lawyer, is_ruling=True)
    kinds = set(CourtDeadline.objects.filter(proceeding=p).values_list("kind", flat=True))
    assert kinds == {"answer", "appeal_ruling"}
    assert AuditEvent.objects.filter(action="court_deadline.remove").count() == 1
    note = TimelineEvent.objects.filter(case=case, kind="proceeding_updated").order_by("pk").last()
    assert note is not None and "裁定上诉期 2026-02-12" in note.note
    assert "裁定（非判决）" in note.note and "is_ruling" not in note.note
    # moving the service date moves the deadline and audits before/after
    services.proceeding_update(proceeding=p, actor=lawyer, served_on=D("2026-03-02"))
    change = AuditEvent.objects.filter(action="court_deadline.change").get()
    assert change.before["due"] == "2026-03-23" and change.after["due"] == "2026-03-17"


def test_bad_case_number_writes_nothing(case: Any, users: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.proceeding_create(
            case=case, actor=users["lawyer"], kind="first_instance", court="法院",
            case_number="(2026)苏0506民终1号",
        )  # fmt: skip
    assert info.value.code == "case_number_type"
    assert not Proceeding.objects.exists()
    assert not TimelineEvent.objects.filter(kind="proceeding_added").exists()


def test_only_the_lawyer_works_proceedings(case: Any, users: Any) -> None:
    for who in ("collector", "mediator", "compliance", "intake_agent"):
        with pytest.raises(PermissionDenied):
            _suit(case, users[who])
    assert not Proceeding.objects.exists()


def test_payment_order_objection_window(case: Any, users: Any) -> None:
    p = services.proceeding_create(
        case=case, actor=users["lawyer"], kind="payment_order", court="苏州市吴中区人民法院",
        filed_on=D("2026-02-24"), served_on=D("2026-03-02"),
    )  # fmt: skip
    row = CourtDeadline.objects.get(proceeding=p)
    assert (row.kind, row.due) == ("payment_order_objection", D("2026-03-17"))
    due = selectors.deadlines_due_soon(users["lawyer"], today=D("2026-03-12"))
    assert [d.pk for d in due] == [row.pk]
    assert selectors.deadlines_due_soon(users["lawyer"], today=D("2026-03-09")) == []
    services.deadline_mark_done(deadline=row, actor=users["lawyer"], on=D("2026-03-18"))
    assert selectors.deadlines_due_soon(users["lawyer"], today=D("2026-03-12")) == []
    # the collector is not assigned elsewhere: the case's deadlines are in scope for them
    assert selectors.deadlines_visible_to(users["collector"]).count() == 1


def test_enforcement_termination_reopening_and_flags(case: Any, users: Any) -> None:
    p = services.proceeding_create(
        case=case, actor=users["lawyer"], kind="enforcement", court="苏州市吴中区人民法院",
        case_number="(2026)苏0506执789号",
    )  # fmt: skip
    services.proceeding_update(
        proceeding=p, actor=users["lawyer"], terminated_on=D("2026-05-10"),
        debtor_dishonest=True, debtor_restricted=True, outcome="terminated",
    )  # fmt: skip
    note = TimelineEvent.objects.filter(kind="proceeding_updated").order_by("pk").last()
    assert note is not None
    assert (
        "终结本次执行 2026-05-10" in note.note and "失信" in note.note and "限制高消费" in note.note
    )
    with pytest.raises(ValidationFailed):
        services.proceeding_update(proceeding=p, actor=users["lawyer"], reopened_on=D("2026-05-01"))
    services.proceeding_update(proceeding=p, actor=users["lawyer"], reopened_on=D("2026-06-01"))
    assert Proceeding.objects.get(pk=p.pk).reopened_on == D("2026-06-01")


def test_court_recovery_is_a_payment_with_commission_once(case: Any, users: Any) -> None:
    p = services.proceeding_create(
        case=case, actor=users["lawyer"], kind="enforcement", court="苏州市吴中区人民法院",
    )  # fmt: skip
    on = D("2027-02-10")  # the seed fee schedule is in force
    with time_machine.travel(dt.datetime(2027, 3, 1, 2, tzinfo=dt.UTC), tick=False):
        pay = services.court_recovery_record(
            proceeding=p, actor=users["lawyer"], amount=Decimal("5000.00"), received_on=on,
            reference="ZX-001",
        )  # fmt: skip
        again = services.court_recovery_record(
            proceeding=p, actor=users["lawyer"], amount=Decimal("5000.00"), received_on=on,
            reference="ZX-001",
        )  # fmt: skip
    assert again.pk == pay.pk and Payment.objects.filter(kind="court").count() == 1
    assert pay.kind == "court" and pay.amount == Decimal("5000.00")
    assert pay.allocations.exists()  # allocated like any payment
    case.refresh_from_db()
    assert case.outstanding == Decimal("15000.50")
    rate = commission_rate(case, on)
    assert rate is not None
    expected = commission_for_recovery(
        rate.schedule, recovered_before=Decimal(0), amount=pay.amount
    )
    assert pay.commissionable == Decimal("5000.00")
    assert pay.commission == expected.commission > 0
    assert TimelineEvent.objects.filter(kind="court_recovery").count() == 1
    first_instance = _suit(case, users["lawyer"])
    with pytest.raises(ValidationFailed):
        services.court_recovery_record(
            proceeding=first_instance, actor=users["lawyer"], amount=Decimal("1"),
            received_on=D("2026-06-10"), reference="X",
        )  # fmt: skip


def test_asset_clue_detail_is_encrypted_and_reveal_audited(case: Any, users: Any) -> None:
    clue = services.asset_clue_add(
        case=case, actor=users["lawyer"], kind="bank_account", summary="招商银行苏州分行",
        source="court_inquiry", source_date=D("2026-06-01"), detail="6225880212345678",
    )  # fmt: skip
    row = AssetClue.objects.get(pk=clue.pk)
    assert "6225880212345678" not in row.detail_enc
    assert row.detail_masked == "622*********5678"
    audit = AuditEvent.objects.get(action="asset_clue.add")
    assert "6225880212345678" not in str(audit.after)
    assert services.asset_clue_reveal(clue=row, actor=users["lawyer"]) == "6225880212345678"
    assert AuditEvent.objects.filter(action="asset_clue.reveal").count() == 1
    with pytest.raises(ValidationFailed):
        services.asset_clue_add(
            case=case, actor=users["lawyer"], kind="yacht", summary="x", source="creditor",
            source_date=D("2026-06-01"),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.asset_clue_reveal(clue=row, actor=users["collector"])


# --- limitation follows the case ------------------------------------------------------------

BASE = D("2028-02-10")  # oldest invoice due 2025-02-10 + 3 years (a Thursday)


@pytest.mark.parametrize(
    ("kind", "day", "deadline"),
    [
        ("demand", "2026-03-02", "2029-03-02"),
        ("acknowledgement", "2026-01-05", "2029-01-05"),
        ("part_payment", "2025-12-01", "2028-12-01"),
        ("promise", "2026-04-20", "2029-04-20"),
        ("filing", "2026-02-24", "2029-02-26"),  # Sat 02-24-2029 → Mon
        ("mediation", "2026-05-08", "2029-05-08"),
    ],
)
def test_each_recorded_interruption_moves_the_limitation(
    case: Any, users: Any, kind: str, day: str, deadline: str
) -> None:
    services.limitation_refresh(case=case, actor=None)
    assert CaseLimitation.objects.get(case=case).deadline == BASE
    services.limitation_event_record(case=case, actor=users["lawyer"], kind=kind, day=D(day))
    row = CaseLimitation.objects.get(case=case)
    assert row.deadline == D(deadline)
    assert (row.reason_kind, row.reason_day) == (kind, D(day))
    note = TimelineEvent.objects.filter(case=case, kind="limitation_updated").order_by("pk").last()
    assert note is not None and deadline in note.note
    assert AuditEvent.objects.filter(action="limitation.update").count() == 2


def test_payments_promises_and_filings_recorded_elsewhere_count(case: Any, users: Any) -> None:
    payment_record(
        case=case, amount=Decimal("100.00"), kind="bank_transfer", idempotency_key="p1",
        actor=users["lawyer"], received_at=dt.datetime(2026, 1, 8, 3, tzinfo=dt.UTC),
    )  # fmt: skip
    got = selectors.case_limitation(case)
    assert got is not None
    assert got["deadline"] == D("2029-01-08") and got["reason"].kind == "part_payment"
    Promise.objects.create(
        case=case, amount=Decimal("100"), due_date=D("2026-05-01"), made_on=D("2026-04-01"),
        source="handler",
    )  # fmt: skip
    got = selectors.case_limitation(case)
    assert got is not None and got["deadline"] == D("2029-04-02")  # Sun 04-01 → Mon
    _suit(case, users["lawyer"])  # filed 2026-02-20: earlier than the promise
    got = selectors.case_limitation(case)
    assert got is not None and got["reason"].kind == "promise"
    kinds = [s.kind for s in got["sources"]]
    assert kinds == ["part_payment", "filing", "promise"]


def test_future_interruption_is_refused(case: Any, users: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.limitation_event_record(
            case=case, actor=users["lawyer"], kind="demand", day=D("2026-07-01")
        )
