"""Every endpoint and view × {anonymous, other creditor's user, staff without the permission,
staff with it}. Case reads all go through ``cases_visible_to``; this proves it from outside."""

from __future__ import annotations

import datetime as dt
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


def _proceeding(ctx: Any, kind: str = "enforcement") -> Any:
    """A proceeding on the matrix case (made once per test, by the lawyer)."""
    from qingqian.litigation import services
    from qingqian.litigation.models import Proceeding

    found = Proceeding.objects.filter(case=ctx["case"], kind=kind).first()
    if found is not None:
        return found
    return services.proceeding_create(
        case=ctx["case"], actor=ctx["users"]["lawyer"], kind=kind, court="苏州市吴中区人民法院",
        served_on=dt.date(2026, 3, 2),
    )  # fmt: skip


def _deadline(ctx: Any) -> Any:
    return _proceeding(ctx, "payment_order").deadlines.get()


def _clue(ctx: Any) -> Any:
    from qingqian.litigation import services

    return services.asset_clue_add(
        case=ctx["case"], actor=ctx["users"]["lawyer"], kind="bank_account", summary="某银行",
        source="creditor", source_date=dt.date(2026, 1, 5), detail="6222000011112222",
    )  # fmt: skip


def _document(ctx: Any) -> Any:
    from qingqian.litigation.models import LitigationDocument

    found = LitigationDocument.objects.filter(case=ctx["case"]).first()
    if found is not None:
        return found
    return LitigationDocument.objects.create(
        case=ctx["case"], kind="demand_letter", text="# 律师函\n正文", created_by=None
    )


def _lit(ctx: Any, tail: str) -> str:
    return f"/cases/{ctx['case'].pk}/litigation/{tail}"


LITIGATION = [
    Endpoint(
        "lit_proceeding_add",
        "post",
        lambda c: _lit(c, "proceedings/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"kind": "payment_order", "court": "苏州市吴中区人民法院"},
        ok_status=302,
    ),
    Endpoint(
        "lit_proceeding_edit",
        "post",
        lambda c: _lit(c, f"proceedings/{_proceeding(c).pk}/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"judge": "王法官"},
        ok_status=302,
    ),
    Endpoint(
        "lit_hearing_add",
        "post",
        lambda c: _lit(c, f"proceedings/{_proceeding(c).pk}/hearings/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"at": "2026-04-02T09:30", "place": "第三法庭"},
        ok_status=302,
    ),
    Endpoint(
        "lit_recovery_add",
        "post",
        lambda c: _lit(c, f"proceedings/{_proceeding(c).pk}/recoveries/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"amount": "100", "received_on": "2026-03-02", "reference": "Z1"},
        ok_status=302,
    ),
    Endpoint(
        "lit_deadline_done",
        "post",
        lambda c: _lit(c, f"deadlines/{_deadline(c).pk}/done/"),
        "collector",
        "lawyer",
        403,
        ok_status=302,
    ),
    Endpoint(
        "lit_clue_add",
        "post",
        lambda c: _lit(c, "asset-clues/"),
        "collector",
        "lawyer",
        403,
        lambda c: {
            "kind": "vehicle",
            "summary": "轿车",
            "source": "creditor",
            "source_date": "2026-01-05",
        },
        ok_status=302,
    ),
    Endpoint(
        "lit_clue_reveal",
        "post",
        lambda c: _lit(c, f"asset-clues/{_clue(c).pk}/reveal/"),
        "collector",
        "lawyer",
        403,
    ),
    Endpoint(
        "lit_interruption_add",
        "post",
        lambda c: _lit(c, "interruptions/"),
        "intake_agent",
        "collector",
        403,
        lambda c: {"kind": "demand", "day": "2026-01-05"},
        ok_status=302,
    ),
    Endpoint(
        "lit_document_new",
        "post",
        lambda c: _lit(c, "documents/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"kind": "demand_letter"},
        ok_status=302,
    ),
    Endpoint(
        "lit_document_edit",
        "post",
        lambda c: _lit(c, f"documents/{_document(c).pk}/"),
        "collector",
        "lawyer",
        403,
        lambda c: {"text": "# 律师函\n正文"},
        ok_status=302,
    ),
    Endpoint(
        "lit_document_final",
        "post",
        lambda c: _lit(c, f"documents/{_document(c).pk}/final/"),
        "collector",
        "lawyer",
        403,
        ok_status=302,
    ),
    Endpoint(
        "lit_document_download",
        "get",
        lambda c: _lit(c, f"documents/{_document(c).pk}.pdf"),
        "collector",
        "lawyer",
        403,
    ),
    Endpoint(
        "lit_bundle",
        "get",
        lambda c: _lit(c, "bundle.zip"),
        "collector",
        "lawyer",
        403,
        ok_status=302,  # no final document yet: back to the case page with the reason
    ),
    Endpoint(
        "api_lit_documents",
        "get",
        lambda c: f"/api/v1/cases/{c['case'].pk}/documents",
        "collector2",
        "lawyer",
        404,
        api=True,
    ),
    Endpoint("lit_calendar", "get", lambda c: "/deadlines/", "collector2", "lawyer", 200),
    Endpoint(
        "lit_feed_rotate",
        "post",
        lambda c: "/deadlines/feed/",
        "collector2",
        "lawyer",
        302,
        ok_status=302,
    ),
    Endpoint(
        "api_lit_proceedings",
        "get",
        lambda c: f"/api/v1/cases/{c['case'].pk}/proceedings",
        "collector2",
        "lawyer",
        404,
        api=True,
    ),
    Endpoint(
        "api_lit_proceeding_create",
        "post",
        lambda c: f"/api/v1/cases/{c['case'].pk}/proceedings",
        "collector",
        "lawyer",
        403,
        lambda c: {"kind": "payment_order", "court": "苏州市吴中区人民法院"},
        api=True,
        ok_status=201,
    ),
    Endpoint(
        "api_lit_proceeding_patch",
        "patch",
        lambda c: f"/api/v1/cases/{c['case'].pk}/proceedings/{_proceeding(c).pk}",
        "collector",
        "lawyer",
        403,
        lambda c: {"judge": "王法官"},
        api=True,
    ),
    Endpoint(
        "api_lit_deadlines",
        "get",
        lambda c: f"/api/v1/cases/{c['case'].pk}/deadlines",
        "collector2",
        "lawyer",
        404,
        api=True,
    ),
    Endpoint(
        "api_lit_clues",
        "get",
        lambda c: f"/api/v1/cases/{c['case'].pk}/asset-clues",
        "collector2",
        "lawyer",
        404,
        api=True,
    ),
    Endpoint(
        "api_lit_clue_create",
        "post",
        lambda c: f"/api/v1/cases/{c['case'].pk}/asset-clues",
        "collector",
        "lawyer",
        403,
        lambda c: {
            "kind": "vehicle",
            "summary": "轿车",
            "source": "creditor",
            "source_date": "2026-01-05",
        },
        api=True,
        ok_status=201,
    ),
]

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
    *LITIGATION,
    # h23f: the consortium page of a case (scope: the unassigned collector gets 404)
    Endpoint(
        "consortium_case_answers",
        "get",
        lambda c: f"/cases/{c['case'].pk}/consortium/",
        "collector2",
        "collector",
        404,
    ),
    Endpoint(
        "consortium_case_ask",
        "post",
        lambda c: f"/cases/{c['case'].pk}/consortium/ask/",
        "intake_agent",
        "lawyer",
        403,
        ok_status=409,  # allowed, but this firm has joined no consortium: refused in words
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
    if ep.method == "patch":
        return client.patch(url, data, content_type="application/json", headers=headers)
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
        *(e.name for e in LITIGATION if e.name not in ("lit_calendar", "lit_feed_rotate")),
    ):
        assert resp.status_code in (403, 404)
    elif ep.name == "lit_feed_rotate":
        assert resp.status_code == 302
    elif ep.name in (
        "case_transition",
        "party_reveal",
        "hotline",
        "case_assign",
        "scoring_experiment",
        "scoring_experiment_settings",
        "consortium_case_answers",  # h23f: creditor users have no consortium.view
        "consortium_case_ask",
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


# Operations endpoints (qingqian.ops.views): no user and no session. /healthz and /readyz
# are anyone's (they reveal only ok/failed); /metrics is a scraper's: its bearer token
# (QINGQIAN_METRICS_TOKEN) or, with no token set, an address in QINGQIAN_METRICS_ALLOW.
OPS = [
    ("/healthz", "anyone"),
    ("/readyz", "anyone"),
    ("/metrics", "scraper"),
]


@pytest.mark.parametrize(("url", "who"), OPS, ids=[u for u, _ in OPS])
def test_ops_endpoints(ctx: dict[str, Any], settings: Any, url: str, who: str) -> None:
    outside = Client(REMOTE_ADDR="198.51.100.9")
    staff = Client(REMOTE_ADDR="198.51.100.9")
    staff.force_login(ctx["users"]["admin"])  # a login is no key to the metrics
    if who == "anyone":
        assert outside.get(url).status_code == 200
        assert ctx["case"].reference not in outside.get(url).content.decode()
        return
    settings.QINGQIAN_METRICS_TOKEN = "matrix-scrape-token"
    assert outside.get(url).status_code == 403
    assert staff.get(url).status_code == 403
    api = {"Authorization": f"Bearer {api_token_create(user=ctx['users']['admin'])}"}
    assert outside.get(url, headers=api).status_code == 403  # an API token is not it either
    ok = outside.get(url, headers={"Authorization": "Bearer matrix-scrape-token"})
    assert ok.status_code == 200
    assert ctx["case"].reference not in ok.content.decode()


# The transparency log is public by design (docs/ledger.md): anyone may read checkpoints,
# proofs and timestamps anonymously; none of them needs or reveals a session.
PUBLIC_LOG = [
    "/api/v1/ledger/checkpoint",
    "/api/v1/ledger/checkpoints/{size}/timestamps",
    "/tlog/checkpoint",
]


@pytest.mark.parametrize("path", PUBLIC_LOG)
def test_public_log_endpoints_are_anonymous(ctx: dict[str, Any], path: str) -> None:
    from qingqian.ledger.services import ledger_integrate

    checkpoint = ledger_integrate()
    assert checkpoint is not None
    resp = Client().get(path.format(size=checkpoint.size))
    assert resp.status_code == 200, resp.content[:300]
    # A checkpoint without a token: the DER route answers 404 with a code, not 401/403.
    missing = Client().get(f"/api/v1/ledger/checkpoints/{checkpoint.size}/timestamp.tsr")
    assert missing.status_code == 404 and missing.json()["code"] == "timestamp_missing"
