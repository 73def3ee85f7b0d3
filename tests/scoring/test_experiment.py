"""The queue experiment (issue 21): stable assignment, interleaving, per-arm intervals."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from qingqian.scoring.experiment import Outcome, arm_of, arm_report, interleave


def test_assignment_is_stable_salted_and_near_the_share() -> None:
    arms = [arm_of(i, "trial-1", 0.3) for i in range(20000)]
    assert arms == [arm_of(i, "trial-1", 0.3) for i in range(20000)]
    assert abs(arms.count("fifo") / len(arms) - 0.3) < 0.015
    other = [arm_of(i, "trial-2", 0.3) for i in range(20000)]
    assert sum(a != b for a, b in zip(arms, other, strict=True)) > 5000  # a new salt re-draws
    assert all(arm_of(i, "s", 0.0) == "score" for i in range(100))
    assert arm_of("42", "s", 0.5) == arm_of(42, "s", 0.5)


def test_interleave_gives_fifo_its_share_of_places() -> None:
    fifo = [f"f{i}" for i in range(10)]
    score = [f"s{i}" for i in range(10)]
    merged = interleave(fifo, score, 0.3)
    assert merged[:10] == ["s0", "s1", "s2", "f0", "s3", "s4", "f1", "s5", "s6", "f2"]
    assert sorted(merged) == sorted(fifo + score)
    # each arm keeps its own order; an exhausted arm lets the other run on
    assert [m for m in merged if m.startswith("f")] == fifo
    assert interleave(["f0"], ["s0", "s1", "s2"], 0.9) == ["s0", "f0", "s1", "s2"]
    assert interleave([], ["s0"], 0.5) == ["s0"]


def test_arm_report_means_intervals_and_difference() -> None:
    rng = np.random.default_rng(1)
    outcomes = []
    for _ in range(400):
        days = int(rng.integers(20, 60))
        outcomes.append(Outcome("fifo", days if rng.random() < 0.5 else None, Decimal("1000")))
    for _ in range(400):
        days = int(rng.integers(5, 35))
        outcomes.append(Outcome("score", days if rng.random() < 0.6 else None, Decimal("1500")))
    report = arm_report(outcomes, rounds=1000, seed=2)
    assert report["cases"] == {"fifo": 400, "score": 400}
    days = report["days_to_first_payment"]
    assert days["fifo"]["low"] < days["fifo"]["mean"] < days["fifo"]["high"]
    assert days["fifo"]["mean"] == pytest.approx(39.5, abs=2)
    # score-ordered cases are paid ~20 days sooner; the interval excludes 0
    assert days["difference"]["high"] < 0 and days["difference"]["mean"] == pytest.approx(
        -20, abs=2.5
    )
    assert report["recovered"]["difference"]["mean"] == pytest.approx(500.0)
    assert report["recovered"]["difference"]["low"] == pytest.approx(500.0)  # no spread
    paid = report["paid_share"]
    assert paid["score"]["mean"] - paid["fifo"]["mean"] == pytest.approx(
        paid["difference"]["mean"], abs=1e-4
    )
    assert report == arm_report(outcomes, rounds=1000, seed=2)  # seeded


def test_an_empty_arm_has_no_difference() -> None:
    report = arm_report([Outcome("score", 3, Decimal("10"))], rounds=50)
    assert report["days_to_first_payment"]["fifo"]["mean"] is None
    assert report["days_to_first_payment"]["difference"] is None
