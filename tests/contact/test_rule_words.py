"""Every rule the gate checks and every reason code it gives has words on the compliance
pages (Chinese and English), never the code and never the generic fallback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from qingqian.contact import reasons
from qingqian.contact.templatetags.contact_tags import rule_words

POLICY = Path(reasons.__file__).with_name("policy.py").read_text(encoding="utf-8")
RULES = sorted(set(re.findall(r'check\("([a-z_]+)"', POLICY)))
CODES = sorted(
    value
    for name, value in vars(reasons).items()
    if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z_]+", value)
)


@pytest.mark.parametrize("code", RULES + CODES)
def test_every_rule_and_reason_has_words(code: str) -> None:
    for language, fallback in (("zh-hans", "次数上限或冷却期"), ("en", "a cap or cool-down")):
        with translation.override(language):
            words = rule_words(code)
        assert words and words != fallback and "_" not in words, (code, language, words)


def test_the_rules_were_found() -> None:
    assert "address_kind" in RULES and "contact_hours" in RULES
    assert "sms_to_landline" in CODES


@pytest.mark.parametrize(
    "code",
    ["outside_window", "no_common_channel", "already_reached_today", "no_capacity",
     "no_party", "no_contact_details", "legal_review", "policy_wait"],
)  # fmt: skip
def test_the_day_plans_own_reasons_have_words(code: str) -> None:
    from qingqian.contact.templatetags.contact_tags import rule_words

    words = rule_words(code)
    assert words != code and words != "次数上限或冷却期"
