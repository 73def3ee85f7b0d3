from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.kpis.models import CreditorReport
from qingqian.kpis.reports import creditor_report_generate, month_window

pytestmark = pytest.mark.django_db


def test_month_window_and_bad_period() -> None:
    w = month_window("2026-02")
    assert (w.start, w.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    from qingqian.common.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        month_window("2026-13")
    assert err.value.code == "invalid_period"


def test_daily_on_the_first_delivers_last_months_reports(
    build: Any, users: dict[str, Any], creditor: Any, org: Any
) -> None:
    c = build.case(accepted=dt.date(2026, 10, 3))
    build.pay(c, "1500.00", dt.date(2026, 10, 20))
    call_command("daily", "--today", "2026-11-01", "--json")
    report = CreditorReport.objects.get(creditor=creditor, period="2026-10")
    assert bytes(report.pdf).startswith(b"%PDF")
    assert report.figures["collections"]["gross"] == "1500.00"
    assert AuditEvent.objects.filter(action="kpis.creditor_report").count() == 1
    again, created = creditor_report_generate(organisation=org, creditor=creditor, period="2026-10")
    assert not created and again.pk == report.pk
    # the creditor's own users see it; another creditor's do not
    own = Client()
    own.force_login(users["creditor"])
    assert "2026-10" in own.get("/kpis/creditor-reports/").content.decode()
    resp = own.get(f"/kpis/creditor-reports/{report.pk}/pdf/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    other = Client()
    other.force_login(users["creditor_other"])
    assert other.get(f"/kpis/creditor-reports/{report.pk}/pdf/").status_code == 404
    assert "2026-10" not in other.get("/kpis/creditor-reports/").content.decode()


def test_cli_prints_the_seed_figures_beside_the_measured(build: Any, capsys: Any) -> None:
    import json

    c = build.case(accepted=dt.date(2026, 10, 3))
    build.pay(c, "1500.00", dt.date(2026, 10, 20))
    build.attempt(c, dt.date(2026, 10, 4), disposition="rpc")
    call_command("kpis", "--from", "2026-10-01", "--to", "2026-10-31", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["collections"]["gross"] == "1500.00"
    seed = {row["figure"]: row for row in out["seed"]}
    assert seed["effective contact rate"]["seed"] == "67%"
    assert seed["effective contact rate"]["measured"] == "100.0"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("kpis", "--from", "2026-10-31", "--to", "2026-10-01")
