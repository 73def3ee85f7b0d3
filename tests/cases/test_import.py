import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.audit.models import AuditEvent
from qingqian.cases.imports import ledger_import
from qingqian.cases.ledger_parse import LedgerFileError
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.common.exceptions import ValidationFailed
from qingqian.parties.models import Party
from tests.support import make_uscc, wrong_check

pytestmark = pytest.mark.django_db

HEADER_ZH = "客户名称,统一社会信用代码,发票号,金额,开票日期,到期日,备注"


def write(tmp_path: Path, text: str, name: str = "ledger.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def good_rows() -> str:
    a, b = make_uscc(501), make_uscc(502)
    return (
        "\n".join(
            [
                HEADER_ZH,
                f'吴中精工机械有限公司,{a},FP-1001,"12,000.50",2025-01-05,2025-03-05,',
                f"吴中精工机械有限公司,{a},FP-1002,8000,2025/02/01,2025/04/01,第二张",
                f"相城物流有限公司,{b},FP-1003,壹万贰仟元,2025年3月1日,2025年5月1日,",
            ]
        )
        + "\n"
    )


def run(org: Any, creditor: Any, user: Any, path: Path, **kw: Any) -> Any:
    return ledger_import(
        organisation=org, creditor=creditor, actor=user, path=path, filename=path.name, **kw
    )


def test_valid_file_imports_grouping_invoices_per_debtor(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    res = run(org, creditor, users["intake_agent"], write(tmp_path, good_rows()))
    assert (res.rows, res.imported, res.duplicates, res.cases_created, res.errors) == (
        3,
        3,
        0,
        2,
        [],
    )
    wz = Case.objects.get(debtor_name="吴中精工机械有限公司")
    assert wz.principal == Decimal("20000.50") and wz.outstanding == Decimal("20000.50")
    assert str(wz.oldest_due_date) == "2025-03-05"
    assert wz.channel == "import" and wz.creditor == creditor
    assert Case.objects.get(debtor_name="相城物流有限公司").principal == Decimal("12000.00")
    assert TimelineEvent.objects.filter(kind="opened").count() == 2
    assert AuditEvent.objects.filter(action="case.open").count() == 2
    assert AuditEvent.objects.filter(action="ledger.import").count() == 1


def test_reimport_creates_no_duplicates(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    path = write(tmp_path, good_rows())
    run(org, creditor, users["admin"], path)
    res = run(org, creditor, users["admin"], path)
    assert (res.imported, res.duplicates, res.cases_created) == (0, 3, 0)
    assert Invoice.objects.count() == 3 and Case.objects.count() == 2


def test_new_invoice_joins_the_open_case_of_that_debtor(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    run(org, creditor, users["admin"], write(tmp_path, good_rows()))
    extra = (
        HEADER_ZH + f"\n吴中精工机械有限公司,{make_uscc(501)},FP-2001,1000,2025-06-01,2025-07-01,\n"
    )
    res = run(org, creditor, users["admin"], write(tmp_path, extra, "b.csv"))
    assert (res.imported, res.cases_created) == (1, 0)
    wz = Case.objects.get(debtor_name="吴中精工机械有限公司")
    assert wz.principal == Decimal("21000.50") and wz.invoices.count() == 3
    assert wz.timeline.filter(kind="invoices_added").exists()


def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    a = make_uscc(601)
    text = (
        "\n".join(
            [
                HEADER_ZH,
                f"好公司有限公司,{a},OK-1,100,2025-01-01,2025-02-01,",
                f"坏代码有限公司,{wrong_check(make_uscc(602))},BAD-1,100,2025-01-01,2025-02-01,",
                f"负数有限公司,{make_uscc(603)},BAD-2,-5,2025-01-01,2025-02-01,",
                f"精度有限公司,{make_uscc(604)},BAD-3,1.234,2025-01-01,2025-02-01,",
                f"日期有限公司,{make_uscc(605)},BAD-4,100,2025-03-01,2025-02-01,",
                f"好公司有限公司,{a},OK-1,100,2025-01-01,2025-02-01,",
                f",{make_uscc(606)},BAD-6,100,2025-01-01,2025-02-01,",
                f"文字有限公司,{make_uscc(607)},BAD-7,一些钱,2025-01-01,2025-02-01,",
                f"坏日期有限公司,{make_uscc(608)},BAD-8,100,2025-01-01,明天,",
            ]
        )
        + "\n"
    )
    res = run(org, creditor, users["admin"], write(tmp_path, text))
    got = [(e.line, e.code) for e in res.errors]
    assert got == [
        (3, "invalid_credit_code"),
        (4, "amount_not_positive"),
        (5, "amount_too_precise"),
        (6, "due_before_issue"),
        (7, "duplicate_in_file"),
        (8, "name_missing"),
        (9, "amount_invalid"),
        (10, "invalid_date"),
    ]
    assert all(" / " in e.message for e in res.errors)
    assert [e.header for e in res.errors[:2]] == ["统一社会信用代码", "金额"]
    assert res.imported == 0
    assert Case.objects.count() == 0 and Invoice.objects.count() == 0
    assert Party.objects.filter(organisation=org).count() == 2  # the two fixture creditors


def test_english_headers_gbk_and_tab_separated(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    text = (
        "Debtor\tCredit Code\tInvoice No.\tAmount\tInvoice Date\tDue Date\n"
        f"昆山模具有限公司\t{make_uscc(701)}\tK-1\t5000\t2025-01-01\t2025-02-01\n"
    )
    res = run(org, creditor, users["admin"], write(tmp_path, text, encoding="gb18030"))
    assert res.imported == 1 and Case.objects.get().debtor_name == "昆山模具有限公司"


def test_xlsx_ledger(tmp_path: Path, org: Any, creditor: Any, users: Any) -> None:
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "统一社会信用代码", "发票号", "金额", "到期日"])
    ws.append(["太仓港务有限公司", make_uscc(801), 20250001, 12000.1, dt.datetime(2025, 5, 1)])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    res = run(org, creditor, users["admin"], path)
    assert res.errors == [] and res.imported == 1
    inv = Invoice.objects.get()
    assert (inv.number, inv.amount, str(inv.due_date)) == (
        "20250001",
        Decimal("12000.10"),
        "2025-05-01",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "ledger_empty"),
        (HEADER_ZH + "\n", "ledger_no_rows"),
        ("客户名称,发票号,金额,到期日,颜色\nA公司,1,1,2025-01-01,红\n", "ledger_unknown_columns"),
        ("客户名称,金额\nA公司,1\n", "ledger_missing_columns"),
    ],
)
def test_file_level_errors(
    tmp_path: Path, org: Any, creditor: Any, users: Any, text: str, code: str
) -> None:
    with pytest.raises(LedgerFileError) as exc:
        run(org, creditor, users["admin"], write(tmp_path, text))
    assert exc.value.code == code
    assert Case.objects.count() == 0


def test_oversized_file_is_refused_before_reading(
    tmp_path: Path, org: Any, creditor: Any, users: Any, settings: Any
) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as fh:
        fh.write(HEADER_ZH.encode() + b"\n")
        fh.seek(50 * 1024 * 1024)
        fh.write(b"\n")
    with pytest.raises(ValidationFailed) as exc:
        run(org, creditor, users["admin"], path)
    assert exc.value.code == "file_too_large" and exc.value.status == 413


def test_dry_run_writes_nothing(tmp_path: Path, org: Any, creditor: Any, users: Any) -> None:
    res = run(org, creditor, users["admin"], write(tmp_path, good_rows()), dry_run=True)
    assert res.imported == 3 and Case.objects.count() == 0


def test_cli_json_contract(tmp_path: Path, org: Any, creditor: Any, users: Any) -> None:
    out = io.StringIO()
    call_command(
        "import-ledger",
        str(write(tmp_path, good_rows())),
        "--creditor",
        str(creditor.pk),
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert {k: data[k] for k in ("rows", "imported", "duplicates", "errors")} == {
        "rows": 3,
        "imported": 3,
        "duplicates": 0,
        "errors": [],
    }


def test_cli_bad_row_exits_2_with_errors(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    text = HEADER_ZH + f"\nX有限公司,{make_uscc(9)},Z-1,-1,2025-01-01,2025-02-01,\n"
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import-ledger",
            str(write(tmp_path, text)),
            "--creditor",
            str(creditor.pk),
            "--json",
            stdout=out,
        )
    assert exc.value.returncode == 2
    data = json.loads(out.getvalue())
    assert data["errors"] == [
        {
            "line": 2,
            "code": "amount_not_positive",
            "column": "amount",
            "header": "金额",
            "message": data["errors"][0]["message"],
            "message_zh": data["errors"][0]["message"].split(" / ")[0],
            "message_en": data["errors"][0]["message"].split(" / ")[1],
        }
    ]
    assert Case.objects.count() == 0


def test_web_upload_runs_the_job_and_reports(
    tmp_path: Path, org: Any, creditor: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from qingqian.cases.models import ImportJob

    web = Client()
    web.force_login(users["intake_agent"])
    upload = SimpleUploadedFile("l.csv", good_rows().encode("utf-8"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        resp = web.post("/imports/", {"creditor": creditor.pk, "file": upload})
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/imports/{job.pk}/"
    assert (job.status, job.rows_total, job.rows_done, job.imported) == ("done", 3, 3, 3)
    page = web.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in page and "hx-trigger" not in page


def test_progress_is_reported_in_phases(
    tmp_path: Path, org: Any, creditor: Any, users: Any
) -> None:
    seen: list[tuple[str, int, int]] = []
    run(
        org,
        creditor,
        users["admin"],
        write(tmp_path, good_rows()),
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    assert seen[0] == ("counted", 0, 3)
    assert seen[-1] == ("writing", 0, 3)
