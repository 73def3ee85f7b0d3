"""Background work for the debt radar (thin: one service call each)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from qingqian.scoring.services import rescore_organisation


@task()
def rescore_organisation_task(organisation_id: int, at: str) -> dict[str, int]:
    """Re-score one organisation's open cases as at ``at`` (ISO date), after the day's events."""
    return rescore_organisation(organisation_id, at=dt.date.fromisoformat(at))
