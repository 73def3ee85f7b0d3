from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.cases.services import case_transition
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.evidence.models import EvidenceItem
from qingqian.reports.models import FeasibilityReport
from qingqian.reports.selectors import case_facts, feasibility_sla
from qingqian.reports.services import (
    feasibility_report_decide,
    feasibility_report_generate,
    feasibility_reports_sweep,
)
from qingqian.reports.tasks import feasibility_report_task, intake_completed

pytestmark = pytest.mark.django_db


def test_entering_evidence_review_generates_v1(reviewed: Any) -> None:
    [report] = FeasibilityReport.objects.filter(case=reviewed)
    assert report.version == 1
    assert report.generated_by is None
    assert report.decision == "pending"
    assert len(report.inputs_digest) == 64
    data = report.data
    assert data["claim"]["principal"] == "20000.50"
    assert data["claim"]["due_date"] == "2025-02-10"
    assert data["debtor"]["kind"] == "company"
    # Company debtor with a credit code: identity present; no evidence on file yet.
    assert data["evidence"] == {
        "written_agreement": "unknown",
        "money_flow": "unknown",
        "debtor_identity": "present",
    }
    assert data["context"]["organisation_type"] == "mediation_centre"
    assert data["context"]["fee_schedule_key"] == "seed-centre-2026"
    assert data["commission"]["available"] is True
    assert data["limitation_deadline"] is not None
    kinds = list(TimelineEvent.objects.filter(case=reviewed).values_list("kind", flat=True))
    assert "feasibility_report" in kinds
    assert AuditEvent.objects.filter(
        action="feasibility_report.generate", object_id=str(report.pk)
    ).exists()


def test_the_sweep_generates_once(case: Any, users: dict[str, Any]) -> None:
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    assert not FeasibilityReport.objects.filter(case=case).exists()
    assert [r.case_id for r in feasibility_reports_sweep()] == [case.pk]
    assert feasibility_reports_sweep() == []
    assert FeasibilityReport.objects.filter(case=case).count() == 1


def test_on_commit_hook_generates_after_commit(
    case: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Entering evidence review queues the report through ``transaction.on_commit``: nothing
    before the commit, exactly one version after it."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
        assert not FeasibilityReport.objects.filter(case=case).exists()
    assert FeasibilityReport.objects.get(case=case).version == 1
    assert feasibility_reports_sweep() == []


def test_a_rolled_back_move_queues_nothing(
    case: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    def move_then_fail() -> None:
        with transaction.atomic():
            case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
            raise RuntimeError("roll back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        move_then_fail()
    assert callbacks == []
    assert not FeasibilityReport.objects.filter(case=case).exists()


def test_intake_completed_queues_the_task(reviewed: Any) -> None:
    intake_completed(reviewed.pk)
    assert FeasibilityReport.objects.filter(case=reviewed).count() == 2


def test_the_task_skips_a_case_that_left_review(case: Any, users: dict[str, Any]) -> None:
    assert feasibility_report_task.call(case.pk) is None
    assert not FeasibilityReport.objects.filter(case=case).exists()


def test_other_transitions_generate_nothing(
    case: Any, users: dict[str, Any], to_review: Any
) -> None:
    to_review(case, users["lawyer"])
    case_transition(case=case, actor=users["lawyer"], to_state="intake")
    assert feasibility_reports_sweep() == []
    assert FeasibilityReport.objects.filter(case=case).count() == 1


def test_regeneration_adds_versions(reviewed: Any, users: dict[str, Any]) -> None:
    r2 = feasibility_report_generate(case=reviewed, actor=users["intake_agent"])
    r3 = feasibility_report_generate(case=reviewed, actor=users["lawyer"])
    assert (r2.version, r3.version) == (2, 3)
    assert r2.inputs_digest == r3.inputs_digest  # same facts, same day
    assert r2.generated_by == users["intake_agent"]
    assert TimelineEvent.objects.filter(case=reviewed, kind="feasibility_report").count() == 3


def test_evidence_on_file_changes_the_report(reviewed: Any, users: dict[str, Any]) -> None:
    v1 = FeasibilityReport.objects.get(case=reviewed, version=1)
    EvidenceItem.objects.create(
        case=reviewed,
        evidence_type="invoice",
        collected_by="x",
        collected_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        capture_method="scan",
        original_location="office",
    )
    v2 = feasibility_report_generate(case=reviewed, actor=users["lawyer"])
    assert v2.inputs_digest != v1.inputs_digest
    assert v2.data["evidence"]["written_agreement"] == "missing"
    assert v2.data["evidence"]["money_flow"] == "present"
    assert v2.data["context"]["evidence_score"] == 60
    assert v2.data["evidence_strength"] == "medium"
    # No written agreement: the oral-only warning and the 0.25 cap.
    assert any("不足 30%" in w["zh"] for w in v2.data["warnings"])
    assert Decimal(v2.data["probability"]) <= Decimal("0.25")


def test_creditor_user_cannot_regenerate(reviewed: Any, users: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        feasibility_report_generate(case=reviewed, actor=users["creditor"])
    assert FeasibilityReport.objects.filter(case=reviewed).count() == 1


def test_sla_due_then_breached(case: Any, users: dict[str, Any]) -> None:
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    entered = TimelineEvent.objects.get(case=case, to_state="evidence_review").at
    lawyer = users["lawyer"]
    sla = feasibility_sla(lawyer, now=entered + dt.timedelta(hours=23))
    assert [r.case.pk for r in sla["due"]] == [case.pk]
    assert sla["breached"] == []
    assert sla["due"][0].deadline == entered + dt.timedelta(hours=24)
    sla = feasibility_sla(lawyer, now=entered + dt.timedelta(hours=25))
    assert sla["due"] == []
    assert [r.case.pk for r in sla["breached"]] == [case.pk]
    # Another creditor's user sees nothing of it.
    assert feasibility_sla(users["creditor_other"], now=entered)["due"] == []
    feasibility_report_generate(case=case, actor=lawyer)
    sla = feasibility_sla(lawyer, now=entered + dt.timedelta(hours=25))
    assert sla == {"due": [], "breached": []}


def test_sla_restarts_when_the_case_reenters_review(reviewed: Any, users: dict[str, Any]) -> None:
    case_transition(case=reviewed, actor=users["lawyer"], to_state="intake")
    case_transition(case=reviewed, actor=users["lawyer"], to_state="evidence_review")
    entered = (
        TimelineEvent.objects.filter(case=reviewed, to_state="evidence_review")
        .order_by("-at")
        .first()
    )
    assert entered is not None
    sla = feasibility_sla(users["lawyer"], now=entered.at + dt.timedelta(hours=30))
    assert [r.case.pk for r in sla["breached"]] == [reviewed.pk]


def test_accept_moves_the_case_and_logs(reviewed: Any, users: dict[str, Any]) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    done = feasibility_report_decide(report=report, actor=users["lawyer"], accept=True, reason="")
    reviewed.refresh_from_db()
    assert reviewed.state == "accepted"
    assert (done.decision, done.decided_by) == ("accepted", users["lawyer"])
    assert done.decided_at is not None
    change = TimelineEvent.objects.get(case=reviewed, to_state="accepted")
    assert change.from_state == "evidence_review"
    assert "接案" in change.note
    assert AuditEvent.objects.filter(action="case.transition", object_id=str(reviewed.pk)).exists()
    assert AuditEvent.objects.filter(action="feasibility_report.decide").count() == 1
    with pytest.raises(Conflict):
        feasibility_report_decide(report=done, actor=users["lawyer"], accept=False, reason="x")


def test_reject_with_reason(reviewed: Any, users: dict[str, Any]) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    feasibility_report_decide(report=report, actor=users["admin"], accept=False, reason="证据不足")
    reviewed.refresh_from_db()
    report.refresh_from_db()
    assert (reviewed.state, report.decision, report.reason) == ("rejected", "rejected", "证据不足")
    assert "证据不足" in TimelineEvent.objects.get(case=reviewed, to_state="rejected").note


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_reason_changes_nothing(
    reviewed: Any, users: dict[str, Any], reason: str
) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    events = TimelineEvent.objects.count()
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as err:
        feasibility_report_decide(report=report, actor=users["lawyer"], accept=False, reason=reason)
    assert err.value.code == "reason_required"
    reviewed.refresh_from_db()
    report.refresh_from_db()
    assert (reviewed.state, report.decision, report.decided_by) == (
        "evidence_review",
        "pending",
        None,
    )
    assert (TimelineEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


@pytest.mark.parametrize("role", ["collector", "mediator", "intake_agent", "creditor"])
def test_only_lawyers_and_admins_decide(reviewed: Any, users: dict[str, Any], role: str) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    with pytest.raises(PermissionDenied):
        feasibility_report_decide(report=report, actor=users[role], accept=True, reason="ok")
    reviewed.refresh_from_db()
    assert reviewed.state == "evidence_review"


def test_only_the_latest_version_is_decided(reviewed: Any, users: dict[str, Any]) -> None:
    old = FeasibilityReport.objects.get(case=reviewed, version=1)
    feasibility_report_generate(case=reviewed, actor=users["lawyer"])
    with pytest.raises(Conflict):
        feasibility_report_decide(report=old, actor=users["lawyer"], accept=True, reason="")
    reviewed.refresh_from_db()
    assert reviewed.state == "evidence_review"


def test_expired_limitation_says_so(
    org: Any, users: dict[str, Any], creditor: Any, person_debtor: Any, to_review: Any
) -> None:
    from qingqian.cases.services import case_open

    case = case_open(
        organisation=org,
        actor=users["lawyer"],
        creditor=creditor,
        debtors=[person_debtor],
        debt_type="private_loan",
        channel="web",
        principal="30000.00",
        interest_rate=Decimal("24"),
        contract_date=dt.date(2020, 1, 5),
        funds_transfer_date=dt.date(2020, 1, 5),
        due_date=dt.date(2021, 1, 5),
    )
    to_review(case, users["lawyer"])
    data = FeasibilityReport.objects.get(case=case).data
    assert data["limitation"]["status"] == "expired"
    assert data["recommended_route"] not in ("litigation", "preservation", "small_claims")
    assert data["interest"]["above_cap"] is True
    facts, _ = case_facts(case, today=dt.date(2026, 11, 28))
    assert facts.debtor_kind == "person"


def test_the_organisation_type_decides_the_fee_rules(case: Any, users: dict[str, Any]) -> None:
    case.organisation.org_type = "law_firm"
    case.organisation.save(update_fields=["org_type"])
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    report = feasibility_report_generate(case=case, actor=None)
    assert report.data["context"]["organisation_type"] == "law_firm"
    assert report.data["context"]["fee_schedule_key"] == "law-firm-contingency-2026"
