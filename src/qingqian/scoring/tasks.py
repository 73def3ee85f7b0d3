"""Background work for the debt radar (thin: one service call each)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from qingqian.common.system import as_system
from qingqian.scoring.services import rescore_organisation


@task()
@as_system("task.rescore-organisation")
def rescore_organisation_task(organisation_id: int, at: str) -> dict[str, int]:
    """Re-score one organisation's open cases as at ``at`` (ISO date), after the day's events."""
    return rescore_organisation(organisation_id, at=dt.date.fromisoformat(at))


@task()
@as_system("task.monitor-model")
def monitor_model_task(today: str) -> int:
    """Monitor the live learned model as at ``today`` (ISO date); the number of alerts."""
    from qingqian.scoring.services import monitor_current_model

    monitor = monitor_current_model(today=dt.date.fromisoformat(today))
    return 0 if monitor is None else len(monitor.alerts)
