"""The mediation documents: the 调解协议书 (terms as canonical JSON, their element check, Word
and PDF) and the 司法确认申请书, plus the short texts the timeline shows.

Elements (人民调解法第二十九条 and the 商事调解条例's agreement provisions): the parties, the
main facts and what was disputed, the agreed terms with how, where and by when they are
performed; signed by the parties and the mediator, with the organisation's seal. Judicial
confirmation: 人民调解法第三十三条 (jointly, within 30 days of the agreement taking effect)
and 民事诉讼法 (2023) 第二百零五条、第二百零六条 (the special procedure); no court fee
(《诉讼费用交纳办法》). Article numbers are graded B in ``docs/mediation.md`` until checked
against the official texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qingqian.mediation.models import Mediation, MediationAgreement, Proposal

AGREEMENT_BASIS = "《中华人民共和国人民调解法》第二十八条、第二十九条；《商事调解条例》"
CONFIRMATION_BASIS = (
    "《中华人民共和国人民调解法》第三十三条；《中华人民共和国民事诉讼法》（2023年修正）"
    "第二百零五条、第二百零六条"
)

#: (key path, 中文, English) of every element the agreement must carry.
ELEMENTS: tuple[tuple[str, str, str], ...] = (
    ("creditor.name", "债权人（当事人）", "the creditor (a party)"),
    ("debtor.name", "债务人（当事人）", "the debtor (a party)"),
    ("facts", "纠纷的主要事实", "the main facts"),
    ("disputed", "争议事项", "what was disputed"),
    ("amount", "协议金额", "the agreed amount"),
    ("method", "履行方式", "how it is performed"),
    ("place", "履行地点", "where it is performed"),
    ("deadline", "履行期限", "by when it is performed"),
    ("mediator.name", "调解员", "the mediator"),
    ("organisation.name", "调解组织", "the mediation organisation"),
    ("seal", "调解组织印章", "the organisation's seal"),
)


def _yuan(value: Decimal | str) -> str:
    return f"{Decimal(value):,.2f}"


def proposal_text(p: Proposal) -> str:
    if p.months:
        return f"{_yuan(p.amount)} 元，自 {p.start} 起分 {p.months} 期，每月 {p.day} 日前支付"
    return f"{_yuan(p.amount)} 元，于 {p.pay_by.isoformat() if p.pay_by else '—'} 前一次付清"


def mediation_record(m: Mediation) -> str:
    """The record handed over when mediation fails: sessions, proposals, reason."""
    lines = [f"调解不成。原因：{m.failure_reason}"]
    for s in m.sessions.all():
        lines.append(f"调解会 {s.at:%Y-%m-%d %H:%M} {s.get_mode_display()} {s.place}")
    for p in m.proposals.all():
        lines.append(f"{p.get_side_display()}方案（{p.get_state_display()}）：{proposal_text(p)}")
    return "\n".join(lines)


def _get(terms: dict[str, Any], path: str) -> Any:
    value: Any = terms
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def missing_elements(terms: dict[str, Any]) -> list[tuple[str, str]]:
    """The elements absent from ``terms`` as (中文, English)."""
    return [(zh, en) for path, zh, en in ELEMENTS if not _get(terms, path)]


def canonical(terms: dict[str, Any]) -> bytes:
    return json.dumps(terms, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(terms: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(terms)).hexdigest()


def agreement_terms(
    m: Mediation,
    accepted: Proposal,
    *,
    facts: str,
    disputed: str,
    method: str,
    place: str,
    seal: bool,
    drafted_on: dt.date,
) -> dict[str, Any]:
    from qingqian.mediation.selectors import debtor_of
    from qingqian.negotiation.services import plan_schedule

    case = m.case
    debtor = debtor_of(case)
    licence = getattr(case.organisation, "mediation_licence", None)
    installments: list[dict[str, str]] = []
    if accepted.months:
        schedule = plan_schedule(
            kind="equal", total=accepted.amount, months=accepted.months, start=accepted.start
        )
        installments = [
            {"number": str(i.number), "due": i.due.isoformat(), "amount": str(i.amount)}
            for i in schedule.installments
        ]
        deadline = installments[-1]["due"] if installments else ""
    else:
        deadline = accepted.pay_by.isoformat() if accepted.pay_by else ""
    mediator = m.mediator
    return {
        "title": "调解协议书",
        "case_reference": case.reference,
        "organisation": {
            "name": case.organisation.name,
            "licence": licence.number if licence else "",
        },
        "creditor": {"name": case.creditor.name, "id": case.creditor.identifier_masked},
        "debtor": {"name": debtor.name, "id": debtor.identifier_masked},
        "mediator": {
            "name": mediator.name if mediator else "",
            "kind": mediator.get_kind_display() if mediator else "",
        },
        "facts": facts,
        "disputed": disputed,
        "amount": str(accepted.amount),
        "installments": installments,
        "method": method,
        "place": place,
        "deadline": deadline,
        "seal": bool(seal),
        "basis": AGREEMENT_BASIS,
        "drafted_on": drafted_on.isoformat(),
    }


def agreement_text(a: MediationAgreement) -> str:
    t = a.terms
    lines = [
        f"# {t['title']}",
        f"案件编号：{t['case_reference']}",
        f"调解组织：{t['organisation']['name']}"
        + (f"（登记编号 {t['organisation']['licence']}）" if t["organisation"]["licence"] else ""),
        "## 一、当事人",
        f"申请人（债权人）：{t['creditor']['name']}　{t['creditor']['id']}",
        f"被申请人（债务人）：{t['debtor']['name']}　{t['debtor']['id']}",
        f"调解员：{t['mediator']['name']}（{t['mediator']['kind']}）",
        "## 二、纠纷的主要事实",
        t["facts"],
        "## 三、争议事项",
        t["disputed"],
        "## 四、协议内容",
        f"被申请人向申请人支付人民币 {_yuan(t['amount'])} 元。",
    ]
    if t["installments"]:
        lines.append(f"分 {len(t['installments'])} 期支付：")
        lines += [
            f"第 {i['number']} 期：{i['due']} 前支付 {_yuan(i['amount'])} 元"
            for i in t["installments"]
        ]
        lines.append("任何一期逾期超过 10 日未付，剩余款项视为全部到期。")
    lines += [
        f"履行方式：{t['method']}",
        f"履行地点：{t['place']}",
        f"履行期限：{t['deadline']} 前履行完毕。",
        "## 五、其他",
        "本协议自双方当事人签名、调解员签名并加盖调解组织印章之日起生效。"
        "双方可自本协议生效之日起三十日内共同向人民法院申请司法确认；司法确认不收取诉讼费用。",
        f"依据：{t['basis']}",
        f"条款摘要（SHA-256）：{a.terms_sha256}",
        "## 签署",
    ]
    for label, name, at in (
        ("申请人（债权人）", a.creditor_name, a.creditor_signed_at),
        ("被申请人（债务人）", a.debtor_name, a.debtor_signed_at),
        ("调解员", a.mediator_name, a.mediator_signed_at),
    ):
        signed = f"{name}（{at:%Y-%m-%d %H:%M}，验证码/登录确认）" if at else "（待签署）"
        lines.append(f"{label}：{signed}")
    lines.append(f"调解组织（印章）：{t['organisation']['name']}" if t["seal"] else "")
    return "\n".join(line for line in lines if line is not None)


def agreement_pdf(a: MediationAgreement) -> bytes:
    from qingqian.litigation.documents import to_pdf

    return to_pdf(agreement_text(a), title="调解协议书")


def agreement_docx(a: MediationAgreement) -> bytes:
    from qingqian.litigation.documents import to_docx

    as_of = dt.date.fromisoformat(a.terms["drafted_on"])
    return to_docx(agreement_text(a), title="调解协议书", as_of=as_of)


def confirmation_text(a: MediationAgreement, *, court: str, filed_on: dt.date, rule: str) -> str:
    t = a.terms
    return "\n".join(
        [
            "# 司法确认申请书",
            f"申请人一：{t['creditor']['name']}　{t['creditor']['id']}",
            f"申请人二：{t['debtor']['name']}　{t['debtor']['id']}",
            "## 请求事项",
            f"请求确认双方于 {a.effective_on.isoformat() if a.effective_on else ''} 经"
            f"{t['organisation']['name']}调解达成的《调解协议书》有效。",
            "## 事实和理由",
            f"双方因{t['disputed']}发生纠纷，经调解员{t['mediator']['name']}主持调解，"
            f"自愿达成调解协议：被申请人向申请人支付人民币 {_yuan(t['amount'])} 元，"
            f"{t['deadline']} 前履行完毕。协议内容不违反法律、行政法规的强制性规定，"
            "不损害国家利益、社会公共利益和他人合法权益，系双方真实意思表示。",
            f"双方在调解协议生效之日起三十日内共同提出申请（{rule}）。",
            f"依据：{CONFIRMATION_BASIS}。确认调解协议案件不交纳案件受理费。",
            "双方承诺：申请所依据的事实真实，调解协议系自愿达成，如有虚假愿承担法律责任。",
            "附：调解协议书一份（签署文件 SHA-256 " + a.signed_sha256 + "）；双方身份证明。",
            f"此致　{court}",
            f"申请人一：{a.creditor_name}　申请人二：{a.debtor_name}",
            f"{filed_on.isoformat()}",
        ]
    )


def confirmation_pdf(a: MediationAgreement) -> bytes:
    from qingqian.litigation.documents import to_pdf

    app = a.confirmation
    text = confirmation_text(a, court=app.court, filed_on=app.filed_on, rule=app.rule)
    return to_pdf(text, title="司法确认申请书")


def confirmation_docx(a: MediationAgreement) -> bytes:
    from qingqian.litigation.documents import to_docx

    app = a.confirmation
    text = confirmation_text(a, court=app.court, filed_on=app.filed_on, rule=app.rule)
    return to_docx(text, title="司法确认申请书", as_of=app.filed_on)
