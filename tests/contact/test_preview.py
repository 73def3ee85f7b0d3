"""The policy editor's preview: both policies decide every sample; changes are flagged."""

from __future__ import annotations

import dataclasses

import pytest

from qingqian.contact.presets import CN_DEFAULT, US_REG_F
from qingqian.contact.preview import SAMPLES, preview


def test_same_policy_changes_nothing() -> None:
    rows = preview(CN_DEFAULT, CN_DEFAULT)
    assert len(rows) == len(SAMPLES)
    assert not any(r.changed for r in rows)


def test_samples_cover_the_cn_rules() -> None:
    rules = {r.sample.key: r.current.rule for r in preview(CN_DEFAULT, CN_DEFAULT)}
    assert rules["fourth_conversation"] == "voice_conversations_per_day"
    assert rules["seventh_dial"] == "call_attempts_per_number_per_day"
    assert rules["early"] == rules["late_2205"] == "contact_hours"
    assert rules["visit_one"] == "visits"
    assert rules["first_call"] == rules["cease_letter"] == "all_rules_passed"


def test_stricter_cap_is_flagged_only_where_it_bites() -> None:
    cap = dataclasses.replace(CN_DEFAULT.caps[0], limit=2)
    draft = dataclasses.replace(CN_DEFAULT, version=2, caps=(cap, CN_DEFAULT.caps[1]))
    changed = {r.sample.key for r in preview(CN_DEFAULT, draft) if r.changed}
    assert changed == {"third_conversation"}


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("after_talk", "conversation_cooldown_7_days"),
        ("late_2130", "contact_hours"),
        ("email", "opt_out"),
        ("week_calls", "calls_per_7_days"),
    ],
)
def test_us_preset_differs_where_regulation_f_does(key: str, rule: str) -> None:
    row = next(r for r in preview(CN_DEFAULT, US_REG_F) if r.sample.key == key)
    assert row.changed
    assert row.draft.rule == rule
