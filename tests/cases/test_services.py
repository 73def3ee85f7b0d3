import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from qingqian.audit.models import AuditEvent
from qingqian.cases.lifecycle import IllegalTransition
from qingqian.cases.models import Case, HotlineCall, Invoice, TimelineEvent
from qingqian.cases.services import (
    InvoiceInput,
    case_open,
    case_transition,
    hotline_call_open_case,
    hotline_call_record,
)
from qingqian.common import crypto
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_case_open_writes_case_parties_invoices_timeline_and_audit(case: Any) -> None:
    assert re.fullmatch(r"TEST-\d{4}-000001", case.reference)
    assert case.principal == Decimal("20000.50")
    assert case.outstanding == Decimal("20000.50")
    assert case.oldest_due_date == dt.date(2025, 2, 10)
    assert case.state == "intake"
    assert [i.number for i in case.invoices.all()] == ["INV-001", "INV-002"]
    assert case.timeline.get().kind == "opened"
    audit = AuditEvent.objects.get(action="case.open", object_id=str(case.pk))
    assert audit.after["principal"] == "20000.50"
    assert audit.actor.username == "lawyer"


def test_references_are_sequential(org: Any, users: Any, creditor: Any, debtor: Any) -> None:
    refs = [
        case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="other",
            principal="100",
            channel="web",
        ).reference
        for _ in range(3)
    ]
    nums = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert nums == [nums[0], nums[0] + 1, nums[0] + 2]


def test_transition_writes_timeline_and_audit_in_one_go(case: Any, users: Any) -> None:
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review", note="材料齐")
    case.refresh_from_db()
    assert case.state == "evidence_review"
    ev = case.timeline.filter(kind="state_changed").get()
    assert (ev.from_state, ev.to_state, ev.note) == ("intake", "evidence_review", "材料齐")
    audit = AuditEvent.objects.get(action="case.transition")
    assert audit.before["state"] == "intake" and audit.after["state"] == "evidence_review"


def test_illegal_transition_changes_nothing(case: Any, users: Any) -> None:
    before_tl = TimelineEvent.objects.count()
    before_audit = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        case_transition(case=case, actor=users["lawyer"], to_state="enforcement")
    case.refresh_from_db()
    assert case.state == "intake"
    assert TimelineEvent.objects.count() == before_tl
    assert AuditEvent.objects.count() == before_audit


def test_transition_needs_permission(case: Any, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        case_transition(case=case, actor=users["intake_agent"], to_state="evidence_review")


def test_close_with_outcome(case: Any, users: Any) -> None:
    for s in ("evidence_review", "accepted", "negotiation"):
        case_transition(case=case, actor=users["lawyer"], to_state=s)
    case_transition(case=case, actor=users["lawyer"], to_state="closed", outcome="settled")
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("closed", "settled")


def test_due_before_contract_is_refused(org: Any, users: Any, creditor: Any, debtor: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="private_loan",
            principal="5000",
            channel="web",
            contract_date=dt.date(2025, 5, 1),
            due_date=dt.date(2025, 4, 1),
        )
    assert exc.value.code == "due_before_contract"
    assert Case.objects.count() == 0


def test_duplicate_invoice_rolls_back_whole_case(
    case: Any, org: Any, users: Any, creditor: Any, debtor: Any
) -> None:
    n_cases = Case.objects.count()
    with pytest.raises(Conflict):
        case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            invoices=[InvoiceInput("INV-001", Decimal("1"), None, None)],
        )
    assert Case.objects.count() == n_cases
    assert Invoice.objects.filter(number="INV-001").count() == 1


def test_creditor_user_can_only_open_for_own_creditor(
    org: Any, users: Any, creditor_b: Any, debtor: Any
) -> None:
    with pytest.raises(PermissionDenied):
        case_open(
            organisation=org,
            actor=users["creditor"],
            creditor=creditor_b,
            debtors=[debtor],
            debt_type="trade",
            principal="100",
            channel="web",
        )


def test_hotline_call_then_case(org: Any, users: Any, creditor: Any, debtor: Any) -> None:
    call = hotline_call_record(
        organisation=org,
        agent=users["intake_agent"],
        caller_name="王经理",
        callback_phone="13800001111",
        summary="客户拖欠货款三个月",
        consent_to_record=True,
    )
    assert call.callback_phone_enc != "+8613800001111"
    assert crypto.decrypt(call.callback_phone_enc) == "+8613800001111"
    c = hotline_call_open_case(
        call=call,
        actor=users["intake_agent"],
        creditor=creditor,
        debtors=[debtor],
        debt_type="trade",
        principal="88000",
    )
    assert c.channel == "hotline" and c.summary == "客户拖欠货款三个月"
    assert HotlineCall.objects.get().case == c
    with pytest.raises(Conflict):
        hotline_call_open_case(
            call=call,
            actor=users["intake_agent"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="trade",
            principal="1",
        )


def test_assign_refuses_collector_without_valid_certificate(case: Any, users: Any) -> None:
    from qingqian.cases.services import case_assign

    collector = users["collector"]
    collector.cert_number = ""
    collector.save()
    with pytest.raises(ValidationFailed) as exc:
        case_assign(case=case, actor=users["admin"], handler=collector)
    assert exc.value.code == "certification_invalid"
    collector.cert_number = "SZ-2026-001"
    collector.cert_expires = dt.date(2020, 1, 1)
    collector.save()
    with pytest.raises(ValidationFailed):
        case_assign(case=case, actor=users["admin"], handler=collector)
    collector.cert_expires = dt.date(2099, 1, 1)
    collector.save()
    case_assign(case=case, actor=users["lawyer"], handler=collector)
    case.refresh_from_db()
    assert case.handler == collector
    assert case.timeline.filter(kind="assigned").exists()
    assert AuditEvent.objects.filter(action="case.assign").count() == 1


def test_assign_needs_permission(case: Any, users: Any) -> None:
    from qingqian.cases.services import case_assign

    with pytest.raises(PermissionDenied):
        case_assign(case=case, actor=users["intake_agent"], handler=users["lawyer"])


def test_assign_refuses_creditor_user_and_other_org(case: Any, users: Any, other_org: Any) -> None:
    from django.contrib.auth import get_user_model

    from qingqian.cases.services import case_assign

    with pytest.raises(ValidationFailed):
        case_assign(case=case, actor=users["admin"], handler=users["creditor"])
    stranger = get_user_model().objects.create_user(
        username="s", password="x", organisation=other_org, role="lawyer"
    )
    with pytest.raises(ValidationFailed):
        case_assign(case=case, actor=users["admin"], handler=stranger)
