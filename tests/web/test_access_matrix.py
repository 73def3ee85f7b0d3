"""Every endpoint and view × {anonymous, other creditor's user, staff without the permission,
staff with it}. Case reads all go through ``cases_visible_to``; this proves it from outside."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from qingqian.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Any], str]
    without: str  # a staff user who lacks the permission (or the scope) for this endpoint
    with_: str  # a staff user who has it
    denied_status: int  # what "without" gets: 403 (permission) or 404 (scope)
    data: Callable[[Any], dict[str, Any]] | None = None
    api: bool = False
    ok_status: int = 200


def _csv(ctx: Any) -> dict[str, Any]:
    f = io.BytesIO("客户名称,发票号,金额,到期日\n甲有限公司,M-1,100,2025-01-01\n".encode())
    f.name = "m.csv"
    return {"creditor": ctx["creditor"].pk, "creditor_id": ctx["creditor"].pk, "file": f}


def _case_body(ctx: Any) -> dict[str, Any]:
    return {
        "creditor_id": ctx["creditor"].pk,
        "debtors": [{"id": ctx["debtor"].pk}],
        "debt_type": "trade",
        "principal": "1000",
    }


ENDPOINTS = [
    Endpoint("dashboard", "get", lambda c: "/", "collector2", "lawyer", 200),
    Endpoint("case_list", "get", lambda c: "/cases/", "collector2", "lawyer", 200),
    Endpoint(
        "case_detail", "get", lambda c: f"/cases/{c['case'].pk}/", "collector2", "lawyer", 404
    ),
    Endpoint(
        "case_transition",
        "post",
        lambda c: f"/cases/{c['case'].pk}/transition/",
        "intake_agent",
        "lawyer",
        403,
        lambda c: {"to_state": "evidence_review"},
        ok_status=302,
    ),
    Endpoint(
        "party_reveal",
        "post",
        lambda c: f"/cases/{c['case'].pk}/parties/{c['debtor'].pk}/reveal/phone/",
        "intake_agent",
        "compliance",
        403,
    ),
    Endpoint("case_new", "get", lambda c: "/cases/new/", "collector", "intake_agent", 403),
    Endpoint("hotline", "get", lambda c: "/hotline/", "collector", "intake_agent", 403),
    Endpoint("import_new", "get", lambda c: "/imports/", "collector", "intake_agent", 403),
    Endpoint("aging", "get", lambda c: "/aging/", "collector2", "lawyer", 200),
    Endpoint("calc_index", "get", lambda c: "/calc/", "collector2", "lawyer", 200),
    Endpoint(
        "calc_for_case",
        "get",
        lambda c: f"/calc/court-fee/?case={c['case'].pk}",
        "collector2",
        "lawyer",
        404,
    ),
    Endpoint("api_me", "get", lambda c: "/api/v1/me", "collector2", "lawyer", 200, api=True),
    Endpoint("api_cases", "get", lambda c: "/api/v1/cases", "collector2", "lawyer", 200, api=True),
    Endpoint(
        "api_case",
        "get",
        lambda c: f"/api/v1/cases/{c['case'].pk}",
        "collector2",
        "lawyer",
        404,
        api=True,
    ),
    Endpoint(
        "api_case_create",
        "post",
        lambda c: "/api/v1/cases",
        "collector",
        "intake_agent",
        403,
        _case_body,
        api=True,
        ok_status=201,
    ),
    Endpoint(
        "api_transition",
        "post",
        lambda c: f"/api/v1/cases/{c['case'].pk}/transition",
        "intake_agent",
        "lawyer",
        403,
        lambda c: {"to_state": "evidence_review"},
        api=True,
    ),
    Endpoint(
        "scoring_experiment", "get", lambda c: "/scoring/experiment/", "creditor", "collector", 403
    ),
    Endpoint(
        "scoring_experiment_settings",
        "post",
        lambda c: "/scoring/experiment/settings/",
        "collector",
        "lawyer",
        403,
        lambda c: {"fifo_share": "0.3", "salt": "trial-1", "started_on": "2026-01-01"},
        ok_status=302,
    ),
    Endpoint("api_aging", "get", lambda c: "/api/v1/aging", "collector2", "lawyer", 200, api=True),
    Endpoint(
        "api_import",
        "post",
        lambda c: "/api/v1/imports",
        "collector",
        "intake_agent",
        403,
        _csv,
        api=True,
    ),
    Endpoint(
        "api_reveal",
        "post",
        lambda c: f"/api/v1/parties/{c['debtor'].pk}/reveal",
        "intake_agent",
        "compliance",
        403,
        lambda c: {"field": "phone"},
        api=True,
    ),
]


@pytest.fixture
def ctx(users: dict[str, Any], case: Any, debtor: Any, creditor: Any, org: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    users = dict(users)
    users["collector2"] = get_user_model().objects.create_user(
        username="collector2", password="x", organisation=org, role="collector"
    )
    return {"users": users, "case": case, "debtor": debtor, "creditor": creditor}


def _call(ctx: dict[str, Any], ep: Endpoint, who: str | None) -> Any:
    client = Client()
    headers: dict[str, str] = {}
    if who is not None:
        user = ctx["users"][who]
        if ep.api:
            headers["Authorization"] = f"Bearer {api_token_create(user=user)}"
        else:
            client.force_login(user)
    url = ep.url(ctx)
    if ep.method == "get":
        return client.get(url, headers=headers)
    data = ep.data(ctx) if ep.data else {}
    if ep.api and "file" not in data:
        return client.post(url, data, content_type="application/json", headers=headers)
    return client.post(url, data, headers=headers)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous(ctx: dict[str, Any], ep: Endpoint) -> None:
    resp = _call(ctx, ep, None)
    if ep.api:
        assert resp.status_code == 401
        assert resp.json()["code"] == "not_authenticated"
    else:
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_other_creditors_user_sees_nothing_of_this_creditor(
    ctx: dict[str, Any], ep: Endpoint
) -> None:
    resp = _call(ctx, ep, "creditor_other")
    ref = ctx["case"].reference
    if ep.name in (
        "case_detail",
        "api_case",
        "api_transition",
        "api_reveal",
        "calc_for_case",
        "api_assign",
    ):
        assert resp.status_code in (403, 404)
    elif ep.name in (
        "case_transition",
        "party_reveal",
        "hotline",
        "case_assign",
        "scoring_experiment",
        "scoring_experiment_settings",
    ):
        assert resp.status_code == 403
    elif ep.name == "api_case_create":
        assert resp.status_code == 403  # creditor_scope: not their creditor
    elif ep.name in ("import_new", "case_new"):
        assert resp.status_code == 200
        assert ctx["creditor"].name not in resp.content.decode()
    elif ep.name == "api_import":
        assert resp.status_code == 403
    else:
        assert resp.status_code == 200
    assert ref not in resp.content.decode()


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_staff_without_permission(ctx: dict[str, Any], ep: Endpoint) -> None:
    resp = _call(ctx, ep, ep.without)
    assert resp.status_code == ep.denied_status
    if ep.denied_status == 200:
        # Scope, not permission: the unassigned collector's lists do not show the case.
        assert ctx["case"].reference not in resp.content.decode()
    if ep.api and ep.denied_status != 200:
        assert set(resp.json()) == {"code", "message", "details"}


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_staff_with_permission(ctx: dict[str, Any], ep: Endpoint) -> None:
    resp = _call(ctx, ep, ep.with_)
    assert resp.status_code == ep.ok_status, resp.content[:500]
    if ep.name in ("case_list", "api_cases", "case_detail", "api_case", "calc_for_case"):
        assert ctx["case"].reference in resp.content.decode()


def test_creditor_user_sees_own_cases(ctx: dict[str, Any]) -> None:
    client = Client()
    client.force_login(ctx["users"]["creditor"])
    assert ctx["case"].reference in client.get("/cases/").content.decode()
    assert client.get(f"/cases/{ctx['case'].pk}/").status_code == 200


def test_assigned_collector_sees_the_case(ctx: dict[str, Any]) -> None:
    client = Client()
    client.force_login(ctx["users"]["collector"])  # the case's handler
    assert client.get(f"/cases/{ctx['case'].pk}/").status_code == 200


def test_other_organisation_sees_nothing(ctx: dict[str, Any], other_org: Any) -> None:
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.create_user(
        username="outsider", password="x", organisation=other_org, role="admin"
    )
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/cases/{ctx['case'].pk}/").status_code == 404
    token = api_token_create(user=outsider)
    resp = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert resp.json()["count"] == 0
