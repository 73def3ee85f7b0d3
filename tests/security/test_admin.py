"""Finding 10: financial and evidential records are read-only in the Django admin, so no
change can skip the audit trail, the case timeline and the log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from qingqian.cases.models import Case, Invoice

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "cases.case",
    "cases.invoice",
    "cases.hotlinecall",
    "cases.importjob",
    "parties.party",
    "evidence.evidenceitem",
    "evidence.storedfile",
    "audit.auditevent",
    "ledger.logentry",
    "reports.feasibilityreport",
]


@pytest.fixture
def superuser(org: Any) -> Any:
    from qingqian.accounts.models import User

    return User.objects.create_superuser(
        username="root", password="pw-for-tests-only", organisation=org, role="admin"
    )


@pytest.mark.parametrize("label", READ_ONLY)
def test_model_admin_allows_no_add_change_or_delete(label: str, superuser: Any) -> None:
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_posting_an_invoice_change_is_refused(superuser: Any, case: Any) -> None:
    invoice = Invoice.objects.filter(case=case).first()
    web = Client()
    web.force_login(superuser)
    resp = web.post(
        f"/admin/cases/invoice/{invoice.pk}/change/",
        {"number": invoice.number, "amount": "1.00", "outstanding": "0.00", "case": case.pk,
         "creditor": case.creditor_id},
    )  # fmt: skip
    assert resp.status_code == 403
    invoice.refresh_from_db()
    assert invoice.outstanding == Decimal("12000.50")
    assert web.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
