from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from qingqian.cases.models import Case
from qingqian.kpis import measures
from qingqian.kpis.periods import Window

pytestmark = pytest.mark.django_db

SEPT = Window(dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def test_recovery_by_group_and_total(build: Any, users: dict[str, Any], creditor_b: Any) -> None:
    a = build.case(principal="10000.00", due=dt.date(2026, 8, 20))  # 12 days overdue
    b = build.case(principal="30000.00", due=dt.date(2025, 1, 1), cred=creditor_b)  # > 365
    c = build.case(principal="5000.00", accepted=dt.date(2026, 10, 2))  # next cohort
    build.pay(a, "2500.00", dt.date(2026, 9, 10))
    build.pay(b, "3000.00", dt.date(2026, 9, 20))
    build.pay(b, "1000.00", dt.date(2026, 10, 5))  # after the window: not counted
    build.pay(c, "700.00", dt.date(2026, 10, 5))
    cases = Case.objects.all()
    out = measures.recovery(cases, SEPT, "aging")
    total = out["total"]
    assert total["cases"] == 2
    assert total["principal"] == Decimal("40000.00")
    assert total["recovered"] == Decimal("5500.00")
    assert total["rate_gross"] == Decimal("13.8")
    assert total["cases_recovered"] == 2 and total["rate_cases"] == Decimal("100.0")
    keys = {r["key"]: r for r in out["rows"]}
    assert set(keys) == {"0_30", "over_365"}
    assert keys["0_30"]["recovered"] == Decimal("2500.00")
    by_creditor = measures.recovery(cases, SEPT, "creditor")["rows"]
    assert sum(r["recovered"] for r in by_creditor) == total["recovered"]
    for group in measures.GROUPS:
        rows = measures.recovery(cases, SEPT, group)["rows"]
        assert sum(r["cases"] for r in rows) == 2, group


def test_contact_and_funnel(build: Any) -> None:
    a = build.case()
    b = build.case()
    build.attempt(a, dt.date(2026, 9, 3), disposition="rpc")
    build.attempt(a, dt.date(2026, 9, 4), disposition="no_answer")
    build.attempt(b, dt.date(2026, 9, 4), disposition="promise")
    build.attempt(b, dt.date(2026, 9, 5), allowed=False, rule="quiet_hours")
    build.promise(b, dt.date(2026, 9, 4), dt.date(2026, 9, 10), state="kept")
    build.pay(b, "100.00", dt.date(2026, 9, 10))
    cases = Case.objects.all()
    out = measures.contact(cases, SEPT)
    assert out["attempts"] == 3 and out["refused"] == 1
    assert out["rpc"] == 2 and out["rpc_rate"] == Decimal("66.7")
    assert out["refusals_by_rule"] == [("quiet_hours", 1)]
    assert out["contacts_per_promise"] == Decimal("3.0")
    assert measures.funnel(cases, SEPT) == {"contacted": 2, "promised": 1, "paid": 1}
    p = measures.promises(cases, SEPT)
    assert p["kept"] == 1 and p["kept_rate"] == Decimal("100.0")


def test_cycle_times_and_trend(build: Any) -> None:
    for days in (2, 4, 10):
        c = build.case()
        build.pay(c, "10.00", dt.date(2026, 9, 1) + dt.timedelta(days=days))
    build.case()  # never paid
    cases = Case.objects.all()
    cyc = measures.cycle_times(cases, SEPT)["first_payment"]
    assert cyc["n"] == 3 and cyc["median"] == 4.0 and cyc["p90"] == pytest.approx(8.8)
    tr = measures.trend(cases, SEPT, "week")
    assert sum(v["accepted"] for v in tr.values()) == 4
    assert sum(v["gross"] for v in tr.values()) == Decimal("30.00")


def test_cohorts_and_people(build: Any, users: dict[str, Any]) -> None:
    a = build.case(principal="1000.00", accepted=dt.date(2026, 8, 15))
    b = build.case(principal="1000.00", accepted=dt.date(2026, 9, 15), handler=users["mediator"])
    build.pay(a, "100.00", dt.date(2026, 8, 20))
    build.pay(a, "100.00", dt.date(2026, 9, 20))
    build.pay(b, "500.00", dt.date(2026, 9, 20))
    cases = Case.objects.all()
    rows = measures.cohorts(cases, Window(dt.date(2026, 8, 1), dt.date(2026, 9, 30)))
    assert [r["month"] for r in rows] == [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    assert rows[0]["curve"] == [Decimal("10.0"), Decimal("20.0")]
    assert rows[1]["curve"] == [Decimal("50.0")]
    ppl = measures.people(cases, SEPT)
    assert ppl[users["mediator"].pk]["recovered"] == Decimal("500.00")
    assert ppl[users["collector"].pk]["recovered"] == Decimal("100.00")
    mine = measures.people(cases, SEPT, [users["collector"].pk])
    assert set(mine) == {users["collector"].pk}


def test_the_default_window_is_the_twelve_months_to_date() -> None:
    from qingqian.kpis.selectors import parse_window

    today = dt.date(2026, 12, 7)
    assert parse_window(None, None, today=today) == Window(dt.date(2026, 1, 1), today)
    assert parse_window(None, "2025-03-15", today=today) == Window(
        dt.date(2024, 4, 1), dt.date(2025, 3, 15)
    )
    assert parse_window("2026-11-01", None, today=today) == Window(dt.date(2026, 11, 1), today)
