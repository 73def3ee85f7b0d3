"""Litigation documents: fields from the case, text from a template an administrator can
edit, Word (python-docx, CJK fonts set for Word and LibreOffice) and PDF (WeasyPrint with
Noto CJK), drafts that stay editable, and final documents registered in the case log by the
SHA-256 of their PDF. The court-filing bundle zips the documents, the evidence files in the
evidence list's order and the verifiable evidence package.

Template text: Django template syntax; after rendering, each line is a paragraph, a line
starting with ``# `` is the title and one starting with ``## `` a heading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import cn2an
from django.db import transaction
from django.template import Context, Engine
from django.template.loader import render_to_string

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.calculators.court_fees import court_fee
from qingqian.calculators.interest import private_lending_interest, trade_receivable_rate
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, DebtType, PartyRole
from qingqian.cases.services import require, timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ApplicationError, Conflict, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.evidence.models import EvidenceItem
from qingqian.legaldata.selectors import calc_context
from qingqian.litigation.models import (
    AssetClue,
    DocumentKind,
    DocumentTemplate,
    LawyerProfile,
    LitigationDocument,
    Proceeding,
)
from qingqian.litigation.rules import ProceedingKind
from qingqian.parties.models import Party, PartyKind

_OPEN = {State.ACCEPTED, State.NEGOTIATION, State.PAYMENT_PLAN, State.MEDIATION}
#: The case states in which each document may be drawn up.
ALLOWED_STATES: dict[str, frozenset[State]] = {
    DocumentKind.DEMAND_LETTER: frozenset(_OPEN | {State.LITIGATION, State.ENFORCEMENT}),
    DocumentKind.COMPLAINT: frozenset(_OPEN | {State.LITIGATION}),
    DocumentKind.PAYMENT_ORDER_APPLICATION: frozenset(_OPEN | {State.LITIGATION}),
    DocumentKind.PRESERVATION_APPLICATION: frozenset(_OPEN | {State.LITIGATION, State.ENFORCEMENT}),
    DocumentKind.ENFORCEMENT_APPLICATION: frozenset({State.LITIGATION, State.ENFORCEMENT}),
    DocumentKind.EVIDENCE_LIST: frozenset(_OPEN | {State.LITIGATION, State.ENFORCEMENT}),
    DocumentKind.SERVICE_ADDRESS: frozenset(_OPEN | {State.LITIGATION, State.ENFORCEMENT}),
    DocumentKind.POWER_OF_ATTORNEY: frozenset(_OPEN | {State.LITIGATION, State.ENFORCEMENT}),
}

_ENGINE = Engine(autoescape=False)

#: How each debt type is named in a claim.
CLAIM_WORDS: dict[str, str] = {
    DebtType.TRADE: "货款",
    DebtType.CONSTRUCTION: "工程款",
    DebtType.PRIVATE_LOAN: "借款",
    DebtType.OTHER: "欠款",
}
#: The cause of action (案由) of each debt type.
CAUSES: dict[str, str] = {
    DebtType.TRADE: "买卖合同纠纷",
    DebtType.CONSTRUCTION: "建设工程施工合同纠纷",
    DebtType.PRIVATE_LOAN: "民间借贷纠纷",
    DebtType.OTHER: "合同纠纷",
}


class DocumentError(ValidationFailed):
    code = "document_invalid"


def parse_kind(kind: str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        choices = list(DocumentKind.values)
        raise DocumentError(
            f"未知的文书类型：{kind}（可选：{'、'.join(choices)}）",
            f"Unknown document kind: {kind} (choose one of: {', '.join(choices)})",
            code="unknown_kind",
            details={"kind": kind, "choices": choices},
        ) from None


def check_state(case: Case, kind: DocumentKind) -> None:
    if State(case.state) not in ALLOWED_STATES[kind]:
        raise DocumentError(
            f"案件当前状态（{case.get_state_display()}）不能制作{kind.label}",
            f"A {kind.value} document cannot be drawn up while the case is in state {case.state}",
            code="wrong_case_state",
            details={"state": case.state, "kind": kind.value},
        )


def _yuan(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _words(value: Decimal) -> str:
    return f"人民币{cn2an.an2cn(str(value.quantize(Decimal('0.01'))), 'rmb')}"


def _party(party: Party, actor: User | None) -> dict[str, str]:
    """A party's registered details. A person's ID number is given in clear only to a user
    allowed to see it (and that is audited); otherwise masked."""
    if party.kind == PartyKind.COMPANY:
        label, value = "统一社会信用代码", party.credit_code or "（未登记）"
    else:
        label = "公民身份号码"
        value = party.id_number_masked or "（未登记）"
        if actor is not None and actor.has_perm_code(Perm.PARTY_REVEAL) and party.id_number_enc:
            value = crypto.decrypt(party.id_number_enc)
            audit_record(
                actor=actor, organisation=party.organisation, action="party.reveal", obj=party,
                after={"field": "id_number", "purpose": "litigation_document"},
            )  # fmt: skip
    address = "".join(x for x in (party.city, party.district, party.address) if x)
    return {
        "name": party.name,
        "id_label": label,
        "id_value": value,
        "address": address or "（未登记）",
    }


def _interest(case: Case, as_of: dt.date) -> tuple[Decimal, str, str, list[str]]:
    """Interest to ``as_of`` within the legal cap: (amount, label, basis, rules)."""
    ctx = calc_context()
    outstanding = case.outstanding
    due = case.oldest_due_date or case.due_date
    formed = case.funds_transfer_date or case.contract_date
    if (
        case.debt_type == DebtType.PRIVATE_LOAN
        and case.interest_rate
        and formed is not None
        and formed < as_of
    ):
        result = private_lending_interest(
            outstanding, formed=formed, end=as_of, agreed_rate=case.interest_rate,
            rates=ctx.rates,
        )  # fmt: skip
        return (
            result["supported_interest"],
            "借期及逾期利息",
            f"约定年利率{case.interest_rate}%（不超过合同成立时一年期LPR的四倍）",
            [f"{r.document}{r.article}" for r in result.rules],
        )
    # trade-like debts: the late-payment loss on each unpaid invoice from its own due date
    # (LPR + 30%, the low end the courts support), or on the balance from the due date
    owed = [
        (inv.due_date, inv.outstanding)
        for inv in case.invoices.all()
        if inv.due_date is not None and inv.outstanding > 0 and inv.due_date < as_of
    ]
    if not owed and due is not None and due < as_of and not case.invoices.exists():
        owed = [(due, outstanding)]
    total = Decimal("0.00")
    rules: list[str] = []
    lpr = ""
    for day, amount in owed:
        result = trade_receivable_rate(day, amount=amount, days=(as_of - day).days, rates=ctx.rates)
        total += result["loss_low"]
        lpr = str(result["lpr"])
        rules = rules or [f"{r.document}{r.article}" for r in result.rules]
    basis = f"一年期LPR（{lpr}%）加计30%" if lpr else "一年期LPR加计30%"
    return total, "逾期付款损失", basis, rules


def _lawyer(actor: User | None, case: Case) -> tuple[dict[str, str], str]:
    profile = None
    if actor is not None:
        profile = LawyerProfile.objects.filter(user=actor).first()
    name = (actor.get_full_name() or actor.get_username()) if actor is not None else "（律师）"
    firm = (profile.firm if profile and profile.firm else "") or case.organisation.name
    practice = profile.practice_number if profile else "（未登记）"
    return {"name": name, "practice_number": practice}, firm


def _court(case: Case, debtors: list[Party]) -> str:
    latest = Proceeding.objects.filter(case=case).order_by("-pk").first()
    if latest is not None:
        return latest.court
    first = debtors[0] if debtors else None
    if first is not None and (first.city or first.district):
        return f"{first.city}{first.district}人民法院"
    return "（受诉人民法院）"


def _clues(case: Case, actor: User | None) -> list[dict[str, str]]:
    """Asset clues for an application: the number in clear only for the lawyer (audited)."""
    out = []
    lawyer = actor is not None and actor.has_perm_code(Perm.LITIGATION_WORK)
    for c in AssetClue.objects.filter(case=case):
        detail = c.detail_masked
        if lawyer and c.detail_enc:
            detail = crypto.decrypt(c.detail_enc)
            audit_record(
                actor=actor, organisation=case.organisation, action="asset_clue.reveal", obj=c,
                after={"purpose": "litigation_document"},
            )  # fmt: skip
        out.append(
            {
                "kind": str(c.get_kind_display()),
                "summary": c.summary,
                "detail": detail,
                "source": str(c.get_source_display()),
                "source_date": c.source_date.isoformat(),
            }
        )
    return out


PURPOSES = {
    "loan_contract": "证明双方之间的借款合同关系及还款义务",
    "iou": "证明借贷关系及借款金额",
    "transfer_record": "证明款项已实际交付",
    "invoice": "证明应付款项的金额",
    "delivery_note": "证明货物已交付",
    "reconciliation": "证明双方确认的欠款金额",
    "call_recording": "证明债务人认可欠款",
    "chat_record": "证明债务人认可欠款及催告事实",
    "identity_document": "证明当事人的主体资格",
}


def _evidence(case: Case) -> list[dict[str, str]]:
    out = []
    for item in EvidenceItem.objects.filter(case=case).order_by("pk"):
        latest = item.versions.select_related("file").order_by("-number").first()
        out.append(
            {
                "id": str(item.pk),
                "title": item.title or str(item.get_evidence_type_display()),
                "type": str(item.get_evidence_type_display()),
                "purpose": PURPOSES.get(item.evidence_type, "证明案件事实"),
                "source": item.original_location,
                "sha256": latest.file.sha256 if latest else "",
                "version": str(latest.number) if latest else "",
            }
        )
    return out


def document_fields(
    case: Case,
    kind: DocumentKind | str,
    *,
    as_of: dt.date,
    actor: User | None,
    lawyer: User | None = None,
) -> dict[str, Any]:
    """Everything a document of ``kind`` is filled from (JSON-friendly: money as strings)."""
    kind = parse_kind(str(kind))
    check_state(case, kind)
    parties = list(case.case_parties.select_related("party").order_by("pk"))
    debtors = [cp.party for cp in parties if cp.role == PartyRole.DEBTOR]
    creditor = case.creditor
    principal = case.outstanding
    interest, interest_label, basis, rules = _interest(case, as_of)
    total = principal + interest
    fee = court_fee(total, kind="property")["fee"]
    order_fee = court_fee(total, kind="payment-order")["fee"]
    preservation_fee = court_fee(total, kind="preservation")["fee"]
    signer, firm = _lawyer(lawyer or actor, case)
    judgment = (
        Proceeding.objects.filter(case=case, effective_on__isnull=False)
        .exclude(kind=ProceedingKind.ENFORCEMENT)
        .order_by("-effective_on", "-pk")
        .first()
    )
    judgment_total = total
    judgment_fields: dict[str, str] = {}
    if judgment is not None:
        awarded = [
            judgment.awarded_principal,
            judgment.awarded_interest,
            judgment.awarded_costs,
            judgment.awarded_fees,
        ]
        if any(a is not None for a in awarded):
            judgment_total = sum((a or Decimal(0) for a in awarded), Decimal("0.00"))
        judgment_fields = {
            "court": judgment.court,
            "case_number": judgment.case_number,
            "effective_on": judgment.effective_on.isoformat() if judgment.effective_on else "",
            "pay_by": judgment.pay_by.isoformat() if judgment.pay_by else "",
        }
    elif kind == DocumentKind.ENFORCEMENT_APPLICATION:
        raise DocumentError(
            "尚无生效的判决、裁定或支付令，不能申请强制执行。",
            "No effective judgment, ruling or payment order to enforce yet.",
            code="no_effective_judgment",
        )
    enforcement_fee = court_fee(judgment_total, kind="enforcement")["fee"]
    return {
        "kind": kind.value,
        "title": str(kind.label),
        "case": {"reference": case.reference},
        "date": f"{as_of.year}年{as_of.month}月{as_of.day}日",
        "as_of": as_of.isoformat(),
        "year": str(as_of.year),
        "creditor": _party(creditor, actor),
        "debtors": [_party(d, actor) for d in debtors],
        "debt_type": CLAIM_WORDS.get(case.debt_type, "欠款"),
        "cause": CAUSES.get(case.debt_type, "合同纠纷"),
        "principal": _yuan(principal),
        "principal_words": _words(principal),
        "interest": _yuan(interest),
        "interest_label": interest_label,
        "interest_basis": basis,
        "interest_sentence": (
            f"另{interest_label}暂计至{as_of.isoformat()}为人民币{_yuan(interest)}元。"
            if interest
            else ""
        ),
        "interest_rules": rules,
        "claim_total": _yuan(total),
        "claim_total_words": _words(total),
        "court_fee": _yuan(fee if kind != DocumentKind.PAYMENT_ORDER_APPLICATION else order_fee),
        "preservation_fee": _yuan(preservation_fee),
        "enforcement_fee": _yuan(enforcement_fee),
        "judgment": judgment_fields,
        "judgment_total": _yuan(judgment_total),
        "facts": case.summary.strip()
        or f"被告尚欠原告{CLAIM_WORDS.get(case.debt_type, '欠款')}，经多次催告仍未清偿。",
        "invoices": [
            {
                "number": inv.number,
                "amount": _yuan(inv.amount),
                "due": inv.due_date.isoformat() if inv.due_date else "—",
                "outstanding": _yuan(inv.outstanding),
            }
            for inv in case.invoices.filter(outstanding__gt=0).order_by("due_date", "pk")
        ],
        "evidence": _evidence(case),
        "clues": _clues(case, actor)
        if kind in (DocumentKind.PRESERVATION_APPLICATION, DocumentKind.ENFORCEMENT_APPLICATION)
        else [],
        "lawyer": signer,
        "firm": firm,
        "court": _court(case, debtors),
    }


def template_text(kind: DocumentKind) -> str:
    row = DocumentTemplate.objects.filter(kind=kind.value).first()
    if row is not None:
        return row.body
    return (
        resources.files("qingqian.litigation")
        .joinpath("document_templates", f"{kind.value}.txt")
        .read_text("utf-8")
    )


def render_text(kind: DocumentKind, fields: dict[str, Any]) -> str:
    try:
        text = _ENGINE.from_string(template_text(kind)).render(Context(fields))
    except Exception as exc:  # a broken administrator template
        raise DocumentError(
            f"文书模板有误：{exc}", f"The document template is broken: {exc}",
            code="template_broken",
        ) from None  # fmt: skip
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip())


@dataclass(frozen=True)
class Block:
    style: str  # title | heading | para
    text: str


def blocks(text: str) -> list[Block]:
    out = []
    for line in text.splitlines():
        if line.startswith("# "):
            out.append(Block("title", line[2:].strip()))
        elif line.startswith("## "):
            out.append(Block("heading", line[3:].strip()))
        elif line.strip():
            out.append(Block("para", line.strip()))
    return out


_BODY_FONT = "宋体"
_HEAD_FONT = "黑体"


def _set_fonts(run: Any, east_asia: str) -> None:
    from docx.oxml.ns import qn

    run.font.name = "Times New Roman"
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)


def to_docx(text: str, *, title: str, as_of: dt.date) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _BODY_FONT)
    props = doc.core_properties
    props.title = title
    props.author = "Qingqian"
    stamp = dt.datetime.combine(as_of, dt.time())
    props.created = props.modified = stamp
    for block in blocks(text):
        para = doc.add_paragraph()
        run = para.add_run(block.text)
        if block.style == "title":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(18)
            _set_fonts(run, _HEAD_FONT)
        elif block.style == "heading":
            run.bold = True
            _set_fonts(run, _HEAD_FONT)
        else:
            para.paragraph_format.first_line_indent = Pt(24)
            _set_fonts(run, _BODY_FONT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_pdf(text: str, *, title: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "litigation/document_pdf.html", {"title": title, "blocks": blocks(text)}
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@dataclass(frozen=True)
class Rendered:
    kind: DocumentKind
    text: str
    fields: dict[str, Any]


def document_render(
    *, case: Case, kind: str, as_of: dt.date, actor: User | None, lawyer: User | None = None
) -> Rendered:
    """Fill the template from the case (nothing is written but the audit rows of any
    personal data shown). ``lawyer`` signs (default: ``actor``)."""
    parsed = parse_kind(kind)
    fields = document_fields(case, parsed, as_of=as_of, actor=actor, lawyer=lawyer)
    return Rendered(parsed, render_text(parsed, fields), fields)


def _require(actor: User | None) -> None:
    require(actor, Perm.LITIGATION_WORK)


@in_record_language
@transaction.atomic
def document_draft(*, case: Case, kind: str, actor: User) -> LitigationDocument:
    _require(actor)
    rendered = document_render(case=case, kind=kind, as_of=clock.today(), actor=actor)
    doc = LitigationDocument.objects.create(
        case=case, kind=rendered.kind.value, text=rendered.text,
        fields=json.loads(json.dumps(rendered.fields)), created_by=actor,
    )  # fmt: skip
    timeline_add(case=case, actor=actor, kind="document_drafted", note=str(rendered.kind.label))
    audit_record(
        actor=actor, organisation=case.organisation, action="document.draft", obj=doc,
        after={"kind": doc.kind},
    )  # fmt: skip
    return doc


@transaction.atomic
def document_edit(*, document: LitigationDocument, actor: User, text: str) -> LitigationDocument:
    _require(actor)
    doc = LitigationDocument.objects.select_for_update().get(pk=document.pk)
    if doc.final:
        raise Conflict(
            "定稿文书不能再修改。", "A final document cannot be edited.", code="document_final"
        )
    if not text.strip():
        raise DocumentError("正文不能为空。", "The text must not be empty.", code="text_empty")
    before = hashlib.sha256(doc.text.encode()).hexdigest()
    doc.text = text.replace("\r\n", "\n").strip()
    doc.save(update_fields=["text"])
    audit_record(
        actor=actor, organisation=doc.case.organisation, action="document.edit", obj=doc,
        before={"text_sha256": before},
        after={"text_sha256": hashlib.sha256(doc.text.encode()).hexdigest()},
    )  # fmt: skip
    return doc


@in_record_language
@transaction.atomic
def document_finalise(*, document: LitigationDocument, actor: User) -> LitigationDocument:
    """Freeze the text, render the PDF and register its SHA-256 in the case log."""
    _require(actor)
    doc = LitigationDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
    if doc.final:
        raise Conflict("文书已定稿。", "The document is already final.", code="document_final")
    pdf = to_pdf(doc.text, title=doc.get_kind_display())
    doc.sha256 = hashlib.sha256(pdf).hexdigest()
    doc.final = True
    doc.finalised_at = clock.now()
    doc.save(update_fields=["sha256", "final", "finalised_at"])
    timeline_add(
        case=doc.case, actor=actor, kind="document_final",
        note=f"{doc.get_kind_display()} 定稿 PDF SHA-256 {doc.sha256}",
    )  # fmt: skip
    audit_record(
        actor=actor, organisation=doc.case.organisation, action="document.finalise", obj=doc,
        after={"kind": doc.kind, "sha256": doc.sha256},
    )  # fmt: skip
    return doc


def document_file(doc: LitigationDocument, fmt: str) -> bytes:
    title = str(doc.get_kind_display())
    if fmt == "docx":
        return to_docx(doc.text, title=title, as_of=doc.created_at.date())
    return to_pdf(doc.text, title=title)


def bundle_build(*, case: Case, actor: User) -> bytes:
    """The court-filing bundle: final documents (PDF and Word), the evidence files in the
    evidence list's order, and the verifiable evidence package."""
    from qingqian.evidence.package import package_build
    from qingqian.evidence.services import evidence_version_download

    _require(actor)
    finals = list(LitigationDocument.objects.filter(case=case, final=True).order_by("pk"))
    if not finals:
        raise DocumentError(
            "还没有定稿文书，无法生成立案材料包。",
            "There is no final document to bundle yet.",
            code="no_final_document",
        )
    out = io.BytesIO()
    manifest: list[dict[str, str]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, doc in enumerate(finals, 1):
            stem = f"01-文书/{n:02d}-{doc.get_kind_display()}"
            pdf = to_pdf(doc.text, title=str(doc.get_kind_display()))
            zf.writestr(f"{stem}.pdf", pdf)
            zf.writestr(f"{stem}.docx", document_file(doc, "docx"))
            manifest.append({"file": f"{stem}.pdf", "sha256": hashlib.sha256(pdf).hexdigest()})
        for n, item in enumerate(_evidence(case), 1):
            if not item["version"]:
                continue
            try:
                version, raw = evidence_version_download(
                    user=actor, case_id=case.pk, item_id=int(item["id"]),
                    number=int(item["version"]),
                )  # fmt: skip
            except ApplicationError:
                continue
            ext = version.file.content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
            name = f"02-证据/{n:02d}-{item['title']}.{ext}"
            zf.writestr(name, raw)
            manifest.append({"file": name, "sha256": hashlib.sha256(raw).hexdigest()})
        zf.writestr("03-证据包/evidence-package.zip", package_build(user=actor, case_id=case.pk))
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    audit_record(
        actor=actor, organisation=case.organisation, action="document.bundle", obj=case,
        after={"files": len(manifest)},
    )  # fmt: skip
    return out.getvalue()
