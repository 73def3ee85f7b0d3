"""Background work of the strategy engine (thin: one service call each)."""

from __future__ import annotations

import datetime as dt

from django_tasks import default_task_backend, task

from qingqian.common.system import as_system
from qingqian.intake.services import strategy_step_execute, strategy_steps_due


@task()
@as_system("task.strategy-step")
def strategy_step_task(step_id: int) -> str:
    """Run one step on its day; returns the step's state afterwards."""
    return str(strategy_step_execute(step_id=step_id).state)


@task()
@as_system("task.strategy-steps-due")
def strategy_steps_due_task() -> int:
    """Run every step whose day has come (for backends that cannot defer, and as a net)."""
    ids = strategy_steps_due()
    for step_id in ids:
        strategy_step_execute(step_id=step_id)
    return len(ids)


def strategy_step_enqueue(step_id: int, at: dt.datetime) -> None:
    """Queue a step for ``at`` when the backend defers; a step due now runs at once; a later
    step on a backend that cannot defer waits for ``strategy_steps_due_task``."""
    from qingqian.common import clock

    if default_task_backend.supports_defer:
        strategy_step_task.using(run_after=at).enqueue(step_id)
    elif at <= clock.now():
        strategy_step_task.enqueue(step_id)
