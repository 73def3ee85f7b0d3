"""Background work of the strategy engine (thin: one service call each)."""

from __future__ import annotations

import datetime as dt

from django_tasks import default_task_backend, task

from qingqian.common.system import as_system
from qingqian.strategy.dunning_services import followups_run
from qingqian.strategy.services import strategy_step_execute, strategy_steps_due


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


@task()
@as_system("task.followups")
def followups_task() -> dict[str, int]:
    """Send every follow-up level that fell due today (through the contact gate)."""
    return followups_run()


def followups_enqueue(day: dt.date) -> None:
    """Queue the day's follow-ups for 09:00 when the backend defers (the daily command runs
    after midnight, in the gate's quiet hours); otherwise run them at once."""
    from qingqian.common import clock
    from qingqian.strategy.dunning_services import FOLLOWUP_HOUR

    at = dt.datetime.combine(day, dt.time(FOLLOWUP_HOUR), tzinfo=clock.BUSINESS_TZ)
    if default_task_backend.supports_defer and at > clock.now():
        followups_task.using(run_after=at).enqueue()
    else:
        followups_task.enqueue()
