"""Set-off notices (多边抵销通知书), one per participant, as Word and as PDF.

A notice lists every obligation of the firm that the round sets off (what it owes and what
it is owed), by how much and what remains, the totals, and the legal basis. The PDF is the
HTML template rendered by WeasyPrint (Noto CJK via fontconfig, as ``reports.pdf``); the Word
file is built with python-docx from the same data.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from django.db.models import Q
from django.template.loader import render_to_string

from qingqian.common import clock
from qingqian.netting.models import NettingRound, Obligation, Participant

ZERO = Decimal("0.00")

#: The legal basis printed on every notice, as dated data. Civil Code Arts. 568 and 569 are
#: not in the project's verified rule file (docs/legal-rules.md): grade D until someone
#: checks the official text; ``checked`` stays None until then.
LEGAL_BASIS: Final[tuple[dict[str, str | None], ...]] = (
    {
        "article": "《中华人民共和国民法典》第五百六十八条",
        "article_en": "Civil Code of the PRC, Art. 568",
        "zh": "当事人互负到期债务，标的物种类、品质相同的，任何一方可以将自己的债务与对方的"
        "到期债务抵销；抵销应当通知对方，通知自到达对方时生效，不得附条件或者附期限。",
        "en": "Where parties owe each other debts that are due and of the same kind and quality, "
        "either may set off its debt against the other's; the set-off takes effect when the "
        "notice reaches the other party and may carry no condition or time limit.",
        "grade": "D",
        "checked": None,
    },
    {
        "article": "《中华人民共和国民法典》第五百六十九条",
        "article_en": "Civil Code of the PRC, Art. 569",
        "zh": "当事人互负债务，标的物种类、品质不相同的，经协商一致，也可以抵销。"
        "本轮多边抵销以全体参加企业的书面同意为基础。",
        "en": "Debts of a different kind or quality may also be set off by agreement. This "
        "multilateral set-off rests on the written consent of every participating firm.",
        "grade": "D",
        "checked": None,
    },
)
LEGAL_BASIS_AS_OF: Final = dt.date(2026, 11, 29)


@dataclass(frozen=True)
class NoticeLine:
    direction: str  # "payable" or "receivable"
    counterparty: str
    counterparty_code: str
    reference: str
    due_date: dt.date | None
    amount: Decimal
    setoff: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.setoff

    @property
    def text(self) -> dict[str, str]:
        """Amounts as printed: thousands grouped, two decimals."""
        return {
            "amount": _money(self.amount),
            "setoff": _money(self.setoff),
            "remaining": _money(self.remaining),
        }


@dataclass(frozen=True)
class Notice:
    round: NettingRound
    participant: Participant
    number: str
    issued_on: dt.date
    payables: list[NoticeLine]
    receivables: list[NoticeLine]
    payable_setoff: Decimal
    receivable_setoff: Decimal
    legal_basis: tuple[dict[str, str | None], ...]

    @property
    def firm(self) -> str:
        return self.participant.party.name

    @property
    def totals_text(self) -> dict[str, str]:
        return {
            "payable": _money(self.payable_setoff),
            "receivable": _money(self.receivable_setoff),
        }


def notice_for(round_: NettingRound, participant: Participant) -> Notice:
    """The notice data: only this firm's lines with a set-off (from the round's snapshot)."""
    obligations = (
        Obligation.objects.filter(round=round_, setoff__isnull=False)
        .filter(Q(debtor=participant) | Q(creditor=participant))
        .select_related("setoff", "debtor__party", "creditor__party")
        .order_by("due_date", "reference", "pk")
    )
    payables: list[NoticeLine] = []
    receivables: list[NoticeLine] = []
    for ob in obligations:
        mine_to_pay = ob.debtor_id == participant.pk
        other = ob.creditor if mine_to_pay else ob.debtor
        line = NoticeLine(
            direction="payable" if mine_to_pay else "receivable",
            counterparty=other.party.name,
            counterparty_code=other.party.credit_code,
            reference=ob.reference,
            due_date=ob.due_date,
            amount=ob.amount,
            setoff=ob.setoff.amount,
        )
        (payables if mine_to_pay else receivables).append(line)
    return Notice(
        round=round_,
        participant=participant,
        number=f"QQ-NET-{round_.pk:05d}-{participant.pk:05d}",
        issued_on=clock.today(),
        payables=payables,
        receivables=receivables,
        payable_setoff=sum((x.setoff for x in payables), ZERO),
        receivable_setoff=sum((x.setoff for x in receivables), ZERO),
        legal_basis=LEGAL_BASIS,
    )


def notice_html(notice: Notice) -> str:
    return render_to_string("netting/notice_pdf.html", {"n": notice})


def notice_pdf(notice: Notice) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    pdf: bytes = HTML(string=notice_html(notice)).write_pdf()
    return pdf


def _money(v: Decimal) -> str:
    return f"{v:,.2f}"


def notice_docx(notice: Notice) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    title = doc.add_heading("多边抵销通知书", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph("Notice of multilateral set-off")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = notice.participant
    doc.add_paragraph(f"编号 No.：{notice.number}　　日期 Date：{notice.issued_on.isoformat()}")
    doc.add_paragraph(f"致 To：{p.party.name}（统一社会信用代码 {p.party.credit_code}）")
    doc.add_paragraph(
        f"清欠轮次 Round：{notice.round.title}（第 {notice.round.pk} 号）。经全体参加企业同意，"
        "本轮对下列债务进行多边抵销。抵销后，贵司对各方的净债权债务不变，各项债务在抵销金额"
        "范围内消灭。"
    )
    doc.add_paragraph(
        "With the consent of every participating firm, the debts below are set off in this "
        "round. Your net position towards the others is unchanged; each debt is extinguished "
        "to the extent of its set-off."
    )
    for heading, lines, total in (
        ("一、贵司应付款的抵销 Your payables set off", notice.payables, notice.payable_setoff),
        ("二、贵司应收款的抵销 Your receivables set off", notice.receivables,
         notice.receivable_setoff),
    ):  # fmt: skip
        doc.add_heading(heading, level=2)
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ("对方 Counterparty", "单据号 Invoice", "到期日 Due", "金额 Amount",
             "抵销 Set off", "余额 Remaining"),
            strict=True,
        ):  # fmt: skip
            cell.text = text
        for line in lines:
            cells = table.add_row().cells
            values = (
                line.counterparty,
                line.reference,
                line.due_date.isoformat() if line.due_date else "—",
                _money(line.amount),
                _money(line.setoff),
                _money(line.remaining),
            )
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
        cells = table.add_row().cells
        cells[0].text = "合计 Total"
        cells[4].text = _money(total)
        if not lines:
            doc.add_paragraph("无 None.")
    doc.add_heading("三、合计 Totals", level=2)
    doc.add_paragraph(
        f"应付款抵销合计 Payables set off：{_money(notice.payable_setoff)} 元；"
        f"应收款抵销合计 Receivables set off：{_money(notice.receivable_setoff)} 元。"
    )
    doc.add_heading("四、法律依据 Legal basis", level=2)
    for basis in notice.legal_basis:
        doc.add_paragraph(f"{basis['article']}：{basis['zh']}")
        doc.add_paragraph(f"{basis['article_en']}: {basis['en']}")
    doc.add_paragraph(
        "本通知书由清欠平台根据全体参加企业确认的债务生成；抵销于全体接受后一并执行。"
        " Generated by Qingqian from the obligations every participant confirmed; the "
        "set-offs are applied together once every participant has accepted."
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
