"""Finding 1 (High) and 11: sane ranges for dates and amounts at every entry point, reads
that never crash on a stored value, and 4xx with a code for malformed input."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from qingqian.cases.aging import BUCKETS, bucket_for, due_date_bounds
from qingqian.cases.models import Case, Invoice
from qingqian.common.exceptions import ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.parties.models import Party
from tests.support import make_uscc

pytestmark = pytest.mark.django_db

HUGE_ID = 2**63 + 5


def _case_body(creditor: Any, debtor: Any, **patch: Any) -> dict[str, Any]:
    return {
        "creditor_id": creditor.pk,
        "debtors": [{"id": debtor.pk}],
        "debt_type": "trade",
        "principal": "1000",
    } | patch


# --------------------------------------------------------------------------- the kernels


@pytest.mark.parametrize("days", [-(10**9), -(10**6) - 1, -1, 0, 30, 31, 366, 10**9])
def test_bucket_for_is_total(days: int) -> None:
    assert bucket_for(days).key in {b.key for b in BUCKETS}


@pytest.mark.parametrize("as_of", [dt.date.min, dt.date(1, 1, 1), dt.date.max])
def test_due_date_bounds_never_overflow(as_of: dt.date) -> None:
    for b in BUCKETS:
        earliest, latest = due_date_bounds(b, as_of)
        assert earliest is None or earliest <= as_of
        assert latest is None or latest <= as_of


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1e999999999", "amount_too_large"),
        ("-1e999999999", "amount_not_positive"),
        ("1e-999999999", "amount_too_precise"),
        ("1000000000000", "amount_too_large"),
        ("1." + "0" * 40 + "1", "amount_too_precise"),
        ("9" * 200_000, "amount_too_large"),
    ],
)
def test_parse_amount_refuses_out_of_range_with_a_code(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_amount(text)
    assert info.value.code == code
    assert len(info.value.message) < 400  # a huge cell is not echoed back whole


def test_parse_amount_keeps_the_largest_column_value() -> None:
    assert parse_amount("999999999999.99") == Decimal("999999999999.99")
    assert parse_amount("1.50") == Decimal("1.50")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.date(1899, 12, 31), False),
        (dt.date(1900, 1, 1), True),
        (dt.date(2199, 12, 31), True),
        (dt.date(2200, 1, 1), False),
        (dt.date(9999, 12, 31), False),
        (dt.date(1, 1, 1), False),
    ],
)
def test_check_date_edges(value: dt.date, ok: bool) -> None:
    from qingqian.common import bounds

    if ok:
        assert bounds.check_date(value, field="d") == value
    else:
        with pytest.raises(bounds.OutOfRange) as info:
            bounds.check_date(value, field="d")
        assert info.value.code == "date_out_of_range" and info.value.status == 422


def test_check_amount_edges() -> None:
    from qingqian.common import bounds

    assert bounds.check_amount(Decimal("0.01"), field="a") == Decimal("0.01")
    for bad in (Decimal("0"), Decimal("1e13"), Decimal("0.001"), Decimal("NaN")):
        with pytest.raises(bounds.OutOfRange):
            bounds.check_amount(bad, field="a")


# --------------------------------------------------------------------------- API entry points


@pytest.mark.parametrize(
    "patch",
    [
        {"due_date": "9999-12-31"},
        {"contract_date": "0001-01-01"},
        {"last_payment_date": "2200-01-01"},
        {"funds_transfer_date": "1899-12-31"},
        {
            "principal": None,
            "invoices": [{"number": "F-1", "amount": "10", "due_date": "9999-12-31"}],
        },
    ],
)
def test_api_case_with_absurd_date_is_422_and_nothing_saved(
    api: Client, creditor: Any, debtor: Any, patch: dict[str, Any]
) -> None:
    body = {k: v for k, v in (_case_body(creditor, debtor) | patch).items() if v is not None}
    resp = api.post("/api/v1/cases", body, content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == "date_out_of_range"
    assert Case.objects.count() == 0 and Invoice.objects.count() == 0
    # The list still answers for everyone.
    assert api.get("/api/v1/cases").status_code == 200


def test_api_huge_amount_is_422(api: Client, creditor: Any, debtor: Any) -> None:
    resp = api.post(
        "/api/v1/cases",
        _case_body(creditor, debtor, principal="1e999999999"),
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["code"] == "amount_too_large"
    assert Case.objects.count() == 0


def test_api_nan_rate_is_422(api: Client, creditor: Any, debtor: Any) -> None:
    resp = api.post(
        "/api/v1/cases",
        _case_body(creditor, debtor, interest_rate="NaN"),
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_rate"


@pytest.mark.parametrize(
    "path", ["/api/v1/cases?as_of=0001-01-01", "/api/v1/aging?as_of=0001-01-01"]
)
def test_api_as_of_out_of_range_is_422(api: Client, case: Any, path: str) -> None:
    resp = api.get(path)
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == "date_out_of_range"


def test_api_payment_with_huge_amount_or_year_one_is_422(api: Client, case: Any) -> None:
    resp = api.post(
        f"/api/v1/payments/cases/{case.pk}/payments",
        {"amount": "1e999999999", "kind": "bank_transfer", "idempotency_key": "k-1"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["code"] == "amount_too_large"


def test_payment_dated_year_one_is_refused(case: Any, users: Any) -> None:
    from qingqian.payments.models import Payment
    from qingqian.payments.services import payment_record

    with pytest.raises(ValidationFailed, match="outside 1900-01-01"):
        payment_record(
            case=case,
            amount=Decimal("10.00"),
            kind="bank_transfer",
            idempotency_key="year-one",
            actor=users["lawyer"],
            received_at=dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC),
        )
    assert Payment.objects.count() == 0


def test_promise_due_9999_is_refused(case: Any, users: Any) -> None:
    from qingqian.negotiation.models import Promise
    from qingqian.negotiation.services import promise_record

    with pytest.raises(ValidationFailed, match="outside"):
        promise_record(
            case=case,
            amount=Decimal("10.00"),
            due_date=dt.date(9999, 12, 31),
            source="handler",
            actor=users["lawyer"],
        )
    assert Promise.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/cases/{HUGE_ID}",
        f"/api/v1/cases/{HUGE_ID}/evidence",
        f"/api/v1/cases/{HUGE_ID}/promises",
    ],
)
def test_api_ids_above_2_63_are_404(api: Client, path: str) -> None:
    resp = api.get(path)
    assert resp.status_code == 404, resp.content
    assert resp.json()["code"].endswith("not_found")


def test_api_body_ids_above_2_63_are_4xx(api: Client, creditor: Any, debtor: Any) -> None:
    for patch in (
        {"creditor_id": HUGE_ID},
        {"debtors": [{"id": HUGE_ID}]},
        {"handler_id": HUGE_ID},
    ):
        resp = api.post(
            "/api/v1/cases", _case_body(creditor, debtor, **patch), content_type="application/json"
        )
        assert 400 <= resp.status_code < 500, (patch, resp.content)
        assert resp.json()["code"]
    resp = api.get(f"/api/v1/cases?creditor_id={HUGE_ID}")
    assert 400 <= resp.status_code < 500 and resp.json()["code"]
    resp = api.get(f"/api/v1/cases?page={HUGE_ID}")
    assert 400 <= resp.status_code < 500 and resp.json()["code"]


# --------------------------------------------------------------------------- stored values


def _store_far_future_case(case: Any) -> None:
    """A row as the probe left it (before the checks): due 9999-12-31."""
    far = dt.date(9999, 12, 31)
    Case.objects.filter(pk=case.pk).update(oldest_due_date=far, due_date=far)
    Invoice.objects.filter(case=case).update(due_date=far)


def test_reads_survive_a_stored_due_date_of_9999(api: Client, case: Any, users: Any) -> None:
    _store_far_future_case(case)
    listing = api.get("/api/v1/cases")
    assert listing.status_code == 200
    assert listing.json()["items"][0]["aging_bucket"] == "0_30"
    assert api.get(f"/api/v1/cases/{case.pk}").status_code == 200
    assert api.get("/api/v1/aging").status_code == 200
    web = Client()
    web.force_login(users["lawyer"])
    for path in ("/", "/cases/", f"/cases/{case.pk}/", "/aging/", "/cases/?bucket=over_365"):
        assert web.get(path).status_code == 200, path


def test_reads_survive_a_stored_due_date_of_year_one(api: Client, case: Any, users: Any) -> None:
    first = dt.date(1, 1, 1)
    Case.objects.filter(pk=case.pk).update(oldest_due_date=first, due_date=first)
    Invoice.objects.filter(case=case).update(issue_date=None, due_date=first)
    listing = api.get("/api/v1/cases")
    assert listing.status_code == 200
    assert listing.json()["items"][0]["aging_bucket"] == "over_365"
    web = Client()
    web.force_login(users["lawyer"])
    for path in ("/", "/cases/", f"/cases/{case.pk}/", "/aging/"):
        assert web.get(path).status_code == 200, path


# --------------------------------------------------------------------------- web entry points


def test_web_form_refuses_absurd_due_date(users: Any, creditor: Any) -> None:
    web = Client()
    web.force_login(users["lawyer"])
    resp = web.post(
        "/cases/new/",
        {
            "creditor": creditor.pk,
            "debt_type": "trade",
            "debtor_kind": "company",
            "debtor_name": "远未来有限公司",
            "debtor_credit_code": make_uscc(77),
            "debtor_city": "苏州市",
            "principal": "1000",
            "due_date": "9999-12-31",
        },
    )
    assert resp.status_code == 200
    assert "9999-12-31" in resp.content.decode()
    assert Case.objects.count() == 0
    assert not Party.objects.filter(name="远未来有限公司").exists()


@pytest.mark.parametrize(
    "path", [f"/cases/{HUGE_ID}/", "/?as_of=0001-01-01", "/aging/?as_of=0001-01-01"]
)
def test_web_malformed_input_is_not_a_500(users: Any, path: str) -> None:
    web = Client()
    web.force_login(users["lawyer"])
    assert web.get(path).status_code in (200, 404)


def test_plan_preview_on_an_out_of_scope_case_is_404(users: Any, case: Any) -> None:
    web = Client()
    web.force_login(users["creditor_other"])
    resp = web.post(f"/cases/{case.pk}/plans/preview/", {"kind": "equal"})
    # never a 500: a creditor's role may not preview terms at all (403, on any case)
    assert resp.status_code == 403


# --------------------------------------------------------------------------- import and CLI

LEDGER_9999 = (
    "客户名称,统一社会信用代码,发票号,金额,到期日\n"
    f"远未来有限公司,{make_uscc(61)},FAR-1,100,9999-12-31\n"
    f"近处有限公司,{make_uscc(62)},NEAR-1,100,2025-01-01\n"
)


def test_api_import_with_absurd_date_is_422_and_nothing_saved(api_as: Any, creditor: Any) -> None:
    f = io.BytesIO(LEDGER_9999.encode())
    f.name = "ledger.csv"
    resp = api_as("intake_agent").post("/api/v1/imports", {"creditor_id": creditor.pk, "file": f})
    assert resp.status_code == 422
    errors = resp.json()["details"]["errors"]
    assert [(e["line"], e["code"], e["column"]) for e in errors] == [
        (2, "date_out_of_range", "due_date")
    ]
    assert Case.objects.count() == 0


def test_cli_import_with_absurd_date_exits_2(tmp_path: Path, creditor: Any) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER_9999, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import-ledger", str(path), creditor=creditor.pk, json=True, stdout=out)
    assert info.value.returncode == 2
    assert '"date_out_of_range"' in out.getvalue()
    assert Case.objects.count() == 0
