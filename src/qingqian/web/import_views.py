"""The ledger import's column mapping step and its template (h19d).

A real ledger carries columns the importer does not know (序号, 业务员, 部门) or names a known
one its own way. After the upload the header row alone is read; if any column is not
recognised or a required one is missing, the job waits in “待对应列” with its file kept, and
this page lets the user pick a field for each column or ignore it. The import then runs with
that mapping. Every message names columns by the file's header and fields by their Chinese
(or English) label, never by an internal key.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qingqian.cases.imports import import_limits
from qingqian.cases.ledger_parse import (
    FIELD_LABELS,
    IGNORE,
    REQUIRED,
    LedgerFileError,
    guess_field,
    map_header,
    read_header,
)
from qingqian.cases.models import ImportJob, ImportStatus
from qingqian.cases.tasks import import_job_task
from qingqian.common.exceptions import ApplicationError

#: Errors of the header that the mapping step can fix.
MAPPABLE = {"ledger_unknown_columns", "ledger_missing_columns", "ledger_duplicate_column"}
TEMPLATE_EXAMPLE = (
    "苏州某某机械有限公司",
    "91320594MA1XXXXXXX",
    "",
    "FP-2026-0001",
    "128,000.00",
    "2026-03-01",
    "2026-04-30",
    "13800000000",
    "苏州市",
    "工业园区",
    "星湖街 1 号",
    "企业商账",
    "",
)


def _en() -> bool:
    return (get_language() or "").lower().startswith("en")


def field_label(field: str) -> str:
    zh, en = FIELD_LABELS.get(field, (field, field))
    return en if _en() else zh


def start_or_map(job: ImportJob) -> HttpResponse:
    """After an upload: queue the import, or send the user to map the columns first."""
    try:
        with job.file.open("rb") as fh:
            header = read_header(fh, job.filename, import_limits())
        map_header(header)
    except LedgerFileError as exc:
        if exc.code in MAPPABLE and any(header):
            job.status = ImportStatus.MAPPING
            job.columns = header
            job.save(update_fields=["status", "columns"])
            return redirect("web:import_columns", job_id=job.pk)
    except ApplicationError:
        pass  # the import itself records why the file cannot be read
    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return redirect("web:import_detail", job_id=job.pk)


def _rows(job: ImportJob, chosen: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for idx, header in enumerate(job.columns):
        if not header:
            continue
        guess = guess_field(header)
        rows.append(
            {
                "index": idx,
                "header": header,
                "recognised": guess is not None,
                "value": chosen.get(header, guess if guess is not None else IGNORE),
            }
        )
    return rows


def import_columns(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """GET: the mapping table; POST: save it and queue the import (or say what is wrong)."""
    if job.status != ImportStatus.MAPPING or not job.file:
        return redirect("web:import_detail", job_id=job.pk)
    chosen: dict[str, str] = dict(job.mapping or {})
    error = ""
    if request.method == "POST":
        chosen = {}
        for idx, header in enumerate(job.columns):
            if not header:
                continue
            value = request.POST.get(f"col_{idx}", IGNORE)
            chosen[header] = value if value in FIELD_LABELS else IGNORE
        try:
            map_header(job.columns, chosen)
        except LedgerFileError as exc:
            error = exc.message_for(get_language())
        else:
            job.mapping = chosen
            job.status = ImportStatus.PENDING
            job.save(update_fields=["mapping", "status"])
            ignored = [h for h, f in chosen.items() if f == IGNORE]
            if ignored:
                messages.info(request, _("已忽略的列：%(cols)s") % {"cols": "、".join(ignored)})
            transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
            return redirect("web:import_detail", job_id=job.pk)
    return render(
        request,
        "web/import_columns.html",
        {
            "job": job,
            "rows": _rows(job, chosen),
            "fields": [(f, field_label(f), f in REQUIRED) for f in FIELD_LABELS],
            "required": "、".join(field_label(f) for f in REQUIRED),
            "error": error,
        },
        status=422 if error else 200,
    )


def error_rows(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The job's errors in the page's language, each column by the file's header or the
    field's label."""
    en = _en()
    out = []
    for e in errors:
        message = e.get("message_en" if en else "message_zh") or ""
        if not message:
            zh, _sep, en_text = str(e.get("message", "")).partition(" / ")
            message = (en_text or zh) if en else zh
        column = e.get("header") or (field_label(e["column"]) if e.get("column") else "")
        out.append({"line": e.get("line"), "column": column, "message": message})
    return out


@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty ledger in XLSX with the Chinese headers and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([zh for zh, _en in FIELD_LABELS.values()])
    sheet.append(list(TEMPLATE_EXAMPLE))
    for cell in sheet[1]:
        if guess_field(str(cell.value)) in REQUIRED:
            cell.font = Font(bold=True)
    for col in sheet.columns:
        sheet.column_dimensions[col[0].column_letter].width = 18
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ledger-template.xlsx"'
    return response


__all__ = ["error_rows", "import_columns", "import_template", "start_or_map"]
