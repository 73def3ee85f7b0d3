"""Background work for cases (thin: one service call each)."""

from __future__ import annotations

from django_tasks import task

from qingqian.cases.imports import import_job_run
from qingqian.cases.models import ImportJob
from qingqian.common.system import as_system


@task()
@as_system("task.import-job")
def import_job_task(job_id: int) -> str:
    job = ImportJob.objects.select_related("organisation", "creditor", "uploaded_by").get(pk=job_id)
    return import_job_run(job).status
