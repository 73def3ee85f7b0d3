"""Background work for feasibility reports (thin: one service call each)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case
from qingqian.common.system import as_system
from qingqian.reports.services import feasibility_report_generate, feasibility_reports_sweep


@task()
@as_system("task.feasibility-report")
def feasibility_report_task(case_id: int) -> int | None:
    """Generate the report of a case whose intake completed; the version, or ``None`` if the
    case has left evidence review meanwhile."""
    case = Case.objects.get(pk=case_id)
    if case.state != State.EVIDENCE_REVIEW:
        return None
    return feasibility_report_generate(case=case, actor=None).version


@task()
@as_system("task.feasibility-reports-sweep")
def feasibility_reports_sweep_task() -> int:
    """Generate every report due (cases in evidence review with none since they entered)."""
    return len(feasibility_reports_sweep())


def intake_completed(case_id: int) -> None:
    """To call after commit when a case enters evidence review: queue its report at once."""
    feasibility_report_task.enqueue(case_id)


def on_case_state_changed(
    sender: object, *, case: Case, from_state: str, to_state: str, **_kwargs: object
) -> None:
    """Intake completes when a case enters evidence review: once the move commits, queue its
    feasibility report (the 24-hour SLA runs from that move; the sweep catches a lost task)."""
    if to_state == State.EVIDENCE_REVIEW and from_state != to_state:
        case_id = case.pk
        transaction.on_commit(lambda: intake_completed(case_id), robust=True)
