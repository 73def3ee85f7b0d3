"""Reason codes and their bilingual messages (shared by ``decide`` and ``recheck``).

Only wording lives here; the logic that finds a reason lives in ``policy.decide`` and,
separately, in ``recheck``. Every code is stable, snake_case and machine-readable; the
messages are for people (Chinese first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Codes that do not come from policy data (caps and cool-downs carry their own codes).
CHANNEL_NOT_ALLOWED = "channel_not_allowed"
PARTY_ROLE_NOT_ALLOWED = "party_role_not_allowed"
THIRD_PARTY_NOT_ALLOWED = "third_party_not_allowed"
THIRD_PARTY_CHANNEL_NOT_ALLOWED = "third_party_channel_not_allowed"
THIRD_PARTY_DEBTOR_REACHABLE = "third_party_debtor_reachable"
THIRD_PARTY_SCRIPT_DISCLOSES = "third_party_script_discloses"
THIRD_PARTY_REFUSED = "third_party_refused"
THIRD_PARTY_ALREADY_CONTACTED = "third_party_already_contacted"
HOLD_CEASE_CONTACT = "hold_cease_contact"
HOLD_DISPUTE = "hold_dispute"
HOLD_DISTRESS = "hold_distress"
HOLD_LAWYER = "hold_lawyer"
HOLD_REFUSED_MEDIUM = "hold_refused_medium"
MEDIUM_REFUSED_EARLIER = "medium_refused_earlier"
COLLECTOR_NOT_CERTIFIED = "collector_not_certified"
VISIT_TOO_FEW_COLLECTORS = "visit_too_few_collectors"
PUBLIC_NOTICE_FORBIDDEN = "public_notice_forbidden"
OPT_OUT_LINE_MISSING = "opt_out_line_missing"
OUTSIDE_HOURS = "outside_hours"
# h19a: each channel only to its own kind of address
SMS_TO_LANDLINE = "sms_to_landline"
ADDRESS_WRONG_KIND = "address_wrong_kind"

_FIXED: dict[str, tuple[str, str]] = {
    CHANNEL_NOT_ALLOWED: (
        "本政策不允许使用该渠道（{channel}）。",
        "The policy does not allow the {channel} channel.",
    ),
    PARTY_ROLE_NOT_ALLOWED: (
        "本政策不允许联系该身份的人（{party_role}）。",
        "The policy does not allow contacting a {party_role}.",
    ),
    THIRD_PARTY_NOT_ALLOWED: (
        "本政策不允许联系第三人。",
        "The policy does not allow contacting third parties.",
    ),
    THIRD_PARTY_CHANNEL_NOT_ALLOWED: (
        "不得通过该渠道（{channel}）联系第三人。",
        "Third parties may not be contacted by {channel}.",
    ),
    THIRD_PARTY_DEBTOR_REACHABLE: (
        "只有在债务人被标记为失联时才可联系第三人。",
        "A third party may be contacted only when the debtor is flagged unreachable.",
    ),
    THIRD_PARTY_SCRIPT_DISCLOSES: (
        "联系第三人必须使用不透露债务信息的话术。",
        "A third party may be contacted only with a script that discloses nothing about the debt.",
    ),
    THIRD_PARTY_REFUSED: (
        "该第三人已于 {refused_at} 拒绝联系，不得再次联系。",
        "This third party refused contact at {refused_at}; never contact them again.",
    ),
    THIRD_PARTY_ALREADY_CONTACTED: (
        "该第三人已联系过 {count} 次，上限 {limit} 次。",
        "This third party has already been reached {count} time(s); the limit is {limit}.",
    ),
    HOLD_CEASE_CONTACT: (
        "已有停止联系请求：此后只可发送法律通知（{legal_notice_channels}）。",
        "A cease-contact request is on file: only legal notices "
        "({legal_notice_channels}) may follow.",
    ),
    HOLD_DISPUTE: (
        "存在未解决的异议或投诉，暂停联系（法律通知除外）。",
        "An open dispute or complaint stops contact (legal notices excepted).",
    ),
    HOLD_DISTRESS: (
        "已标记心理困境或脆弱状况，停止一切联系，须由人工复核。",
        "A distress or vulnerability flag stops all contact until a person reviews it.",
    ),
    HOLD_LAWYER: (
        "该当事人已委托律师代理，应与律师联系。",
        "The person is represented by a lawyer; contact the lawyer instead.",
    ),
    HOLD_REFUSED_MEDIUM: (
        "当事人已拒绝通过该方式（{medium}）联系。",
        "The person has refused this medium ({medium}).",
    ),
    MEDIUM_REFUSED_EARLIER: (
        "当事人已于 {refused_at} 通过该方式（{medium}）拒绝联系。",
        "The person refused this medium ({medium}) at {refused_at}.",
    ),
    COLLECTOR_NOT_CERTIFIED: (
        "{channel} 联系须由持有有效资格证书的催收员进行（{problem_zh}）。",
        "A {channel} contact needs collectors with valid, unexpired certificates ({problem_en}).",
    ),
    VISIT_TOO_FEW_COLLECTORS: (
        "外访至少需要 {minimum} 名持证催收员，本次只有 {count} 名。",
        "A field visit needs at least {minimum} certified collectors; this one has {count}.",
    ),
    PUBLIC_NOTICE_FORBIDDEN: (
        "不得张贴或公开发布催收通知。",
        "Collection notices may not be posted or published in public.",
    ),
    OPT_OUT_LINE_MISSING: (
        "{channel} 消息必须包含退订说明。",
        "A {channel} message must carry an opt-out line.",
    ),
    OUTSIDE_HOURS: (
        "债务人当地时间 {local_time} 不在允许联系的时段（{windows}）内。",
        "The debtor's local time {local_time} is outside the contact hours ({windows}).",
    ),
    SMS_TO_LANDLINE: (
        "短信只能发送到手机号码，该号码是固定电话（{number}）。",
        "An SMS can only go to a mobile number; this one is a fixed line ({number}).",
    ),
    ADDRESS_WRONG_KIND: (
        "{channel} 只能发送到{expected_zh}，所给的是{given_zh}（{number}）。",
        "A {channel} contact can only go to {expected_en}; this is {given_en} ({number}).",
    ),
}

_CAP = (
    "已达上限：{label_zh}（{count}/{limit}，统计自 {first_day} 至 {last_day}，当地日期）。",
    "Limit reached: {label_en} ({count}/{limit}, counted {first_day} to {last_day}, local days).",
)
_COOLDOWN = (
    "{label_zh}：上次通话于 {conversation_at}，{until_day} 之前不得再联系。",
    "{label_en}: last conversation at {conversation_at}; no contact before {until_day}.",
)


@dataclass(frozen=True)
class Reason:
    """Why a contact is denied: which rule, a stable code, and a bilingual message."""

    code: str
    rule: str
    message_zh: str
    message_en: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in Chinese (the product's first language)."""
        return self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule": self.rule,
            "message": self.message,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": dict(self.details),
        }


def fixed(code: str, rule: str | None = None, **details: Any) -> Reason:
    """A reason whose wording is fixed here (``rule`` defaults to the code)."""
    zh, en = _FIXED[code]
    return Reason(code, rule or code, zh.format(**details), en.format(**details), details)


def cap(code: str, *, label_zh: str, label_en: str, **details: Any) -> Reason:
    """A cap from policy data was reached."""
    texts = {"label_zh": label_zh, "label_en": label_en, **details}
    return Reason(code, code, _CAP[0].format(**texts), _CAP[1].format(**texts), details)


def cooldown(code: str, *, label_zh: str, label_en: str, **details: Any) -> Reason:
    """A quiet period after a conversation (policy data) is running."""
    texts = {"label_zh": label_zh, "label_en": label_en, **details}
    zh, en = _COOLDOWN[0].format(**texts), _COOLDOWN[1].format(**texts)
    return Reason(code, code, zh, en, details)


FIXED_CODES: frozenset[str] = frozenset(_FIXED)
