"""Set-off notices read back from the Word file and the PDF: every invoice reduced, by how
much, the totals and the legal basis, only the firm's own lines."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest

from qingqian.netting import services
from qingqian.netting.notices import notice_docx, notice_for, notice_pdf
from tests.netting.chain import CHAIN, LOGISTICS, PARTS
from tests.netting.test_services import _all_consent
from tests.netting.world import build_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(org: Any, users: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    chain = build_chain(org, users["lawyer"])
    r = services.round_create(
        organisation=org,
        actor=users["mediator"],
        title="园区汽车链清欠",
        parties=list(chain.values()),
    )
    services.round_invite(round_=r, actor=users["mediator"])
    _all_consent(r, users["mediator"])
    services.round_run(round_=r, actor=users["mediator"])
    return r, chain


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _mine(firm: str) -> list[tuple[str, str]]:
    return [
        (oid, f"{Decimal(s):,.2f}")
        for oid, d, c, _, _, s in CHAIN
        if firm in (d, c) and Decimal(s) > 0
    ]


@pytest.mark.parametrize("firm", [PARTS, LOGISTICS])
def test_word_and_pdf_list_each_invoice_reduced(
    solved: tuple[Any, dict[str, Any]], firm: str
) -> None:
    r, chain = solved
    participant = r.participants.get(party=chain[firm])
    notice = notice_for(r, participant)
    expected_pay = sum((Decimal(s) for _, d, _, _, _, s in CHAIN if d == firm), Decimal(0))
    assert notice.payable_setoff == expected_pay
    # Every firm's set-off on its payables equals that on its receivables.
    assert notice.receivable_setoff == notice.payable_setoff
    others = {oid for oid, d, c, *_ in CHAIN if firm not in (d, c)}
    for text in (_docx_text(notice_docx(notice)), _pdf_text(notice_pdf(notice))):
        flat = text.replace("\n", " ")
        assert "多边抵销通知书" in flat
        assert chain[firm].name in flat
        for oid, amount in _mine(firm):
            assert oid in flat and amount in flat
        assert not any(f" {oid} " in f" {flat} " for oid in others)
        assert f"{expected_pay:,.2f}" in flat
        assert "第五百六十八条" in flat and "第五百六十九条" in flat
        assert "Art. 568" in flat


def test_logistics_notice_shows_the_remainder(solved: tuple[Any, dict[str, Any]]) -> None:
    r, chain = solved
    notice = notice_for(r, r.participants.get(party=chain[LOGISTICS]))
    pl2 = next(x for x in notice.receivables if x.reference == "PL-2")
    assert (pl2.amount, pl2.setoff, pl2.remaining) == (
        Decimal("1200000.00"),
        Decimal("700000.00"),
        Decimal("500000.00"),
    )
    assert "500,000.00" in _docx_text(notice_docx(notice))
