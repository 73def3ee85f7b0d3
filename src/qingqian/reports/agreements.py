"""The fee agreement (风险代理协议 / 委托协议): drafted from the case and the organisation's fee
schedule, rendered as Word and PDF, signed by the creditor with a typed name and a one-time
code sent to their e-mail.

* Drafting checks the schedule against the rules binding the organisation's type for this
  case's debt type (``fee_rules.check_agreement``): above the cap, or a contingency fee on a
  forbidden case type (wages, marriage, …), is refused with the rule cited.
* The terms are canonical JSON (sorted keys, no spaces) and their SHA-256 is stored; the
  documents are rendered from the stored terms only, so what is signed is what was hashed.
* Signing writes the signed PDF, its SHA-256 into the case timeline (and so the ledger) and
  an audit row, in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation

from qingqian.accounts.models import User
from qingqian.accounts.otp import otp_issue, otp_verify, typed_name_clean
from qingqian.accounts.roles import Perm, Role
from qingqian.audit.services import audit_record
from qingqian.calculators.fees import FORBIDDEN_CASE_TYPES
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from qingqian.common.language import in_record_language
from qingqian.evidence.services import document_register
from qingqian.fees.models import Agreement, AgreementState
from qingqian.fees.rules import (
    RULE_NO_DEBTOR_FEE,
    OrgType,
    applicable_rules,
    check_agreement,
    price_disclosure,
)
from qingqian.fees.selectors import default_schedule, organisation_type
from qingqian.strategy.services import strategy_start

OTP_PURPOSE = "agreement.sign"

KIND_TITLES = {
    "contingency": ("风险代理协议", "Contingency fee agreement"),
    "entrustment": ("委托协议", "Engagement agreement"),
}

CONTINGENCY_NOTICE = (
    "风险代理是指律师事务所按照约定，在案件取得约定结果时按实际回收金额收取律师费，"
    "未取得约定结果时不收取或少收取律师费的收费方式。婚姻继承、劳动报酬、社会保险待遇、"
    "赡养费/抚养费、工伤赔偿、刑事、行政、国家赔偿及群体性诉讼案件不得实行风险代理。"
    "风险代理收费（含各阶段）最高不超过法定分段上限（18%/15%/12%/9%/6%）。"
    "委托人理解：追偿结果存在不确定性，可能无法全部或部分收回。"
)
CONTINGENCY_NOTICE_EN = (
    "A contingency fee is paid only on the agreed result, as a share of what is actually "
    "recovered; nothing or less is paid otherwise. Contingency fees are forbidden in marriage "
    "and inheritance, wage, social-insurance, maintenance, work-injury, criminal, "
    "administrative, state-compensation and group cases. The total fee over all stages may not "
    "exceed the statutory tiered caps (18/15/12/9/6 %). The client understands that recovery "
    "is uncertain and may fail in whole or in part."
)


def canonical(terms: dict[str, Any]) -> bytes:
    return json.dumps(terms, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def terms_digest(terms: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(terms)).hexdigest()


def _can_draft(user: User) -> bool:
    return user.has_perm_code(Perm.AGREEMENT_DRAFT) and user.organisation_id is not None


def _require_staff(actor: User, case: Case) -> None:
    if not _can_draft(actor) or actor.organisation_id != case.organisation_id:
        raise PermissionDenied(
            "只有本机构的律师或管理员可以起草或发送协议。",
            "Only a lawyer or administrator of the organisation may draft or send an agreement.",
            code="agreement_forbidden",
        )


def _require_creditor(actor: User, agreement: Agreement) -> None:
    if actor.role != Role.CREDITOR or actor.creditor_id != agreement.case.creditor_id:
        raise PermissionDenied(
            "只有该案的债权人本人可以签署协议。",
            "Only the case's creditor may sign the agreement.",
            code="agreement_sign_forbidden",
        )


def agreement_terms(case: Case, *, version: int) -> tuple[dict[str, Any], str]:
    """The terms of a new agreement for ``case`` and the schedule key, after the fee-rule
    checks for the organisation's type and the case's debt type (``FeeError`` if refused)."""
    today = clock.today()
    org_type = organisation_type(case.organisation)
    choice = default_schedule(org_type, today)
    pricing = choice.pricing
    if pricing is None:
        raise ValidationFailed(
            "本机构类型没有公布的收费标准，无法起草协议。",
            "No published fee schedule for this organisation type; cannot draft an agreement.",
            code="no_fee_schedule",
            details={"organisation_type": org_type},
        )
    check_agreement(
        pricing.agreement,
        organisation_type=org_type,
        # Qingqian's debt types (trade, construction, loans, other) are civil money claims;
        # a forbidden type would only reach here through a schedule keyed by it.
        case_type=case.debt_type if case.debt_type in FORBIDDEN_CASE_TYPES else "civil",
        covers_litigation=pricing.covers_litigation,
    )
    public = price_disclosure([pricing], on=max(today, pricing.valid_from))["schedules"][0]
    kind = "contingency" if org_type == OrgType.LAW_FIRM else "entrustment"
    title_zh, title_en = KIND_TITLES[kind]
    rules = [r.to_dict() for r in applicable_rules(OrgType(org_type), signed=today)]
    terms: dict[str, Any] = {
        "title_zh": title_zh,
        "title_en": title_en,
        "kind": kind,
        "version": version,
        "drafted_on": today.isoformat(),
        "case_reference": case.reference,
        "provider": case.organisation.name,
        "organisation_type": org_type,
        "creditor": case.creditor.name,
        "debtor": case.debtor_name,
        "debt_type": case.debt_type,
        "principal": str(case.principal),
        "outstanding": str(case.outstanding),
        # The size of the debt at acceptance: a by-claim schedule's band is chosen by it.
        "claim_amount": str(case.outstanding),
        "currency": case.currency,
        "schedule": public,
        "prepayment": public["prepayment"],
        "zero_prepayment": public["prepayment"] == "0.00",
        "court_costs_borne_by": public["court_costs_borne_by"],
        "fees_charged_to": "creditor",
        "no_debtor_fee": {"zh": RULE_NO_DEBTOR_FEE.zh, "en": RULE_NO_DEBTOR_FEE.en},
        "rules": rules,
        "notice": {"zh": CONTINGENCY_NOTICE, "en": CONTINGENCY_NOTICE_EN}
        if kind == "contingency"
        else None,
        "client_may_settle": True,
    }
    return terms, pricing.key


@in_record_language
@transaction.atomic
def agreement_draft(*, case: Case, actor: User) -> Agreement:
    """Draft the next version for an accepted case (refused above the cap or on a forbidden
    case type, with the rule cited)."""
    _require_staff(actor, case)
    locked = (
        Case.objects.select_for_update().select_related("organisation", "creditor").get(pk=case.pk)
    )
    if locked.state != State.ACCEPTED:
        raise Conflict(
            "案件尚未接案（律师审查通过）前不能起草协议。",
            "The case must be accepted by a lawyer before an agreement is drafted.",
            code="agreement_case_not_accepted",
            details={"state": locked.state},
        )
    if Agreement.objects.filter(case=locked, state=AgreementState.SIGNED).exists():
        raise Conflict(
            "本案协议已签署。", "The case's agreement is already signed.", code="agreement_signed"
        )
    version = (Agreement.objects.filter(case=locked).aggregate(v=Max("version"))["v"] or 0) + 1
    terms, key = agreement_terms(locked, version=version)
    row = Agreement.objects.create(
        case=locked,
        version=version,
        kind=terms["kind"],
        schedule_key=key,
        schedule_snapshot=terms["schedule"],
        terms=terms,
        terms_sha256=terms_digest(terms),
        created_at=clock.now(),
        created_by=actor,
    )
    timeline_add(
        case=locked,
        actor=actor,
        kind="agreement_drafted",
        note=f"{terms['title_zh']} 第 {version} 版 SHA-256 {row.terms_sha256}",
    )
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="agreement.draft",
        obj=row,
        after={"version": version, "schedule": key, "terms_sha256": row.terms_sha256},
    )
    return row


@in_record_language
@transaction.atomic
def agreement_send(*, agreement: Agreement, actor: User) -> Agreement:
    locked = Agreement.objects.select_for_update().select_related("case").get(pk=agreement.pk)
    _require_staff(actor, locked.case)
    if locked.state != AgreementState.DRAFT:
        raise Conflict("只能发送草稿。", "Only a draft can be sent.", code="agreement_not_draft")
    # Older unsigned versions are superseded: only the newest can be signed.
    latest = Agreement.objects.filter(case=locked.case).aggregate(v=Max("version"))["v"]
    if locked.version != latest:
        raise Conflict(
            "只能发送最新一版协议。",
            "Only the latest version can be sent.",
            code="agreement_not_latest",
        )
    locked.state = AgreementState.SENT
    locked.sent_at = clock.now()
    locked.save(update_fields=["state", "sent_at"])
    timeline_add(
        case=locked.case,
        actor=actor,
        kind="agreement_sent",
        note=f"第 {locked.version} 版送债权人签署",
    )
    audit_record(
        actor=actor,
        organisation=locked.case.organisation,
        action="agreement.send",
        obj=locked,
        after={"version": locked.version},
    )
    return locked


def _otp_subject(agreement: Agreement) -> str:
    return f"agreement:{agreement.pk}:{agreement.terms_sha256[:16]}"


def _code_text(code: str, agreement: Agreement) -> tuple[str, str]:
    firm = agreement.case.organisation.name
    return (
        f"清欠：签署{agreement.terms['title_zh']}的验证码",
        f"【{firm}】您正在签署案件 {agreement.case.reference} 的{agreement.terms['title_zh']}"
        f"（第 {agreement.version} 版）。验证码：{code}，10 分钟内有效。"
        "如非本人操作，请忽略。\n"
        f"Your code to sign agreement v{agreement.version} of case "
        f"{agreement.case.reference}: {code} (valid 10 minutes).",
    )


def agreement_code_request(
    *, agreement: Agreement, actor: User, point_id: int | None = None
) -> None:
    """Send a one-time signing code to one of the creditor user's verified addresses (an
    e-mail or a mobile they added and verified, ``creditors.services``), or, when none is
    chosen, to the account's e-mail set by the administrator."""
    from qingqian.contact.channels.base import send_transactional
    from qingqian.creditors.services import code_send_to_point

    agreement = Agreement.objects.select_related("case__organisation").get(pk=agreement.pk)
    _require_creditor(actor, agreement)
    if agreement.state != AgreementState.SENT:
        raise Conflict(
            "该协议当前不可签署。",
            "This agreement is not open for signing.",
            code="agreement_not_sent",
            details={"state": agreement.state},
        )
    deliver: Callable[[str], None]
    if point_id is not None:
        deliver = code_send_to_point(
            user=actor, point_id=point_id, text=lambda code: _code_text(code, agreement)
        )
    elif actor.email:
        email = actor.email

        def _to_account_email(code: str) -> None:
            subject, body = _code_text(code, agreement)
            send_transactional("email", email, subject, body)

        deliver = _to_account_email
    else:
        raise ValidationFailed(
            "您还没有可接收验证码的电子邮箱或手机号：请先添加并验证一个。",
            "You have no e-mail address or mobile to receive the code: add and verify one.",
            code="no_verified_email",
        )
    otp_issue(purpose=OTP_PURPOSE, subject=_otp_subject(agreement), deliver=deliver)


def _check_signable(agreement: Agreement) -> None:
    if agreement.state != AgreementState.SENT:
        raise Conflict(
            "该协议当前不可签署。",
            "This agreement is not open for signing.",
            code="agreement_not_sent",
            details={"state": agreement.state},
        )
    if terms_digest(agreement.terms) != agreement.terms_sha256:
        raise Conflict(
            "协议条款与其摘要不符，拒绝签署。",
            "The terms do not match their digest; refusing to sign.",
            code="agreement_tampered",
        )


@in_record_language
def agreement_sign(*, agreement: Agreement, actor: User, typed_name: str, code: str) -> Agreement:
    """The creditor signs: typed name + the one-time code. Writes the signed PDF, its SHA-256
    to the case timeline (and ledger) and an audit row, in one transaction.

    The code is checked first in its own transaction, so a wrong try is counted even though
    nothing is signed."""
    current = Agreement.objects.select_related("case").get(pk=agreement.pk)
    _require_creditor(actor, current)
    _check_signable(current)
    name = typed_name_clean(typed_name)
    otp_verify(purpose=OTP_PURPOSE, subject=_otp_subject(current), code=code)
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().select_related("case").get(pk=current.pk)
        _check_signable(locked)
        locked.state = AgreementState.SIGNED
        locked.signed_at = clock.now()
        locked.signed_by = actor
        locked.signed_name = name
        pdf = agreement_pdf(locked)
        locked.signed_pdf = pdf
        locked.signed_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.save(
            update_fields=[
                "state",
                "signed_at",
                "signed_by",
                "signed_name",
                "signed_pdf",
                "signed_sha256",
            ]
        )
        document_register(
            case=locked.case,
            kind="fee_agreement",
            data=pdf,
            title=f"{locked.terms['title_zh']} 第 {locked.version} 版",
            signed_at=locked.signed_at,
            actor=actor,
        )
        timeline_add(
            case=locked.case,
            actor=actor,
            kind="agreement_signed",
            note=(
                f"{locked.terms['title_zh']} 第 {locked.version} 版由 {name} 签署；"
                f"签署文件 SHA-256 {locked.signed_sha256}；条款 SHA-256 {locked.terms_sha256}"
            ),
        )
        audit_record(
            actor=actor,
            organisation=locked.case.organisation,
            action="agreement.sign",
            obj=locked,
            after={
                "version": locked.version,
                "signed_name": name,
                "signed_sha256": locked.signed_sha256,
                "terms_sha256": locked.terms_sha256,
            },
        )
        # Zero prepayment, paid on results: work starts as soon as the client has signed. A
        # strategy problem (say, a broken playbook) must not undo the signature: it is logged.
        try:
            with transaction.atomic():
                strategy_start(case=locked.case, actor=None)
        except ApplicationError as exc:
            timeline_add(case=locked.case, actor=None, kind="strategy_none", note=exc.message_zh)
    return locked


# --- documents ------------------------------------------------------------------------------


_DEBT_TYPE_NAMES = {
    "trade": ("企业商账", "trade debt"),
    "construction": ("工程欠款", "construction debt"),
    "private_loan": ("个人借贷", "private loan"),
    "other": ("其他", "other debt"),
}


def _debt_type_name(code: str, *, en: bool) -> str:
    names = _DEBT_TYPE_NAMES.get(code)
    return (names[1] if en else names[0]) if names else code


def _grouped(amount: object) -> str:
    """``"1000000.00"`` → ``"1,000,000.00"`` (the terms store amounts as strings)."""
    return f"{Decimal(str(amount)):,.2f}"


def _yuan(value: Any) -> str:
    """¥1,234,567.89 (h19b: money on the agreement as everywhere else)."""
    return f"¥{Decimal(str(value)):,.2f}"


def _band_lines(terms: dict[str, Any], *, en: bool) -> list[str]:
    lines = []
    for schedule in terms["schedule"]["schedules"]:
        head = (
            _debt_type_name(schedule["debt_type"], en=en)
            if schedule["debt_type"]
            else ("all debt types" if en else "全部债务类型")
        )
        mode = schedule["mode_en"] if en else schedule["mode_zh"]
        bands = "; ".join(
            f"{_yuan(b['above'])}–{_yuan(b['up_to']) if b['up_to'] else '∞'}: "
            f"{Decimal(str(b['rate_percent'])).normalize():f}%"
            for b in schedule["bands"]
        )
        lines.append(f"{head} ({mode}): {bands}")
    return lines


def agreement_view(agreement: Agreement, *, en: bool = False) -> dict[str, Any]:
    terms = agreement.terms
    return {
        "agreement": agreement,
        "terms": terms,
        "title": terms["title_en"] if en else terms["title_zh"],
        "bands": _band_lines(terms, en=en),
        "en": en,
    }


def agreement_html(agreement: Agreement, *, en: bool = False) -> str:
    with translation.override("en" if en else "zh-hans"):
        return render_to_string("agreements/pdf.html", agreement_view(agreement, en=en))


def agreement_pdf(agreement: Agreement, *, en: bool = False) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    pdf: bytes = HTML(string=agreement_html(agreement, en=en)).write_pdf()
    return pdf


def agreement_docx(agreement: Agreement) -> bytes:
    """The agreement as a Word document, from the stored terms only."""
    import datetime as dt

    from docx import Document

    terms = agreement.terms
    doc = Document()
    props = doc.core_properties
    props.title = f"{terms['title_zh']} {terms['case_reference']} v{agreement.version}"
    props.author = terms["provider"]
    props.created = props.modified = dt.datetime.fromisoformat(terms["drafted_on"])
    doc.add_heading(terms["title_zh"], level=0)
    doc.add_paragraph(f"案号：{terms['case_reference']}　版本：第 {agreement.version} 版")
    doc.add_paragraph(f"委托人（债权人）：{terms['creditor']}")
    doc.add_paragraph(f"受托人：{terms['provider']}")
    doc.add_paragraph(f"债务人：{terms['debtor']}")
    doc.add_paragraph(
        f"委托事项：追收欠款本金 {terms['principal']} 元，未收余额 {terms['outstanding']} 元。"
    )
    doc.add_heading("一、收费", level=1)
    doc.add_paragraph(f"收费标准：{terms['schedule']['name_zh']}（{terms['schedule']['key']}）")
    for line in _band_lines(terms, en=False):
        doc.add_paragraph(line, style="List Bullet")
    forms = "、".join(f["zh"] for f in terms["schedule"]["recovered_counts"])
    doc.add_paragraph(f"计费的回收形式：{forms}。")
    if terms["zero_prepayment"]:
        doc.add_paragraph("零预付：委托人无需预付任何费用，按实际回收收费。")
    else:
        doc.add_paragraph(f"预付费用：{terms['prepayment']} 元。")
    doc.add_paragraph(terms["no_debtor_fee"]["zh"] + "。")
    doc.add_paragraph("委托人有权自行与债务人和解或撤回委托；和解不视为全额回收。")
    if terms["notice"]:
        doc.add_heading("二、风险代理告知", level=1)
        doc.add_paragraph(terms["notice"]["zh"])
    doc.add_heading("适用规则", level=1)
    for rule in terms["rules"]:
        doc.add_paragraph(f"{rule.get('zh', '')}", style="List Bullet")
    doc.add_paragraph(f"条款摘要（SHA-256）：{agreement.terms_sha256}")
    if agreement.state == AgreementState.SIGNED:
        doc.add_paragraph(
            f"签署：{agreement.signed_name}，{agreement.signed_at:%Y-%m-%d %H:%M} "
            "（一次性验证码确认）"
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
