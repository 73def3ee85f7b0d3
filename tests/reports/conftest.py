from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def to_review(django_capture_on_commit_callbacks: Any) -> Any:
    """Complete intake (the case enters evidence review), then run the automatic generation
    (the sweep task, on the immediate tasks backend)."""
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
    """The conftest case, intake complete, with its automatic report v1."""
    to_review(case, users["lawyer"])
    case.refresh_from_db()
    return case
