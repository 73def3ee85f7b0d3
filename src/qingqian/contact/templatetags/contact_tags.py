"""``{% t "中文" "English" %}`` and the case panel other pages include."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from qingqian.contact.models import CHANNEL_LABELS, HoldKind
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
        "request": context.get("request"),
        "user": context.get("user"),  # h19c: forms shown only to roles that may submit
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


# h19a: the collector's contact actions (``contact.desk``) at the top of the contact section.
PHONE_KIND_LABELS = {"mobile": ("手机", "mobile"), "landline": ("固定电话", "fixed line")}


@register.filter
def phone_kind_label(kind: str) -> str:
    zh, en = PHONE_KIND_LABELS.get(kind, ("电话", "phone"))
    return en if is_english() else zh


OUTCOME_LABELS = {
    "connected": ("已接通", "Connected"),
    "no_answer": ("无人接听", "No answer"),
    "busy": ("占线", "Busy"),
    "voicemail": ("语音信箱", "Voicemail"),
    "delivered": ("已送达", "Delivered"),
    "bounced": ("退回", "Bounced"),
    "refused": ("拒绝", "Refused"),
}


@register.filter
def outcome_label(outcome: str) -> str:
    """A gate outcome in words (``—`` when none is recorded yet)."""
    if not outcome:
        return "—"
    zh, en = OUTCOME_LABELS.get(outcome, (outcome, outcome))
    return en if is_english() else zh


@register.filter
def decision_words(decision: Any) -> str:
    """Why a decision denies, in words (its first reason), never the rule's code (h19c)."""
    reasons = getattr(decision, "reasons", ())
    if not reasons:
        return ""
    first = reasons[0]
    return str(first.message_en if is_english() else first.message_zh)


# h19c: the refused-contacts page in words ------------------------------------------------

RULE_WORDS = {
    "channels": ("渠道不允许", "channel not allowed"),
    "party_roles": ("当事人身份不允许", "party not to be contacted"),
    "third_party": ("第三人规则", "third-party rule"),
    "holds": ("联系暂停", "contact hold"),
    "refusals": ("对方曾拒绝该方式", "the person refused this medium"),
    "certification": ("催收员未持有效证书", "collector not certified"),
    "visits": ("外访人数不足", "too few collectors for a visit"),
    "public_notices": ("禁止公开催收", "public notices forbidden"),
    "opt_out": ("缺少退订说明", "opt-out line missing"),
    "contact_hours": ("不在联系时段内", "outside the contact hours"),
    "address_kind": ("渠道与号码或地址类型不符", "channel does not fit the address"),
}
CODE_WORDS = {
    "channel_not_allowed": ("渠道不允许", "channel not allowed"),
    "party_role_not_allowed": ("当事人身份不允许", "party not to be contacted"),
    "third_party_not_allowed": ("不允许联系第三人", "third parties not allowed"),
    "third_party_channel_not_allowed": ("该渠道不可联系第三人", "channel not for third parties"),
    "third_party_debtor_reachable": ("债务人尚未失联", "the debtor is still reachable"),
    "third_party_script_discloses": ("话术会透露债务", "the script discloses the debt"),
    "third_party_refused": ("第三人已拒绝", "the third party refused"),
    "third_party_already_contacted": ("第三人联系次数已满", "third party reached enough"),
    "hold_cease_contact": ("停止联系请求", "cease-contact request"),
    "hold_dispute": ("争议或投诉暂停", "dispute or complaint hold"),
    "hold_distress": ("困境暂停", "distress hold"),
    "hold_lawyer": ("已委托律师", "represented by a lawyer"),
    "hold_refused_medium": ("拒绝该联系方式", "medium refused"),
    "medium_refused_earlier": ("对方曾拒绝该方式", "medium refused earlier"),
    "collector_not_certified": ("催收员未持有效证书", "collector not certified"),
    "visit_too_few_collectors": ("外访人数不足", "too few collectors for a visit"),
    "public_notice_forbidden": ("禁止公开催收", "public notices forbidden"),
    "opt_out_line_missing": ("缺少退订说明", "opt-out line missing"),
    "outside_hours": ("不在联系时段内", "outside the contact hours"),
    "sms_to_landline": ("短信不能发往固定电话", "no text messages to a fixed line"),
    "address_wrong_kind": ("渠道与地址类型不符", "the address is not of this channel's kind"),
    # The day plan's own reasons for leaving a debtor out (desk.dayplan, contact.schedule).
    "outside_window": ("今日已无可联系的时段", "no contact hour left today"),
    "no_common_channel": ("没有可用的联系渠道", "no channel available"),
    "already_reached_today": ("今日已联系上", "already reached today"),
    "no_capacity": ("人手或机器人已排满", "no collector or robot free"),
    "no_party": ("案件没有债务人记录", "no debtor on record"),
    "no_contact_details": ("没有联系方式", "no contact details"),
    "legal_review": ("转律师评估，不联系", "with a lawyer for review, not contacted"),
    "policy_wait": ("按策略等待", "waiting, as the playbook says"),
}


def _policy_rule_words(code: str) -> tuple[str, str] | None:
    from qingqian.contact.presets import CN_DEFAULT, US_REG_F

    for policy in (CN_DEFAULT, US_REG_F):
        for cap in policy.caps:
            if cap.code == code:
                return cap.label_zh, cap.label_en
        for cool in policy.cooldowns:
            if cool.code == code:
                return cool.label_zh, cool.label_en
    return None


@register.filter
def rule_words(code: str) -> str:
    words = RULE_WORDS.get(code) or CODE_WORDS.get(code) or _policy_rule_words(code)
    if words is None:
        words = ("次数上限或冷却期", "a cap or cool-down")
    return words[1] if is_english() else words[0]
