from __future__ import annotations

import pytest

from qingqian.scoring.errors import ScoringError
from qingqian.scoring.simulate import POLICIES, SimConfig, draw_population, run_policy, simulate

SMALL = SimConfig(seed=7, cases=600, handlers=2, arrival_days=30)


def test_deterministic_for_a_seed() -> None:
    assert simulate(SMALL) == simulate(SMALL)
    other = simulate(SimConfig(seed=8, cases=600, handlers=2, arrival_days=30))
    assert other["policies"] != simulate(SMALL)["policies"]


def test_report_shape_and_assumptions() -> None:
    result = simulate(SMALL)
    assert [p["policy"] for p in result["policies"]] == list(POLICIES)
    assert result["seed_claim"] == {"before_days": 45, "after_days": 22}
    assert result["seed_claim_ratio"] == 0.4889
    assert len(result["assumptions"]) == 7
    for p in result["policies"]:
        assert p["cases"] == 600
        assert 0 < p["payer_share"] <= 1
        assert p["contacts"] > 0


def test_score_prioritisation_beats_fifo_on_the_default_agency() -> None:
    result = simulate(SimConfig(seed=11, cases=1500, handlers=4))
    by = {p["policy"]: p for p in result["policies"]}
    assert by["score"]["mean_days_to_first_payment"] < by["fifo"]["mean_days_to_first_payment"]
    assert by["score"]["payers"] > by["fifo"]["payers"]
    assert result["score_vs_fifo_days_ratio"] < 1


def test_common_random_numbers_same_population_for_every_policy() -> None:
    pop = draw_population(SMALL)
    a = run_policy(SMALL, pop, "fifo")
    b = run_policy(SMALL, pop, "fifo")
    assert a == b
    assert a.placed_fen == int(pop.amount_fen.sum())


def test_bad_parameters_refused() -> None:
    with pytest.raises(ScoringError) as err:
        simulate(SimConfig(handlers=0))
    assert err.value.code == "sim_parameter_out_of_range"
    with pytest.raises(ScoringError) as err:
        run_policy(SMALL, draw_population(SMALL), "random")
    assert err.value.code == "policy_unknown"
