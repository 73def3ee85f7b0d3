"""The default tie-break mode: global while the network is small, parallel above."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qingqian.netting import solver
from qingqian.netting.solver import NettingOptions, Obligation, solve


def _long_against_old() -> list[Obligation]:
    old, new = dt.date(2020, 1, 1), dt.date(2025, 1, 1)
    return [
        Obligation("a1", "A", "B", Decimal("100"), old),
        Obligation("a2", "B", "A", Decimal("100"), old),
        Obligation("b1", "A", "C", Decimal("100"), new),
        Obligation("b2", "C", "B", Decimal("100"), new),
    ]


def test_auto_is_the_default_and_reports_the_mode_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert NettingOptions().age_tie_break == "auto"
    small = solve(_long_against_old())
    assert small.age_tie_break == "global"
    assert (
        small.as_dict()["cleared"]
        == solve(_long_against_old(), NettingOptions(age_tie_break="global")).as_dict()["cleared"]
    )
    monkeypatch.setattr(solver, "AUTO_GLOBAL_LIMIT", 2)
    big = solve(_long_against_old())
    assert big.age_tie_break == "parallel"
    assert big.cleared == small.cleared


def test_unknown_mode_is_refused_in_both_languages() -> None:
    with pytest.raises(solver.NettingError) as exc:
        solve(_long_against_old(), NettingOptions(age_tie_break="fast"))
    assert "auto" in exc.value.message_zh and "auto" in exc.value.message_en
