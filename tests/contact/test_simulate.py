"""The campaign simulator: deterministic per seed, robots at capacity, zero violations."""

from __future__ import annotations

import random

import pytest

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.presets import CN_DEFAULT, US_REG_F
from qingqian.contact.recheck import LoggedAttempt, recheck
from qingqian.contact.simulate import simulate


@pytest.mark.parametrize("policy", [CN_DEFAULT, US_REG_F], ids=lambda p: p.name)
def test_small_campaign_has_no_violations(policy) -> None:
    report = simulate(policy, debtors=300, days=8, robots=1, rng=random.Random(7))
    out = report.as_dict()
    assert out["violations"] == 0
    assert out["violations_by_code"] == {}
    assert out["attempts"] == out["allowed"] + out["denied"]
    assert out["allowed"] == len(report.log) == sum(out["allowed_by_channel"].values())
    assert sum(out["denied_by_rule"].values()) == out["denied"]
    assert out["robot_calls"] <= 8 * 800
    assert out["policy_version"] == policy.label
    assert out["denied"] > 0 and out["allowed"] > 0
    assert "outside_hours" in out["denied_by_reason"]


def test_same_seed_same_report_and_other_seed_differs() -> None:
    one = simulate(CN_DEFAULT, debtors=150, days=3, robots=1, rng=random.Random(42)).as_dict()
    two = simulate(CN_DEFAULT, debtors=150, days=3, robots=1, rng=random.Random(42)).as_dict()
    three = simulate(CN_DEFAULT, debtors=150, days=3, robots=1, rng=random.Random(43)).as_dict()
    assert one == two
    assert one != three


def test_robots_run_at_capacity_when_debtors_outnumber_them() -> None:
    report = simulate(CN_DEFAULT, debtors=2000, days=2, robots=1, rng=random.Random(1))
    assert report.robot_calls == 2 * 800
    assert report.as_dict()["allowed_by_channel"]["robot"] == 1600


def test_caps_are_hit_and_the_log_respects_them() -> None:
    report = simulate(CN_DEFAULT, debtors=100, days=5, robots=2, rng=random.Random(3))
    reasons = report.denied_by_reason
    assert reasons.get("voice_conversations_per_day", 0) > 0
    assert reasons.get("call_attempts_per_number_per_day", 0) > 0
    assert recheck(CN_DEFAULT, report.log, report.holds) == []


def test_recheck_catches_a_call_the_gate_would_have_refused() -> None:
    report = simulate(CN_DEFAULT, debtors=50, days=2, robots=1, rng=random.Random(5))
    first = report.log[0]
    at = first.at.replace(hour=23, minute=0)
    tampered = [*report.log, LoggedAttempt(first.request, at, first.outcome)]
    violations = recheck(CN_DEFAULT, tampered, report.holds)
    assert [(v.index, v.code) for v in violations] == [(len(report.log), "outside_hours")]


@pytest.mark.parametrize("field", ["debtors", "days", "robots", "robot_capacity"])
@pytest.mark.parametrize("value", [0, -1, True])
def test_bad_sizes_are_refused(field: str, value: int) -> None:
    kw = {"debtors": 1, "days": 1, "robots": 1, field: value}
    with pytest.raises(ContactPolicyError) as info:
        simulate(CN_DEFAULT, rng=random.Random(0), **kw)
    assert info.value.code == "bad_simulation"
