"""``/api/v1/cases/{id}/promises`` and ``/plans``: shapes, permissions and bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.audit.models import AuditEvent
from qingqian.cases.services import InvoiceInput, case_open
from qingqian.common import clock
from qingqian.negotiation.models import PlanVersion, Promise, VersionState

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


@pytest.fixture
def api(users: Any) -> Client:
    return _client(users["collector"])


def _post(c: Client, url: str, data: Any) -> Any:
    return c.post(url, data=json.dumps(data), content_type="application/json")


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code, body
    assert " / " in body["message"]  # 中文 / English
    return body


def _next_month() -> str:
    today = clock.today()
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


# --------------------------------------------------------------------------- promises


def test_promise_create_and_list(api: Client, case: Any) -> None:
    due = clock.today() + dt.timedelta(days=10)
    r = _post(api, f"/api/v1/cases/{case.pk}/promises", {"amount": "1500.50", "due_date": str(due)})
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["amount"] == "1500.50" and made["state"] == "open"
    assert made["source"] == "handler" and made["confirmed_by"] == "collector"
    listed = api.get(f"/api/v1/cases/{case.pk}/promises").json()["items"]
    assert [p["id"] for p in listed] == [made["id"]]
    assert Promise.objects.get().amount == Decimal("1500.50")
    assert AuditEvent.objects.filter(action="promise.record").count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": "0", "due_date": "2099-01-01"}, "amount_not_positive"),
        ({"amount": "1.005", "due_date": "2099-01-01"}, "amount_too_precise"),
        ({"amount": "100", "due_date": "2000-01-01"}, "promise_date"),
        ({"amount": "100", "due_date": "not-a-date"}, "validation_error"),
        ({"amount": "100", "due_date": "2099-01-01", "source": "portal"}, "validation_error"),
        ({"due_date": "2099-01-01"}, "validation_error"),
    ],
)
def test_promise_bad_input_is_422_with_a_code(
    api: Client, case: Any, body: dict[str, Any], code: str
) -> None:
    _error(_post(api, f"/api/v1/cases/{case.pk}/promises", body), 422, code)
    assert not Promise.objects.exists()


def test_float_amount_is_refused(api: Client, case: Any) -> None:
    r = _post(api, f"/api/v1/cases/{case.pk}/promises", {"amount": 100.5, "due_date": "2099-01-01"})
    _error(r, 422, "validation_error")
    assert not Promise.objects.exists()


# --------------------------------------------------------------------------- plans


def test_propose_equal_plan_list_and_accept(api: Client, case: Any) -> None:
    start = _next_month()
    r = _post(
        api,
        f"/api/v1/cases/{case.pk}/plans",
        {"kind": "equal", "total": "1000", "months": 3, "start": start, "grace_days": 5},
    )
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["version"] == 1 and v["state"] == "proposed" and v["kind"] == "equal"
    assert [i["amount"] for i in v["installments"]] == ["333.00", "333.00", "334.00"]
    assert v["total"] == "1000.00" and v["previous_sha256"] == ""
    stored = PlanVersion.objects.get()
    assert v["sha256"] == stored.sha256 == hashlib.sha256(stored.canonical.encode()).hexdigest()
    plans = api.get(f"/api/v1/cases/{case.pk}/plans").json()["items"]
    assert len(plans) == 1 and [x["id"] for x in plans[0]["versions"]] == [v["id"]]

    acc = api.post(f"/api/v1/cases/{case.pk}/plans/{v['id']}/accept")
    assert acc.status_code == 200, acc.content
    assert acc.json()["accepted_by_staff"] == "collector"
    assert acc.json()["state"] == "proposed"  # the debtor has not accepted yet


def test_new_version_chains_and_supersedes(api: Client, case: Any) -> None:
    start = _next_month()
    first = _post(
        api,
        f"/api/v1/cases/{case.pk}/plans",
        {"kind": "seasonal", "total": "6000", "months": 6, "start": start, "profile": "1,2,3"},
    ).json()
    assert [i["amount"] for i in first["installments"]] == [
        "500.00", "1000.00", "1500.00", "500.00", "1000.00", "1500.00",
    ]  # fmt: skip
    second = _post(
        api,
        f"/api/v1/cases/{case.pk}/plans",
        {
            "kind": "custom",
            "total": "6000",
            "installments": [
                {"due": f"{start}-10", "amount": "2000.00"},
                {"due": f"{start}-25", "amount": "4000.00"},
            ],
            "plan_id": first["plan_id"],
            "consequence": "acceleration",
        },
    )
    assert second.status_code == 201, second.content
    v2 = second.json()
    assert v2["version"] == 2 and v2["previous_sha256"] == first["sha256"]
    assert v2["plan_id"] == first["plan_id"] and v2["consequence"] == "acceleration"
    states = {x.version: x.state for x in PlanVersion.objects.all()}
    assert states == {1: VersionState.SUPERSEDED, 2: VersionState.PROPOSED}
    # The superseded version can no longer be accepted: 409.
    _error(
        api.post(f"/api/v1/cases/{case.pk}/plans/{first['id']}/accept"), 409, "plan_not_proposed"
    )
    # Identical terms again: refused by the terms kernel.
    again = _post(
        api,
        f"/api/v1/cases/{case.pk}/plans",
        {
            "kind": "custom",
            "total": "6000",
            "installments": [
                {"due": f"{start}-10", "amount": "2000.00"},
                {"due": f"{start}-25", "amount": "4000.00"},
            ],
            "plan_id": first["plan_id"],
            "consequence": "acceleration",
        },
    )
    _error(again, 422, "terms_unchanged")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "equal", "total": "1000", "months": 3}, "plan_months_start_missing"),
        ({"kind": "equal", "total": "999999", "months": 3, "start": "2030-01"},
         "plan_exceeds_balance"),
        ({"kind": "equal", "total": "1000", "months": 0, "start": "2030-01"}, "months_invalid"),
        ({"kind": "seasonal", "total": "1000", "months": 3, "start": "2030-01",
          "profile": "1,-1"}, "profile_negative"),
        ({"kind": "seasonal", "total": "1000", "months": 3, "start": "2030-01",
          "profile": "0,0"}, "profile_all_zero"),
        ({"kind": "custom", "total": "1000",
          "installments": [{"due": "2030-01-01", "amount": "999.99"}]}, "custom_sum_mismatch"),
        ({"kind": "custom", "total": "1000"}, "custom_installments_missing"),
        ({"kind": "equal", "total": "1000", "months": 3, "start": "2030-13"}, "start_invalid"),
        ({"kind": "weekly", "total": "1000", "months": 3, "start": "2030-01"},
         "validation_error"),
        ({"kind": "equal", "total": "1000", "months": 3, "start": "2030-01",
          "consequence": "jail"}, "consequence"),
        ({"kind": "equal", "total": "1000", "months": 3, "start": "2030-01",
          "grace_days": -1}, "grace_days"),
        ({"kind": "equal", "total": "1000", "months": 3, "start": "2030-01",
          "plan_id": 999999}, "plan_not_found"),
    ],
)  # fmt: skip
def test_plan_bad_input_is_a_4xx_with_a_code(
    api: Client, case: Any, body: dict[str, Any], code: str | None
) -> None:
    r = _post(api, f"/api/v1/cases/{case.pk}/plans", body)
    expected_status = 404 if code == "plan_not_found" else 422
    assert r.status_code == expected_status, r.content
    data = r.json()
    assert set(data) == {"code", "message", "details"}
    assert data["code"] == code, data
    assert not PlanVersion.objects.exists()


# --------------------------------------------------------------------------- access


@pytest.fixture
def other_case(users: Any, creditor_b: Any, debtor: Any) -> Any:
    return case_open(
        organisation=creditor_b.organisation,
        actor=users["lawyer"],
        creditor=creditor_b,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        handler=users["collector"],
        invoices=[
            InvoiceInput("B-1", Decimal("3000.00"), dt.date(2025, 1, 1), dt.date(2025, 2, 1))
        ],
    )


ENDPOINTS = [
    ("get", "promises", None),
    ("post", "promises", {"amount": "100", "due_date": "2099-01-01"}),
    ("get", "plans", None),
    ("post", "plans", {"kind": "equal", "total": "100", "months": 1, "start": "2030-01"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_another_creditors_case_is_404(
    users: Any, other_case: Any, method: str, path: str, body: Any
) -> None:
    c = _client(users["creditor"])  # creditor A's user; other_case belongs to creditor B
    url = f"/api/v1/cases/{other_case.pk}/{path}"
    if method == "get":
        _error(c.get(url), 404, "case_not_found")
    else:  # a creditor user never writes terms: refused whatever the case (nothing to probe)
        _error(_post(c, url, body), 403, "permission_denied")


def test_another_creditors_plan_cannot_be_accepted(
    users: Any, api: Client, other_case: Any
) -> None:
    v = _post(
        api,
        f"/api/v1/cases/{other_case.pk}/plans",
        {"kind": "equal", "total": "100", "months": 1, "start": "2030-01"},
    ).json()
    c = _client(users["creditor"])
    _error(
        c.post(f"/api/v1/cases/{other_case.pk}/plans/{v['id']}/accept"), 403, "permission_denied"
    )
    assert PlanVersion.objects.get().accepted_by_staff is None


def test_another_organisations_case_is_404(other_org: Any, case: Any) -> None:
    from qingqian.accounts.models import User

    outsider = User.objects.create_user(
        username="outsider", password="pw-for-tests-only", organisation=other_org, role="lawyer"
    )
    c = _client(outsider)
    for path in ("promises", "plans"):
        _error(c.get(f"/api/v1/cases/{case.pk}/{path}"), 404, "case_not_found")


def test_version_of_another_case_is_404(api: Client, case: Any, other_case: Any) -> None:
    v = _post(
        api,
        f"/api/v1/cases/{other_case.pk}/plans",
        {"kind": "equal", "total": "100", "months": 1, "start": "2030-01"},
    ).json()
    _error(api.post(f"/api/v1/cases/{case.pk}/plans/{v['id']}/accept"), 404, "plan_not_found")


def test_read_only_users_can_list_but_not_write(users: Any, case: Any) -> None:
    c = _client(users["creditor"])  # own creditor's case: visible, but no case.transition
    assert c.get(f"/api/v1/cases/{case.pk}/plans").status_code == 200
    assert c.get(f"/api/v1/cases/{case.pk}/promises").status_code == 200
    r = _post(c, f"/api/v1/cases/{case.pk}/promises", {"amount": "1", "due_date": "2099-01-01"})
    _error(r, 403, "permission_denied")
    r = _post(
        c,
        f"/api/v1/cases/{case.pk}/plans",
        {"kind": "equal", "total": "100", "months": 1, "start": "2030-01"},
    )
    _error(r, 403, "permission_denied")
    assert not Promise.objects.exists() and not PlanVersion.objects.exists()


def test_no_token_is_401(case: Any) -> None:
    _error(Client().get(f"/api/v1/cases/{case.pk}/plans"), 401, "not_authenticated")
