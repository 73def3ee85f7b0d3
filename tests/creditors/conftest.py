from __future__ import annotations

from typing import Any

import pytest

from qingqian.reports.models import FeasibilityReport
from qingqian.reports.services import feasibility_report_decide


@pytest.fixture
def to_review(django_capture_on_commit_callbacks: Any) -> Any:
    from qingqian.cases.services import case_transition
    from qingqian.reports.tasks import feasibility_reports_sweep_task

    def move(case: Any, actor: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            moved = case_transition(case=case, actor=actor, to_state="evidence_review")
        feasibility_reports_sweep_task.enqueue()
        return moved

    return move


@pytest.fixture
def reviewed(case: Any, users: dict[str, Any], to_review: Any) -> Any:
    to_review(case, users["lawyer"])
    case.refresh_from_db()
    return case


@pytest.fixture
def sent_agreement(reviewed: Any, users: dict[str, Any]) -> Any:
    """The case accepted, its fee agreement drafted and sent to the creditor for signing."""
    from qingqian.reports.agreements import agreement_draft, agreement_send

    report = FeasibilityReport.objects.get(case=reviewed)
    feasibility_report_decide(report=report, actor=users["lawyer"], accept=True, reason="")
    reviewed.refresh_from_db()
    draft = agreement_draft(case=reviewed, actor=users["lawyer"])
    return agreement_send(agreement=draft, actor=users["lawyer"])
