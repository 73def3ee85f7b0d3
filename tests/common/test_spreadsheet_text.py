"""One reader of CSV text for every importer: UTF-8 (with or without BOM), else GB18030."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingqian.common.spreadsheet import decode_text

HEADER = "客户名称,发票号,金额\n苏州某某机械有限公司,INV-1,1,234.50\n"


@pytest.mark.parametrize(
    "raw",
    [
        HEADER.encode("utf-8"),
        b"\xef\xbb\xbf" + HEADER.encode("utf-8"),
        HEADER.encode("gbk"),
        HEADER.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030"],
)
def test_the_ways_chinese_excel_and_banks_save_a_csv(raw: bytes) -> None:
    assert decode_text(raw) == HEADER


@given(st.text())
def test_any_text_saved_as_utf8_reads_back(text: str) -> None:
    assert decode_text(text.encode("utf-8")) == text.removeprefix("\ufeff")


def test_bytes_no_encoding_reads_are_refused() -> None:
    # 0x80 alone and 0xFF are invalid in both UTF-8 and GB18030
    assert decode_text(b"\xff\xff\x80") is None


def test_every_importer_reads_through_the_one_reader() -> None:
    """The ledger import, the netting upload and the bank statement import call
    ``decode_text``; none keeps its own list of encodings."""
    import inspect

    from qingqian.cases import ledger_parse
    from qingqian.netting import services as netting
    from qingqian.payments import bankimport

    for module in (ledger_parse, netting, bankimport):
        source = inspect.getsource(module)
        assert "decode_text(" in source, module.__name__
        assert '"gb18030"' not in source, module.__name__
