"""PIPL (in part): the data-subject export holds everything about the person and nothing
about anyone else, is for compliance and administrators only, and is audited."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.audit.models import AuditEvent
from tests.support import make_ric

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_case(org: Any, users: Any, creditor: Any, person_debtor: Any, debtor: Any) -> Any:
    import datetime as dt
    from decimal import Decimal

    from qingqian.cases.services import InvoiceInput, case_open

    return case_open(
        organisation=org, actor=None, creditor=creditor, debtors=[person_debtor],
        guarantors=[debtor], debt_type="private_loan", channel="web",
        invoices=[InvoiceInput("P-1", Decimal("800.00"), dt.date(2025, 1, 1), dt.date(2025, 3, 1))],
    )  # fmt: skip


def test_export_holds_the_person_and_their_cases(
    users: Any, person_debtor: Any, person_case: Any, case: Any
) -> None:
    out = io.StringIO()
    call_command(
        "pipl", "export", "--party", str(person_debtor.pk), "--user", "compliance", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["party"]["id_number"] == make_ric(7)
    assert data["party"]["phone"] == "+8613912345679"
    assert [c["reference"] for c in data["cases"]] == [person_case.reference]
    assert [i["number"] for i in data["invoices"]] == ["P-1"]  # not the other case's
    assert AuditEvent.objects.filter(
        action="party.subject_export", object_id=str(person_debtor.pk)
    ).exists()


def test_export_is_for_compliance_and_admins_only(users: Any, person_debtor: Any) -> None:
    with pytest.raises(CommandError):
        call_command("pipl", "export", "--party", str(person_debtor.pk), "--user", "collector")
    assert not AuditEvent.objects.filter(action="party.subject_export").exists()
