"""Background tasks: the month's remittance (run on the 1st for the month before)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from qingqian.accounts.models import Organisation
from qingqian.common import clock
from qingqian.common.system import as_system


def previous_period() -> str:
    day = clock.today().replace(day=1) - dt.timedelta(days=1)
    return f"{day.year:04d}-{day.month:02d}"


@task()
@as_system("task.remittance-month")
def remittance_month_task(organisation_id: int, period: str = "", basis: str = "net") -> int:
    """Create the remittance batches of ``period`` (default: last month); returns how many."""
    from qingqian.payments.remittance import remittance_run

    org = Organisation.objects.get(pk=organisation_id)
    return len(
        remittance_run(
            organisation=org, period=period or previous_period(), basis=basis, actor=None
        )
    )
