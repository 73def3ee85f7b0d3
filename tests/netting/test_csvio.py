"""Reading obligations from CSV and writing set-offs, with the line of every bad row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.netting.csvio import read_obligations, setoffs_csv
from qingqian.netting.errors import NettingError
from qingqian.netting.solver import Obligation, solve

GOOD = """\ufeffid,debtor,creditor,amount,due,status,note
1,A,B,100,2025-01-31,,first
2,B,C,80.5,,已确认,

3,C,A,120.00,2025-03-01,disputed,
"""


def test_reads_required_and_optional_columns() -> None:
    assert read_obligations(GOOD.splitlines()) == [
        Obligation("1", "A", "B", Decimal("100.00"), dt.date(2025, 1, 31), "confirmed"),
        Obligation("2", "B", "C", Decimal("80.50"), None, "confirmed"),
        Obligation("3", "C", "A", Decimal("120.00"), dt.date(2025, 3, 1), "disputed"),
    ]


def test_columns_in_any_order_and_no_optional_ones() -> None:
    text = "amount,creditor,debtor,id\n5,B,A,x\n"
    assert read_obligations(text.splitlines()) == [Obligation("x", "A", "B", Decimal("5.00"))]


def test_writes_id_setoff_remaining() -> None:
    obligations = read_obligations("id,debtor,creditor,amount\n1,A,B,100\n2,B,A,30\n".splitlines())
    assert setoffs_csv(solve(obligations)) == "id,setoff,remaining\n1,30.00,70.00\n2,30.00,0.00\n"


BAD = [
    ("negative", "id,debtor,creditor,amount\n1,A,B,5\n2,B,C,-3\n", 3, "amount_not_positive"),
    ("zero", "id,debtor,creditor,amount\n1,A,B,0\n", 2, "amount_not_positive"),
    ("three decimals", "id,debtor,creditor,amount\n1,A,B,1.234\n", 2, "amount_too_precise"),
    ("not a number", "id,debtor,creditor,amount\n1,A,B,12万\n", 2, "amount_invalid"),
    ("self-loop", "id,debtor,creditor,amount\n1,A,B,5\n\n2,C,C,5\n", 4, "self_loop"),
    ("duplicate id", "id,debtor,creditor,amount\n1,A,B,5\n1,B,A,5\n", 3, "duplicate_id"),
    ("missing column", "id,debtor,amount\n1,A,5\n", 1, "missing_column"),
    ("short row", "id,debtor,creditor,amount\n1,A,B\n", 2, "missing_column"),
    ("empty cell", "id,debtor,creditor,amount\n1,,B,5\n", 2, "missing_value"),
    ("bad date", "id,debtor,creditor,amount,due\n1,A,B,5,31/01/2025\n", 2, "due_invalid"),
    ("bad status", "id,debtor,creditor,amount,status\n1,A,B,5,paid\n", 2, "status_invalid"),
    ("empty file", "", 1, "missing_column"),
]


@pytest.mark.parametrize(("text", "line", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rows_name_their_line(text: str, line: int, code: str) -> None:
    with pytest.raises(NettingError) as caught:
        read_obligations(text.splitlines(keepends=True))
    error = caught.value
    assert (error.code, error.details["line"]) == (code, line)
    if line > 1 or code != "missing_column" or text:
        assert error.message_zh.startswith(f"第 {line} 行")
        assert error.message_en.startswith(f"Line {line}")
