"""Findings 5 (High), 11, 13 and issue 16: one bounded import path for web, API and CLI.

A hostile ledger cannot make the reader hold more than the documented limits (cell size,
decompressed size, rows, reported errors); an XLSX upload through the API imports; the
reader goes through the file API (any storage), and uploaded files are deleted after import.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from qingqian.cases.models import Case, ImportJob
from tests.support import make_uscc

pytestmark = pytest.mark.django_db

HEADER = "客户名称,统一社会信用代码,发票号,金额,到期日\n"


def _row(n: int, amount: str = "100") -> str:
    return f"第{n}号有限公司,{make_uscc(n)},INV-{n},{amount},2025-01-01\n"


def _xlsx(cells: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "统一社会信用代码", "发票号", "金额", "到期日"])
    for row in cells:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _post(api_as: Any, creditor: Any, data: bytes, name: str) -> Any:
    f = io.BytesIO(data)
    f.name = name
    return api_as("intake_agent").post("/api/v1/imports", {"creditor_id": creditor.pk, "file": f})


def _cli(tmp_path: Path, creditor: Any, data: bytes, name: str) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import-ledger", str(path), creditor=creditor.pk, json=True, stdout=out)
    assert info.value.returncode == 2
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


# --------------------------------------------------------------------------- issue 16


def test_api_imports_an_xlsx_upload(api_as: Any, creditor: Any) -> None:
    data = _xlsx([["太仓港务有限公司", make_uscc(801), "X-1", "100.00", dt.datetime(2025, 5, 1)]])
    resp = _post(api_as, creditor, data, "ledger.xlsx")
    assert resp.status_code == 200, resp.content
    assert resp.json()["imported"] == 1 and Case.objects.count() == 1


def test_stored_upload_is_read_through_the_storage_api(
    settings: Any, users: Any, creditor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An object store has no local path: the worker must read the file object."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    web = Client()
    web.force_login(users["intake_agent"])
    f = io.BytesIO((HEADER + _row(1)).encode())
    f.name = "ledger.csv"
    with django_capture_on_commit_callbacks(execute=True):
        resp = web.post("/imports/", {"creditor": creditor.pk, "file": f})
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "done" and job.imported == 1


# --------------------------------------------------------------------------- cell size (11, 5)


@pytest.mark.parametrize("size", [5_000, 200 * 1024])
def test_csv_cell_over_the_limit_is_413_with_a_code(
    api_as: Any, creditor: Any, tmp_path: Path, size: int
) -> None:
    data = (HEADER + _row(1) + f"大{'x' * size}有限公司,,INV-2,100,2025-01-01\n").encode()
    resp = _post(api_as, creditor, data, "ledger.csv")
    assert resp.status_code == 413, resp.content[:300]
    assert resp.json()["code"] == "cell_too_large"
    assert len(resp.content) < 2000
    assert _cli(tmp_path, creditor, data, "l.csv")["errors"][0]["code"] == "cell_too_large"
    assert Case.objects.count() == 0


def test_xlsx_with_one_huge_cell_is_refused_before_it_is_parsed(
    api_as: Any, creditor: Any, tmp_path: Path
) -> None:
    data = _xlsx([["巨型单元格有限公司", make_uscc(2), "H-1", "x" * 3_000_000, "2025-01-01"]])
    assert len(data) < 200_000  # a small file that expands a thousand-fold
    resp = _post(api_as, creditor, data, "ledger.xlsx")
    assert resp.status_code == 413 and resp.json()["code"] == "cell_too_large"
    assert _cli(tmp_path, creditor, data, "l.xlsx")["errors"][0]["code"] == "cell_too_large"


def test_xlsx_decompressing_past_the_limit_is_refused(
    api_as: Any, creditor: Any, settings: Any
) -> None:
    settings.QINGQIAN_IMPORT_MAX_UNZIPPED_BYTES = 20_000
    data = _xlsx([[f"第{n}号公司", "", f"Z-{n}", "1", "2025-01-01"] for n in range(1, 400)])
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert total > 20_000
    resp = _post(api_as, creditor, data, "ledger.xlsx")
    assert resp.status_code == 413 and resp.json()["code"] == "unzipped_too_large"


# --------------------------------------------------------------------------- rows and errors (5)


def test_errors_stop_at_the_limit_with_a_count(
    api_as: Any, creditor: Any, settings: Any, tmp_path: Path
) -> None:
    settings.QINGQIAN_IMPORT_MAX_ERRORS = 50
    data = (HEADER + "".join(_row(n, amount="-1") for n in range(1, 301))).encode()
    resp = _post(api_as, creditor, data, "ledger.csv")
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "ledger_rows_invalid"
    assert len(body["details"]["errors"]) == 50 and body["details"]["errors_truncated"] is True
    assert body["message"].startswith("50+")
    cli = _cli(tmp_path, creditor, data, "l.csv")
    assert len(cli["errors"]) == 50 and cli["errors_truncated"] is True


def test_rows_over_the_limit_are_refused(
    api_as: Any, creditor: Any, settings: Any, tmp_path: Path
) -> None:
    settings.QINGQIAN_IMPORT_MAX_ROWS = 10
    data = (HEADER + "".join(_row(n) for n in range(1, 12))).encode()
    resp = _post(api_as, creditor, data, "ledger.csv")
    assert resp.status_code == 413 and resp.json()["code"] == "too_many_rows"
    assert _cli(tmp_path, creditor, data, "l.csv")["errors"][0]["code"] == "too_many_rows"
    xlsx = _xlsx([[f"第{n}号公司", "", f"R-{n}", "1", "2025-01-01"] for n in range(1, 12)])
    resp = _post(api_as, creditor, xlsx, "ledger.xlsx")
    assert resp.status_code == 413 and resp.json()["code"] == "too_many_rows"
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------- retention (13)


def _web_import(users: Any, creditor: Any, capture: Any) -> ImportJob:
    web = Client()
    web.force_login(users["intake_agent"])
    f = io.BytesIO((HEADER + _row(1)).encode())
    f.name = "ledger.csv"
    with capture(execute=True):
        assert web.post("/imports/", {"creditor": creditor.pk, "file": f}).status_code == 302
    return ImportJob.objects.get()


def test_uploaded_ledger_is_deleted_after_import(
    users: Any, creditor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = _web_import(users, creditor, django_capture_on_commit_callbacks)
    assert job.status == "done"
    assert job.file.name == ""
    media = Path(storages["default"].location)
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_retention_period_keeps_then_purges_with_owner_only_mode(
    users: Any, creditor: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from qingqian.cases.imports import import_files_purge

    settings.QINGQIAN_IMPORT_FILE_RETENTION_HOURS = 24
    job = _web_import(users, creditor, django_capture_on_commit_callbacks)
    path = Path(job.file.path)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert job.finished_at is not None
    assert import_files_purge(now=job.finished_at + dt.timedelta(hours=23)) == 0
    assert import_files_purge(now=job.finished_at + dt.timedelta(hours=25)) == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.file.name == ""
