"""A real ledger with columns the importer does not know: the upload stops at a mapping step
that keeps the file, the user ignores or maps each column, and the import runs; errors name
columns as the file does and fields in the user's words; a template can be downloaded."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qingqian.cases.imports import ledger_import
from qingqian.cases.ledger_parse import LedgerFileError
from qingqian.cases.models import ImportJob, Invoice
from tests.support import make_uscc

pytestmark = pytest.mark.django_db

HEADER = "序号,客户,信用代码,单号,欠款金额,账期截止,业务员"


def _ledger() -> str:
    a = make_uscc(601)
    return (
        f"{HEADER}\n"
        f'1,吴中精工机械有限公司,{a},FP-2001,"12,000.50",2025-03-05,张三\n'
        f"2,吴中精工机械有限公司,{a},FP-2002,8000,2025-04-01,李四\n"
    )


def _upload(web: Client, creditor: Any, text: str, capture: Any) -> Any:
    upload = SimpleUploadedFile("台账.csv", text.encode("utf-8"), content_type="text/csv")
    with capture(execute=True):
        return web.post("/imports/", {"creditor": creditor.pk, "file": upload})


def test_unknown_columns_are_mapped_or_ignored_and_the_file_is_kept(
    creditor: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    web = Client()
    web.force_login(users["intake_agent"])
    resp = _upload(web, creditor, _ledger(), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert resp["Location"] == f"/imports/{job.pk}/columns/"
    assert job.status == "mapping" and job.file and not Invoice.objects.exists()
    page = web.get(resp["Location"]).content.decode()
    for header in ("序号", "业务员", "账期截止"):
        assert header in page
    assert "due_date" not in page.split("<form")[0]  # no internal keys in the words
    # 账期截止 is not mapped yet: the error names the field in Chinese, keeps the file.
    cols = {h: i for i, h in enumerate(job.columns)}
    data = {f"col_{cols['客户']}": "debtor_name", f"col_{cols['信用代码']}": "credit_code"}
    data |= {f"col_{cols['单号']}": "invoice_no", f"col_{cols['欠款金额']}": "amount"}
    resp = web.post(f"/imports/{job.pk}/columns/", data)
    html = resp.content.decode()
    error = html.split('id="mapping-error">')[1].split("</p>")[0]
    assert resp.status_code == 422 and error == "缺少必需的列：到期日"
    job.refresh_from_db()
    assert job.status == "mapping" and job.file
    # Two columns on one field are refused in words.
    resp = web.post(f"/imports/{job.pk}/columns/", {**data, f"col_{cols['账期截止']}": "amount"})
    assert "都对应“金额”" in resp.content.decode()
    data[f"col_{cols['账期截止']}"] = "due_date"  # 序号 and 业务员 left on “ignore”
    with django_capture_on_commit_callbacks(execute=True):
        resp = web.post(f"/imports/{job.pk}/columns/", data)
    assert resp["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 2), job.errors
    assert job.mapping["序号"] == "" and job.mapping["账期截止"] == "due_date"
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["FP-2001", "FP-2002"]


def test_a_known_ledger_goes_straight_to_the_import(
    creditor: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    web = Client()
    web.force_login(users["intake_agent"])
    text = "客户名称,发票号,金额,到期日\nA有限公司,Z-1,100,2025-01-01\n"
    resp = _upload(web, creditor, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert resp["Location"] == f"/imports/{job.pk}/" and job.status == "done"


def test_row_errors_show_the_files_header_and_one_language(
    creditor: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    web = Client()
    web.force_login(users["intake_agent"])
    text = "客户名称,发票号,金额,到期日\nA有限公司,Z-1,-5,2025-01-01\n"
    _upload(web, creditor, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == "failed"
    zh = web.get(f"/imports/{job.pk}/").content.decode()
    table = zh.split('id="import-errors"')[1]
    assert "<td>金额</td>" in table and " / " not in table and "amount" not in table
    web.cookies["django_language"] = "en"
    en = web.get(f"/imports/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "/ " not in en.split('id="import-errors"')[1].split("</table>")[0].replace("</", "")


def test_the_service_takes_a_mapping(tmp_path: Any, org: Any, creditor: Any, users: Any) -> None:
    path = tmp_path / "l.csv"
    path.write_text(_ledger(), encoding="utf-8")
    with pytest.raises(LedgerFileError) as exc:
        ledger_import(
            organisation=org, creditor=creditor, actor=users["intake_agent"],
            filename="l.csv", path=path,
        )  # fmt: skip
    assert exc.value.code == "ledger_unknown_columns" and "序号" in exc.value.message_zh
    assert "Debtor name" in exc.value.message_en and "customername" not in exc.value.message_en
    result = ledger_import(
        organisation=org, creditor=creditor, actor=users["intake_agent"], filename="l.csv",
        path=path, columns={"序号": "", "业务员": "", "单号": "invoice_no", "账期截止": "due_date",
                            "欠款金额": "amount"},
    )  # fmt: skip
    assert result.imported == 2


def test_the_template_downloads_with_chinese_headers(users: Any) -> None:
    web = Client()
    web.force_login(users["intake_agent"])
    resp = web.get("/imports/template.xlsx")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:1] == ["客户名称"] and "到期日" in header and "发票号" in header
    page = web.get("/imports/").content.decode()
    assert "/imports/template.xlsx" in page
