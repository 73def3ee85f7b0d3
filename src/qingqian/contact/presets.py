"""The two preset policies: ``cn-default`` (the default) and ``us-reg-f`` (for comparison).

``cn-default`` takes the strictest of GB/T 45251-2025 and the China Banking Association's
2026 guideline (docs: legal-rules.md §6.1, rules C1a–C1c and C3a–C3e). ``us-reg-f`` follows
the US CFPB's Regulation F (12 CFR 1006) for comparison and export. Both are plain data: a
compliance officer copies one, edits it and saves it as a new version.
"""

from __future__ import annotations

import datetime as dt

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import (
    CALL_CHANNELS,
    Cap,
    Channel,
    Cooldown,
    Counting,
    PartyRole,
    Policy,
    Scope,
    ThirdPartyRule,
    TimeWindow,
    TimezoneRule,
)

ALL_CHANNELS = frozenset(Channel)
# Letters are posted, not delivered at a chosen hour, so the hours do not govern them.
TIMED_CHANNELS = ALL_CHANNELS - {Channel.LETTER}

CN_DEFAULT = Policy(
    name="cn-default",
    version=1,
    description_zh=(
        "中国默认政策：取 GB/T 45251-2025 与中国银行业协会 2026 年催收工作指引中最严格者。"
    ),
    description_en=(
        "China default: the strictest of GB/T 45251-2025 and the China Banking Association's "
        "2026 collection guideline."
    ),
    channels=ALL_CHANNELS,
    windows=(TimeWindow(dt.time(8, 0), dt.time(22, 0)),),
    window_channels=TIMED_CHANNELS,
    timezone_rule=TimezoneRule.DEBTOR_ZONE,
    default_timezone="Asia/Shanghai",
    allowed_roles=frozenset({PartyRole.DEBTOR, PartyRole.GUARANTOR}),
    caps=(
        Cap(
            code="voice_conversations_per_day",
            channels=CALL_CHANNELS,
            counts=Counting.CONVERSATIONS,
            limit=3,
            days=1,
            per=Scope.PERSON,
            label_zh="每人每天接通的语音通话（含智能语音机器人）不超过 3 次",
            label_en="at most 3 connected voice conversations per person per day, robots included",
        ),
        Cap(
            code="call_attempts_per_number_per_day",
            channels=CALL_CHANNELS,
            counts=Counting.ATTEMPTS,
            limit=6,
            days=1,
            per=Scope.NUMBER,
            label_zh="同一号码每天拨打不超过 6 次",
            label_en="at most 6 call attempts per number per day",
        ),
    ),
    third_party=ThirdPartyRule(
        channels=frozenset({Channel.VOICE, Channel.ROBOT, Channel.SMS}),
        requires_debtor_unreachable=True,
        requires_nondisclosing_script=True,
        stop_after_refusal=True,
        max_reached=None,
    ),
    certification_channels=frozenset({Channel.VOICE, Channel.VISIT}),
    visit_min_collectors=2,
    public_notices_allowed=False,
    opt_out_channels=frozenset(),
    legal_notice_channels=frozenset({Channel.LETTER, Channel.EMAIL}),
    sources={
        "contact_hours": "legal-rules.md §6.1 C1b (GB/T 45251-2025), C3a (CBA 2026)",
        "voice_conversations_per_day": "legal-rules.md §6.1 C1c (GB/T 45251-2025)",
        "call_attempts_per_number_per_day": "legal-rules.md §6.1 C3b (CBA 2026)",
        "party_roles": "legal-rules.md §6.1 C1a, C4, C5",
        "third_party": "legal-rules.md §6.1 C1a, C3d",
        "visits": "legal-rules.md §6.1 C3c (CBA 2026 Art. 22)",
        "public_notices": "legal-rules.md §6.1 C3e",
        "certification": "issue 5; cases: collectors need a valid certificate",
        "holds": "issue 5; legal-rules.md §6.1 C3d (stop if asked)",
        "refusals": "legal-rules.md §6.1 C1a, C3d (stop if asked)",
    },
)

US_REG_F = Policy(
    name="us-reg-f",
    version=1,
    description_zh="美国《公平债务催收实践法》实施细则 Regulation F（12 CFR 1006），供比较与导出。",
    description_en="US Regulation F (12 CFR 1006), for comparison and export.",
    channels=ALL_CHANNELS,
    windows=(TimeWindow(dt.time(8, 0), dt.time(21, 0)),),
    window_channels=TIMED_CHANNELS,
    timezone_rule=TimezoneRule.AT_OFFSET,
    default_timezone="UTC",
    allowed_roles=frozenset({PartyRole.DEBTOR, PartyRole.GUARANTOR}),
    caps=(
        Cap(
            code="calls_per_7_days",
            channels=CALL_CHANNELS,
            counts=Counting.ATTEMPTS,
            limit=7,
            days=7,
            per=Scope.PERSON_DEBT,
            label_zh="同一债务对同一人任意连续 7 天内拨打不超过 7 次",
            label_en="at most 7 calls in 7 consecutive days per person per debt",
        ),
    ),
    cooldowns=(
        Cooldown(
            code="conversation_cooldown_7_days",
            trigger_channels=CALL_CHANNELS,
            blocked_channels=CALL_CHANNELS,
            days=7,
            per=Scope.PERSON_DEBT,
            label_zh="通话后 7 天内不得再拨打（通话当天为第 1 天）",
            label_en="no calls within 7 days after a conversation (its day is day 1)",
        ),
    ),
    third_party=ThirdPartyRule(
        channels=frozenset(
            {Channel.VOICE, Channel.ROBOT, Channel.SMS, Channel.EMAIL, Channel.LETTER}
        ),
        requires_debtor_unreachable=True,
        requires_nondisclosing_script=True,
        stop_after_refusal=True,
        max_reached=1,
    ),
    certification_channels=frozenset({Channel.VOICE, Channel.VISIT}),
    visit_min_collectors=1,
    public_notices_allowed=False,
    opt_out_channels=frozenset({Channel.EMAIL, Channel.SMS}),
    legal_notice_channels=frozenset({Channel.LETTER, Channel.EMAIL}),
    sources={
        "contact_hours": "12 CFR 1006.6(b)(1)(i): 8 a.m. to 9 p.m. local time",
        "calls_per_7_days": "12 CFR 1006.14(b)(2)(i)",
        "conversation_cooldown_7_days": "12 CFR 1006.14(b)(2)(ii)",
        "third_party": "12 CFR 1006.10 (location information, once)",
        "opt_out": "12 CFR 1006.6(e)",
        "holds": "12 CFR 1006.6(c) (cease), 1006.6(b)(2) (attorney), 1006.14(h) (medium)",
        "public_notices": "15 U.S.C. 1692d(3)",
    },
)

PRESETS: dict[str, Policy] = {p.name: p for p in (CN_DEFAULT, US_REG_F)}


def preset(name: str) -> Policy:
    """A preset by name (``cn-default`` or ``us-reg-f``)."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ContactPolicyError(
            f"未知的联系政策：{name!r}（可选：{known}）",
            f"Unknown contact policy: {name!r} (one of: {known})",
            code="unknown_policy",
            details={"value": name},
        ) from None
