"""Daily negotiation work (thin: one service call)."""

from __future__ import annotations

from django_tasks import task

from qingqian.common.system import as_system
from qingqian.negotiation.services import negotiation_daily


@task()
@as_system("task.negotiation-daily")
def negotiation_daily_task() -> dict[str, int]:
    """Decide promises, apply breach consequences, lapse expired offers (idempotent)."""
    return negotiation_daily()
