"""``{% t "中文" "English" %}`` and the case panel other pages include."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.contact.models import HoldKind
from qingqian.contact.selectors import case_contact_panel

register = template.Library()


def is_english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


@register.simple_tag
def t(zh: str, en: str) -> str:
    """The label in the current UI language (this app's strings are bilingual in place)."""
    return en if is_english() else zh


@register.simple_tag
def reason_text(reason: dict[str, Any]) -> str:
    return str(reason.get("message_en" if is_english() else "message_zh", reason.get("message")))


HOLD_LABELS = {
    "cease": ("停止联系请求", "Cease-contact request"),
    "dispute": ("争议", "Dispute"),
    "complaint": ("投诉", "Complaint"),
    "vulnerability": ("困境/脆弱", "Distress / vulnerability"),
    "representation": ("律师代理", "Represented by a lawyer"),
    "refused_medium": ("拒绝某种联系方式", "Refused a medium"),
}
CHANNEL_LABELS = {
    "voice": ("人工电话", "Call by a person"),
    "robot": ("机器人外呼", "Robot call"),
    "sms": ("短信", "SMS"),
    "email": ("电子邮件", "E-mail"),
    "letter": ("信函", "Letter"),
    "visit": ("外访", "Field visit"),
}


@register.filter
def hold_label(kind: str) -> str:
    zh, en = HOLD_LABELS.get(kind, (kind, kind))
    return en if is_english() else zh


@register.filter
def channel_label(channel: str) -> str:
    zh, en = CHANNEL_LABELS.get(channel, (channel, channel))
    return en if is_english() else zh


@register.inclusion_tag("contact/_case_panel_body.html", takes_context=True)
def contact_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    data = case_contact_panel(case)
    parties = [cp.party for cp in case.case_parties.all()]
    return {
        **data,
        "case": case,
        "parties": parties,
        "debtors": [cp.party for cp in case.case_parties.all() if cp.role == "debtor"],
        "kinds": [k.value for k in HoldKind],
        "channels": list(CHANNEL_LABELS),
        "csrf_token": context.get("csrf_token"),
    }


FOLLOWUP_LABELS = {
    "handoff": ("转人工：对方情绪激动", "Take over: the person is angry"),
    "distress": ("困境复核：已停止自动联系", "Distress review: automated contact stopped"),
    "dispute": ("争议核实", "Check a dispute"),
    "promise": ("还款承诺待确认", "Confirm a promise to pay"),
}


@register.filter
def followup_label(kind: str) -> str:
    zh, en = FOLLOWUP_LABELS.get(kind, (kind, kind))
    return en if is_english() else zh
