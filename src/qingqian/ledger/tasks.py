"""Background work for the case log (thin: one service call)."""

from __future__ import annotations

from django_tasks import task

from qingqian.ledger.services import ledger_integrate


@task()
def ledger_integrate_task() -> int:
    checkpoint = ledger_integrate()
    return checkpoint.size if checkpoint is not None else -1
