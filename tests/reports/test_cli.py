from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.reports.models import FeasibilityReport

pytestmark = pytest.mark.django_db


def _run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_json_figures(reviewed: Any) -> None:
    data = _run("feasibility", str(reviewed.pk), "--json")
    for key in (
        "evidence_strength",
        "limitation_deadline",
        "recommended_route",
        "expected_net_recovery",
        "expected_gross_recovery",
        "probability",
        "routes",
        "to_provide",
        "missing_inputs",
    ):
        assert key in data, key
    stored = FeasibilityReport.objects.get(case=reviewed)
    assert data["version"] == 1  # unchanged inputs: the stored report is reused
    assert data["evidence_strength"] == stored.data["evidence_strength"]
    assert data["expected_net_recovery"] == stored.data["expected_net_recovery"]
    assert data["limitation_deadline"] == stored.data["limitation_deadline"]
    assert isinstance(data["expected_net_recovery"], str)
    assert data["routes"]["payment_order"]["court_fees"] == "100.00"


def test_regenerate_flag_makes_a_new_version(reviewed: Any) -> None:
    assert _run("feasibility", str(reviewed.pk), "--json", "--regenerate")["version"] == 2


def test_case_without_report_gets_one(case: Any) -> None:
    assert _run("feasibility", str(case.pk), "--json")["version"] == 1


def test_out_writes_the_pdf(reviewed: Any, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    target = tmp_path / "r.pdf"
    data = _run("feasibility", str(reviewed.pk), "--json", "--out", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert data["pdf_sha256"] == FeasibilityReport.objects.get(case=reviewed).pdf_sha256


def test_unknown_case_exits_2(db: Any) -> None:
    with pytest.raises(CommandError) as err:
        call_command("report", "feasibility", "999999", "--json")
    assert err.value.returncode == 2
    assert "案件不存在" in str(err.value)
    assert "No case" in str(err.value)


def test_sweep(case: Any, users: dict[str, Any]) -> None:
    from qingqian.cases.services import case_transition

    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    assert _run("sweep", "--json") == {"generated": [f"{case.reference} v1"]}
    assert _run("sweep", "--json") == {"generated": []}
