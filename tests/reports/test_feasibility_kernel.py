"""The feasibility report: worked examples, graceful degradation, properties, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.fees.rules import LAW_FIRM_SCHEDULE, SEED_SCHEDULE
from qingqian.reports.errors import FeasibilityError
from qingqian.reports.feasibility import (
    ORAL_ONLY_CAP,
    CaseFacts,
    Evidence,
    Route,
    assess,
)

D = Decimal
TODAY = dt.date(2026, 7, 20)
P = Evidence.PRESENT

TRADE = CaseFacts(
    debt_type="trade",
    principal=D("120000.00"),
    due_date=dt.date(2026, 1, 1),  # 200 days before TODAY
    demands=(dt.date(2026, 3, 1),),
    written_agreement=P,
    money_flow=P,
    debtor_identity=P,
    debtor_kind="company",
    registry_status="active",
    dishonest_listed=False,
    disputed=False,
    debtor_reachable=True,
    counter_performance_owed=False,
    fee_schedule=SEED_SCHEDULE,
    organisation_type="mediation_centre",
)

LOAN_EXPIRED = CaseFacts(
    debt_type="private_loan",
    principal=D("50000.00"),
    funds_transferred=dt.date(2021, 3, 1),
    due_date=dt.date(2022, 3, 1),
    agreed_rate=D("24"),
    written_agreement=P,
    money_flow=P,
    debtor_identity=P,
    debtor_kind="person",
    dishonest_listed=False,
)


def routes(report: Any) -> dict[str, tuple[str, ...]]:
    return {
        r.route.value: (
            str(r.court_fees),
            str(r.probability),
            str(r.expected_gross_recovery),
            str(r.expected_commission),
            str(r.expected_net_recovery),
        )
        for r in report.routes
    }


def test_trade_receivable_200_days_full_evidence() -> None:
    report = assess(TRADE, today=TODAY)
    assert routes(report) == {
        "negotiation": ("0.00", "0.3039", "36468.00", "12763.80", "23704.20"),
        "mediation": ("0.00", "0.3591", "43092.00", "15082.20", "28009.80"),
        "payment_order": ("900.00", "0.4420", "53040.00", "18564.00", "33576.00"),
        "small_claims": ("1350.00", "0.4973", "59676.00", "20886.60", "37439.40"),
        "litigation": ("2700.00", "0.4973", "59676.00", "20886.60", "36089.40"),
        "preservation": ("3820.00", "0.5249", "62988.00", "22045.80", "36942.20"),
    }


def test_trade_receivable_recommends_litigation_when_assets_are_unknown() -> None:
    report = assess(TRADE, today=TODAY)
    data = report.to_dict()
    assert (
        data["evidence_strength"],
        data["limitation_deadline"],
        data["recommended_route"],
        data["expected_net_recovery"],
    ) == ("strong", "2029-03-01", "litigation", "36089.40")


def test_small_claims_above_the_limit_needs_agreement_so_is_not_recommended() -> None:
    option = assess(TRADE, today=TODAY).route(Route.SMALL_CLAIMS)
    assert (option.open, option.advisable) == (True, False)


def test_trade_receivable_with_known_assets_recommends_preservation() -> None:
    report = assess(dataclasses.replace(TRADE, assets_known=True), today=TODAY)
    option = report.route(Route.PRESERVATION)
    assert (report.recommended_route, option.creditor_costs, report.expected_net_recovery) == (
        Route.PRESERVATION,
        D("4000.00"),
        D("36942.20"),
    )


def test_trade_interest_is_lpr_based() -> None:
    interest = assess(TRADE, today=TODAY).interest
    assert (interest["rate_low"], interest["rate_high"], interest["supported_high"]) == (
        D("3.90"),
        D("4.50"),
        D("2958.90"),
    )


def test_private_loan_past_limitation_recommends_against_litigation() -> None:
    report = assess(LOAN_EXPIRED, today=TODAY)
    judicial = [report.route(r) for r in ("payment_order", "small_claims", "litigation")]
    assert report.limitation["status"] == "expired"
    assert report.limitation_deadline == dt.date(2025, 3, 3)
    assert report.recommended_route is Route.MEDIATION
    assert not any(o.advisable for o in judicial)
    assert "not advised" in report.recommendation[1].en
    assert any("expired on 2025-03-03" in w.en for w in report.warnings)


def test_private_loan_interest_cap_against_claim() -> None:
    interest = assess(LOAN_EXPIRED, today=TODAY).interest
    assert (
        interest["annual_rate_cap"],
        interest["claimed_interest"],
        interest["supported_interest"],
        interest["above_cap"],
    ) == (D("15.40"), D("64668.49"), D("41495.62"), True)


def test_missing_score_and_schedule_are_named() -> None:
    report = assess(LOAN_EXPIRED, today=TODAY)
    codes = [n.code for n in report.missing_inputs]
    assert codes == ["evidence_strength", "propensity_score", "fee_schedule"]
    assert report.score["available"] is False


def test_given_score_is_used() -> None:
    facts = dataclasses.replace(TRADE, propensity_score=D("0.7"), score_reasons=("paid before",))
    report = assess(facts, today=TODAY)
    assert (report.probability, report.score["reasons"]) == (D("0.7000"), ["paid before"])
    assert "propensity_score" not in [n.code for n in report.missing_inputs]


def test_minimal_facts_degrade_gracefully() -> None:
    report = assess(CaseFacts(debt_type="other", principal=D("8000.00")), today=TODAY)
    data = report.to_dict()
    assert data["limitation_deadline"] is None
    assert [n["code"] for n in data["missing_inputs"]] == [
        "evidence_strength",
        "due_date",
        "debtor_kind",
        "dishonest_listed",
        "propensity_score",
        "fee_schedule",
    ]
    assert data["evidence_strength"] == "none"
    assert json.loads(json.dumps(data)) == data


def test_oral_only_debt_is_flagged_and_capped() -> None:
    facts = dataclasses.replace(TRADE, written_agreement=Evidence.MISSING, due_date=TODAY)
    report = assess(facts, today=TODAY)
    assert report.probability <= ORAL_ONLY_CAP
    assert any("under 30%" in w.en for w in report.warnings)
    assert "written_agreement" in report.missing_evidence


def test_law_firm_with_an_over_cap_schedule_is_flagged() -> None:
    facts = dataclasses.replace(TRADE, organisation_type="law_firm")
    report = assess(facts, today=TODAY)
    assert report.commission["fee_check"]["code"] == "fee_above_cap"
    assert any("cannot be signed" in w.en for w in report.warnings)


def test_law_firm_schedule_passes_and_uses_marginal_commission() -> None:
    facts = dataclasses.replace(TRADE, fee_schedule=LAW_FIRM_SCHEDULE, organisation_type=None)
    report = assess(facts, today=TODAY)
    assert report.commission["fee_check"]["allowed"] is True
    assert report.route("litigation").expected_commission == D("8951.40")  # 0.4973 × 18,000


def test_disputed_debt_closes_the_payment_order() -> None:
    report = assess(dataclasses.replace(TRADE, disputed=True), today=TODAY)
    assert report.route("payment_order").open is False


def test_not_yet_due_closes_judicial_routes() -> None:
    facts = dataclasses.replace(TRADE, due_date=dt.date(2026, 8, 1), demands=())
    report = assess(facts, today=TODAY)
    assert [r.route.value for r in report.routes if r.open] == ["negotiation", "mediation"]


def test_in_house_needs_no_schedule() -> None:
    facts = dataclasses.replace(TRADE, fee_schedule=None, organisation_type="in_house")
    report = assess(facts, today=TODAY)
    assert report.route("litigation").expected_commission == D("0.00")
    assert "fee_schedule" not in [n.code for n in report.missing_inputs]


@pytest.mark.parametrize(
    "change",
    [
        {"principal": 1000.0},
        {"principal": D("-1")},
        {"principal": D("10.001")},
        {"outstanding": D("200000.00")},
        {"propensity_score": D("1.5")},
        {"debt_type": "gambling"},
        {"evidence_strength": "excellent"},
        {"last_payment": dt.date(2027, 1, 1)},
        {"organisation_type": "agency"},
    ],
)
def test_contradictory_facts_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(FeasibilityError) as err:
        assess(dataclasses.replace(TRADE, **change), today=TODAY)
    assert err.value.code == "facts_invalid"


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**9),
    days=st.integers(min_value=-30, max_value=3000),
    score=st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=3)),
    evidence=st.sampled_from(list(Evidence)),
    debt_type=st.sampled_from(["trade", "construction", "other"]),
)
def test_net_never_exceeds_gross(
    principal: int, days: int, score: Decimal | None, evidence: Evidence, debt_type: str
) -> None:
    facts = dataclasses.replace(
        TRADE,
        debt_type=debt_type,
        principal=D(principal) / 100,
        due_date=TODAY - dt.timedelta(days=days),
        demands=(),
        propensity_score=score,
        written_agreement=evidence,
    )
    report = assess(facts, today=TODAY)
    for option in report.routes:
        assert option.expected_net_recovery <= option.expected_gross_recovery
        assert option.expected_gross_recovery <= facts.principal
