"""Background work for the case log (thin: one service call each)."""

from __future__ import annotations

from django_tasks import task

from qingqian.common.system import as_system
from qingqian.ledger.services import ledger_integrate


@task()
@as_system("task.ledger-integrate")
def ledger_integrate_task() -> int:
    """After a commit that appended: sequence the new entries; sign only when due."""
    checkpoint = ledger_integrate(sign="due")
    return checkpoint.size if checkpoint is not None else -1


@task()
@as_system("task.ledger-sign")
def ledger_sign_task() -> int:
    """Queued for when the time bound of a deferred signing runs out: sign now."""
    checkpoint = ledger_integrate()
    return checkpoint.size if checkpoint is not None else -1
