from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from qingqian.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

Q = "from=2026-09-01&to=2026-09-30"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(build: Any, users: dict[str, Any]) -> dict[str, Any]:
    a = build.case(principal="10000.00")
    b = build.case(principal="20000.00", handler=users["mediator"])
    build.pay(a, "2500.00", dt.date(2026, 9, 10))
    build.pay(b, "5001.00", dt.date(2026, 9, 12))
    build.attempt(a, dt.date(2026, 9, 3), disposition="rpc")
    build.attempt(b, dt.date(2026, 9, 3), disposition="no_answer", actor=users["mediator"])
    build.attempt(b, dt.date(2026, 9, 4), allowed=False, rule="=cmd|calc", actor=users["mediator"])
    return {"a": a, "b": b}


def test_dashboard_for_a_manager(users: dict[str, Any], data: Any) -> None:
    resp = _client(users["lawyer"]).get(f"/kpis/?{Q}&group_by=aging")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "¥7,501.00" in html  # collected, formatted
    assert "<svg" in html and "<script" not in html.split("</head>")[1]
    assert "人员业绩" in html and "mediator" in html and "collector" in html


def test_a_collector_sees_only_their_own_row_and_cases(users: dict[str, Any], data: Any) -> None:
    resp = _client(users["collector"]).get(f"/kpis/?{Q}")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "我的业绩" in html
    assert "¥2,500.00" in html and "¥7,501.00" not in html
    assert ">mediator<" not in html


def test_bad_input_is_a_400_with_a_code(users: dict[str, Any]) -> None:
    c = _client(users["lawyer"])
    resp = c.get("/kpis/?from=2026-13-01")
    assert resp.status_code == 422 and b"invalid_date" in resp.content
    resp = c.get("/kpis/?from=2026-10-01&to=2026-09-01")
    assert resp.status_code == 422 and b"invalid_range" in resp.content
    resp = c.get("/kpis/?group_by=nope")
    assert resp.status_code == 422 and b"invalid_group_by" in resp.content


@pytest.mark.parametrize("by", ["period", "creditor", "team"])
def test_drill_downs(users: dict[str, Any], data: Any, by: str) -> None:
    resp = _client(users["lawyer"]).get(f"/kpis/drill/{by}/?{Q}&grain=week")
    assert resp.status_code == 200
    assert "¥7,501.00" in resp.content.decode() or by != "creditor"


def test_exports_are_xlsx_and_formula_safe(users: dict[str, Any], data: Any) -> None:
    c = _client(users["lawyer"])
    for table in (
        "recovery",
        "people",
        "series",
        "cohorts",
        "refusals",
        "cycle",
        "dispositions",
        "outcomes",
        "drill-period",
        "drill-creditor",
        "drill-team",
    ):
        resp = c.get(f"/kpis/export/{table}.xlsx?{Q}")
        assert resp.status_code == 200, table
        wb = load_workbook(io.BytesIO(resp.content))
        assert wb.active.max_row >= 1
    wb = load_workbook(io.BytesIO(c.get(f"/kpis/export/refusals.xlsx?{Q}").content))
    cell = wb.active["A2"]
    assert cell.value == "=cmd|calc" and cell.data_type == "s"


def test_api_gives_the_same_numbers(users: dict[str, Any], data: Any) -> None:
    token = api_token_create(user=users["lawyer"])
    api = Client(headers={"Authorization": f"Bearer {token}"})
    resp = api.get(f"/api/v1/reports/kpis?{Q}&group_by=handler")
    assert resp.status_code == 200
    body = resp.json()
    assert body["head"]["collections"]["gross"] == "7501.00"
    assert body["recovery"]["total"]["recovered"] == "7501.00"
    assert {r["label"] for r in body["recovery"]["rows"]} == {"collector", "mediator"}
    page = _client(users["lawyer"]).get(f"/kpis/?{Q}").content.decode()
    assert "¥7,501.00" in page
    bad = api.get("/api/v1/reports/kpis?from=x")
    assert bad.status_code in (400, 422) and bad.json()["code"] == "invalid_date"


def test_creditor_user_sees_only_their_creditor(users: dict[str, Any], data: Any) -> None:
    resp = _client(users["creditor_other"]).get(f"/kpis/?{Q}")
    assert resp.status_code == 200
    assert "¥7,501.00" not in resp.content.decode()
    assert Decimal("0") == Decimal("0")
