"""The contact policy as a form (h19c): what the compliance officer edits field by field
instead of JSON. ``form_view(data)`` is what the template shows; ``apply_form(data, post)``
returns the policy data with the posted fields applied (``Policy.from_dict`` then checks the
whole). Pure: no Django (``post`` is anything with ``get`` and ``getlist``)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Protocol

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import Channel, PartyRole, TimezoneRule

CHANNELS = [c.value for c in Channel]
ROLE_LABELS = {
    PartyRole.DEBTOR.value: ("债务人", "debtor"),
    PartyRole.GUARANTOR.value: ("保证人", "guarantor"),
}
TZ_RULE_LABELS = {
    TimezoneRule.DEBTOR_ZONE.value: ("按债务人所在时区", "the debtor's time zone"),
    TimezoneRule.AT_OFFSET.value: ("按联系时刻所带的时区", "the zone of the contact time"),
}
WINDOW_ROWS = 3
#: Channel sets edited as check boxes: field name → (Chinese, English) legend.
CHANNEL_SETS = {
    "channels": ("允许使用的渠道", "channels that may be used"),
    "window_channels": ("受联系时段限制的渠道", "channels bound by the contact hours"),
    "certification_channels": ("需要催收员持证的渠道", "channels that need a certified collector"),
    "legal_notice_channels": ("可发送法律文书通知的渠道", "channels for legal notices"),
    "opt_out_channels": ("须附退订说明的渠道", "channels that must carry an opt-out line"),
}


class Posted(Protocol):
    def get(self, key: str, default: Any = ...) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def _bad(field_zh: str, field_en: str, problem_zh: str, problem_en: str) -> ContactPolicyError:
    return ContactPolicyError(
        f"{field_zh}：{problem_zh}", f"{field_en}: {problem_en}", code="bad_policy_form"
    )


def _int(post: Posted, key: str, zh: str, en: str, *, low: int, high: int) -> int:
    raw = str(post.get(key, "") or "").strip()
    try:
        value = int(raw)
    except ValueError:
        raise _bad(zh, en, "请填写整数", "enter a whole number") from None
    if not low <= value <= high:
        raise _bad(zh, en, f"应在 {low} 到 {high} 之间", f"must be {low} to {high}")
    return value


def _time(raw: str, zh: str, en: str) -> str:
    try:
        return dt.time.fromisoformat(raw.strip()).strftime("%H:%M")
    except ValueError:
        raise _bad(zh, en, "时间格式应为 时:分", "the time must be HH:MM") from None


def form_view(data: dict[str, Any], *, en: bool) -> dict[str, Any]:
    """What the form shows, from policy data (``Policy.to_dict``)."""
    i = 1 if en else 0
    windows = list(data.get("windows", []))
    windows += [{"start": "", "end": ""}] * max(0, WINDOW_ROWS - len(windows))
    tp = data.get("third_party") or {}
    return {
        "description_zh": data.get("description_zh", ""),
        "description_en": data.get("description_en", ""),
        "windows": [{"n": n, **w} for n, w in enumerate(windows[:WINDOW_ROWS])],
        "channel_sets": [
            {"key": key, "legend": legend[i], "chosen": set(data.get(key, []))}
            for key, legend in CHANNEL_SETS.items()
        ],
        "channels": CHANNELS,
        "roles": [
            {"value": v, "label": labels[i], "chosen": v in data.get("allowed_roles", [])}
            for v, labels in ROLE_LABELS.items()
        ],
        "timezone_rules": [(v, labels[i]) for v, labels in TZ_RULE_LABELS.items()],
        "timezone_rule": data.get("timezone_rule", ""),
        "default_timezone": data.get("default_timezone", ""),
        "caps": [
            {
                "n": n,
                "label": c["label_en" if en else "label_zh"],
                "limit": c["limit"],
                "days": c["days"],
            }
            for n, c in enumerate(data.get("caps", []))
        ],
        "cooldowns": [
            {"n": n, "label": c["label_en" if en else "label_zh"], "days": c["days"]}
            for n, c in enumerate(data.get("cooldowns", []))
        ],
        "third_party": {
            "enabled": bool(tp),
            "chosen": set(tp.get("channels", [])),
            "max_reached": "" if tp.get("max_reached") is None else tp["max_reached"],
            "stop_after_refusal": tp.get("stop_after_refusal", True),
            "requires_debtor_unreachable": tp.get("requires_debtor_unreachable", True),
        },
        "visit_min_collectors": data.get("visit_min_collectors", 1),
        "public_notices_allowed": data.get("public_notices_allowed", False),
    }


def apply_form(data: dict[str, Any], post: Posted) -> dict[str, Any]:
    """``data`` with the posted fields applied; labels, codes and sources are kept."""
    out = copy.deepcopy(data)
    out["description_zh"] = str(post.get("description_zh", "") or "")[:500]
    out["description_en"] = str(post.get("description_en", "") or "")[:500]
    windows = []
    for n in range(WINDOW_ROWS):
        start = str(post.get(f"window_start_{n}", "") or "")
        end = str(post.get(f"window_end_{n}", "") or "")
        if not start.strip() and not end.strip():
            continue
        windows.append(
            {
                "start": _time(start, f"联系时段 {n + 1} 起", f"window {n + 1} start"),
                "end": _time(end, f"联系时段 {n + 1} 止", f"window {n + 1} end"),
            }
        )
    out["windows"] = windows
    for key in CHANNEL_SETS:
        out[key] = sorted(c for c in post.getlist(key) if c in CHANNELS)
    out["allowed_roles"] = sorted(r for r in post.getlist("allowed_roles") if r in ROLE_LABELS)
    rule = str(post.get("timezone_rule", "") or "")
    if rule in TZ_RULE_LABELS:
        out["timezone_rule"] = rule
    out["default_timezone"] = str(post.get("default_timezone", "") or "").strip()[:64]
    caps = []
    for n, cap in enumerate(out.get("caps", [])):
        if post.get(f"cap_remove_{n}"):
            continue
        label_zh, label_en = cap["label_zh"], cap["label_en"]
        cap["limit"] = _int(post, f"cap_limit_{n}", f"{label_zh} 次数", f"{label_en} limit",
                            low=1, high=1000)  # fmt: skip
        cap["days"] = _int(post, f"cap_days_{n}", f"{label_zh} 天数", f"{label_en} days",
                           low=1, high=365)  # fmt: skip
        caps.append(cap)
    out["caps"] = caps
    for n, cool in enumerate(out.get("cooldowns", [])):
        cool["days"] = _int(post, f"cooldown_days_{n}", f"{cool['label_zh']} 天数",
                            f"{cool['label_en']} days", low=1, high=365)  # fmt: skip
    if post.get("third_party_enabled"):
        tp = dict(out.get("third_party") or {"requires_nondisclosing_script": True})
        tp["channels"] = sorted(c for c in post.getlist("third_party_channels") if c in CHANNELS)
        raw = str(post.get("third_party_max_reached", "") or "").strip()
        tp["max_reached"] = (
            None
            if raw == ""
            else _int(
                post,
                "third_party_max_reached",
                "第三人最多联系次数",
                "third party reached at most",
                low=1,
                high=100,
            )
        )
        tp["stop_after_refusal"] = bool(post.get("third_party_stop_after_refusal"))
        tp["requires_debtor_unreachable"] = bool(post.get("third_party_requires_unreachable"))
        tp.setdefault("requires_nondisclosing_script", True)
        out["third_party"] = tp
    else:
        out["third_party"] = None
    out["visit_min_collectors"] = _int(
        post, "visit_min_collectors", "外访最少人数", "collectors per visit", low=1, high=10
    )
    out["public_notices_allowed"] = bool(post.get("public_notices_allowed"))
    return out
