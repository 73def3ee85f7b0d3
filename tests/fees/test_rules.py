"""Fee-schedule legality: caps by organisation type, forbidden case types, no debtor fees."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.calculators.fees import contingency_cap
from qingqian.fees.commission import (
    CONTINGENCY_CAP_2021,
    BandMode,
    FeeAgreement,
    FeeBand,
    FeeSchedule,
    commission_on_total,
)
from qingqian.fees.errors import FeeError
from qingqian.fees.rules import (
    LAW_FIRM_SCHEDULE,
    SEED_SCHEDULE,
    OrgType,
    PricingSchedule,
    check_agreement,
    check_pricing,
    check_schedule,
    first_violation,
    price_disclosure,
    pricing_from_data,
)

D = Decimal


def flat(*pairs: tuple[str | None, str], minimum: str | None = None) -> FeeSchedule:
    return FeeSchedule(
        mode=BandMode.FLAT,
        bands=tuple(FeeBand(None if u is None else D(u), D(r)) for u, r in pairs),
        minimum=None if minimum is None else D(minimum),
    )


def marginal(*pairs: tuple[str | None, str]) -> FeeSchedule:
    return FeeSchedule(
        mode=BandMode.MARGINAL,
        bands=tuple(FeeBand(None if u is None else D(u), D(r)) for u, r in pairs),
    )


@pytest.mark.parametrize(
    ("schedule", "recovered", "fee", "cap"),
    [
        (flat(("50000", "0.40"), (None, "0.35")), "50000.00", "20000.00", "9000.00"),
        (marginal(("1000000", "0.18"), (None, "0.15")), "10000000.00", "1530000.00", "1380000.00"),
        (flat(("1000000", "0.18"), (None, "0.15")), "10000000.00", "1500000.00", "1380000.00"),
        (flat((None, "0.10"), minimum="500"), "0.01", "0.01", "0.00"),
    ],
)
def test_first_violation_worked_examples(
    schedule: FeeSchedule, recovered: str, fee: str, cap: str
) -> None:
    assert first_violation(schedule, CONTINGENCY_CAP_2021) == (D(recovered), D(fee), D(cap))


def test_a_by_claim_schedule_is_checked_at_its_highest_rate() -> None:
    """Any claim may fall in the 40 % band, so the seed schedule is above a lawyer's cap."""
    seed = SEED_SCHEDULE.agreement.default
    assert seed is not None
    forty = flat((None, "0.40"))
    assert first_violation(seed, CONTINGENCY_CAP_2021) == first_violation(
        forty, CONTINGENCY_CAP_2021
    )
    assert first_violation(seed, CONTINGENCY_CAP_2021) is not None


def test_schedule_at_the_cap_passes() -> None:
    assert first_violation(CONTINGENCY_CAP_2021, CONTINGENCY_CAP_2021) is None


def test_law_firm_preset_is_within_the_caps() -> None:
    check = check_pricing(LAW_FIRM_SCHEDULE, case_type="civil")
    assert [r.code for r in check.rules][:3] == [
        "lawyer_contingency_cap",
        "lawyer_forbidden_case_types",
        "lawyer_written_contract",
    ]


def test_over_cap_law_firm_schedule_is_refused_citing_the_rule() -> None:
    with pytest.raises(FeeError) as err:
        check_schedule(
            SEED_SCHEDULE.agreement.default or flat((None, "0")),
            organisation_type="law_firm",
            case_type="civil",
        )
    assert err.value.code == "fee_above_cap"
    assert err.value.details["rule"]["rules"][0]["article"] == "第（六）项 / item (6)"
    assert "司发通〔2021〕87号" in err.value.message_zh


def test_cap_figure_matches_the_calculator() -> None:
    with pytest.raises(FeeError) as err:
        check_schedule(flat((None, "0.20")), organisation_type="law_firm")
    recovered = err.value.details["recovered"]
    assert err.value.details["cap"] == str(contingency_cap(recovered)["max_fee"])


def test_agreement_signed_before_2021_uses_the_old_30_percent() -> None:
    agreement = FeeAgreement(valid_from=dt.date(2021, 6, 1), default=flat((None, "0.25")))
    check = check_agreement(agreement, organisation_type="law_firm", case_type="civil")
    assert check.rules[0].code == "lawyer_old_cap"


def test_old_cap_refuses_above_30_percent() -> None:
    agreement = FeeAgreement(valid_from=dt.date(2021, 6, 1), default=flat((None, "0.31")))
    with pytest.raises(FeeError) as err:
        check_agreement(agreement, organisation_type="law_firm")
    assert (err.value.code, err.value.details["rule"]["code"]) == (
        "fee_above_cap",
        "lawyer_old_cap",
    )


def test_forbidden_case_type_is_refused() -> None:
    with pytest.raises(FeeError) as err:
        check_pricing(LAW_FIRM_SCHEDULE, case_type="wages")
    assert err.value.code == "contingency_forbidden_case_type"
    assert err.value.details["rule"]["code"] == "lawyer_forbidden_case_types"


def test_agreement_keyed_by_forbidden_case_type_is_refused() -> None:
    agreement = FeeAgreement(
        valid_from=dt.date(2027, 1, 1),
        default=marginal((None, "0.05")),
        by_debt_type={"inheritance": marginal((None, "0.05"))},
    )
    with pytest.raises(FeeError) as err:
        check_agreement(agreement, organisation_type="law_firm")
    assert (err.value.code, err.value.details["schedule"]) == (
        "contingency_forbidden_case_type",
        "inheritance",
    )


def test_zero_fee_schedule_is_allowed_in_a_forbidden_case_type() -> None:
    check = check_schedule(flat((None, "0")), organisation_type="law_firm", case_type="marriage")
    assert check.organisation_type is OrgType.LAW_FIRM


def test_seed_schedule_is_lawful_for_a_mediation_centre_with_a_warning() -> None:
    check = check_pricing(SEED_SCHEDULE)
    assert [w.en for w in check.warnings] == [
        "No national cap on a non-lawyer organisation's commission rate was found; the rate is"
        " a matter of contract"
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"peoples_mediation": True}, "peoples_mediation_must_be_free"),
        ({"covers_litigation": True}, "non_lawyer_litigation_fee"),
    ],
)
def test_non_lawyer_refusals(kwargs: dict[str, bool], code: str) -> None:
    with pytest.raises(FeeError) as err:
        check_schedule(flat((None, "0.2")), organisation_type="mediation_centre", **kwargs)
    assert err.value.code == code


def test_in_house_has_no_cap() -> None:
    check = check_schedule(flat((None, "0.5")), organisation_type="in_house")
    assert check.rules[0].code == "in_house_employees"


@pytest.mark.parametrize(
    ("org", "case_type", "code"),
    [
        ("bank", None, "unknown_organisation_type"),
        ("law_firm", "divorce", "unknown_case_type"),
    ],
)
def test_unknown_choices_are_refused(org: str, case_type: str | None, code: str) -> None:
    with pytest.raises(FeeError) as err:
        check_schedule(flat((None, "0.1")), organisation_type=org, case_type=case_type)
    assert err.value.code == code


# --- fees are the creditor's only --------------------------------------------------------


def test_pricing_schedule_has_no_payer_field() -> None:
    names = {f.name for f in dataclasses.fields(PricingSchedule)}
    assert not {n for n in names if "debtor" in n or "payer" in n or "charged" in n}


def test_pricing_schedule_cannot_take_a_payer() -> None:
    with pytest.raises(TypeError):
        PricingSchedule(  # type: ignore[call-arg]
            key="x",
            name_zh="x",
            name_en="x",
            organisation_type=OrgType.MEDIATION_CENTRE,
            agreement=SEED_SCHEDULE.agreement,
            charged_to="debtor",
        )


def _seed_data() -> dict[str, object]:
    return {
        "key": "centre",
        "name_zh": "调解中心收费",
        "name_en": "Centre fees",
        "organisation_type": "mediation_centre",
        "agreement": {
            "valid_from": "2027-01-01",
            "default": {"mode": "flat", "bands": [{"up_to": None, "rate": "0.3"}]},
        },
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"charged_to": "debtor"},
        {"debtor_collection_fee": "200"},
        {"债务人催收费": "200"},
    ],
)
def test_collection_fee_charged_to_a_debtor_cannot_be_written(extra: dict[str, str]) -> None:
    with pytest.raises(FeeError) as err:
        pricing_from_data({**_seed_data(), **extra})
    assert err.value.code == "debtor_fee_forbidden"


def test_pricing_from_data_round_trip() -> None:
    pricing = pricing_from_data({**_seed_data(), "charged_to": "creditor"})
    assert (pricing.valid_from, pricing.charged_to) == (dt.date(2027, 1, 1), "creditor")


@pytest.mark.parametrize(
    "change",
    [
        {"name_zh": "讨债服务"},
        {"prepayment": 1.5},
        {"organisation_type": "agency"},
        {"withdrawn_on": "2026-12-31"},
        {"colour": "red"},
    ],
)
def test_invalid_pricing_data_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(FeeError) as err:
        pricing_from_data({**_seed_data(), **change})
    assert err.value.code == "pricing_invalid"


# --- the public price page ---------------------------------------------------------------


def test_price_disclosure_lists_active_schedules_with_dates() -> None:
    later = dataclasses.replace(
        SEED_SCHEDULE,
        agreement=FeeAgreement(valid_from=dt.date(2027, 7, 1), default=flat((None, "0.3"))),
    )
    page = price_disclosure([SEED_SCHEDULE, LAW_FIRM_SCHEDULE, later], on=dt.date(2027, 3, 1))
    assert [(s["key"], s["effective_from"]) for s in page["schedules"]] == [
        ("law-firm-contingency-2026", "2026-01-01"),
        ("seed-centre-2026", "2026-01-01"),
    ]
    assert [s["effective_from"] for s in page["upcoming"]] == ["2027-07-01"]
    seed = page["schedules"][1]
    assert seed["schedules"][0]["bands"][0] == {
        "above": "0.00",
        "up_to": "50000.00",
        "rate_percent": "40.00",
    }
    assert (seed["charged_to"], seed["prepayment"]) == ("creditor", "0.00")


def test_price_disclosure_after_the_change_shows_the_new_schedule() -> None:
    later = dataclasses.replace(
        SEED_SCHEDULE,
        agreement=FeeAgreement(valid_from=dt.date(2027, 7, 1), default=flat((None, "0.3"))),
    )
    page = price_disclosure([SEED_SCHEDULE, later], on=dt.date(2027, 7, 1))
    assert [s["effective_from"] for s in page["schedules"]] == ["2027-07-01"]


def test_price_disclosure_before_anything_is_in_force() -> None:
    page = price_disclosure([SEED_SCHEDULE], on=dt.date(2025, 12, 31))
    assert (page["schedules"], len(page["upcoming"])) == ([], 1)


def test_a_schedule_withdrawn_before_it_took_effect_is_never_shown() -> None:
    withdrawn = dataclasses.replace(
        SEED_SCHEDULE,
        key="seed-centre-2027",
        agreement=FeeAgreement(valid_from=dt.date(2027, 1, 1), default=flat((None, "0.3"))),
        withdrawn_on=dt.date(2027, 1, 1),
    )
    for day in (dt.date(2026, 6, 1), dt.date(2027, 6, 1)):
        page = price_disclosure([SEED_SCHEDULE, withdrawn], on=day)
        assert [s["key"] for s in page["schedules"]] == ["seed-centre-2026"]
        assert page["upcoming"] == []


# --- properties --------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=D("0.5"), places=3)
limits = st.lists(
    st.integers(min_value=1, max_value=60_000_000), min_size=0, max_size=3, unique=True
)


@st.composite
def schedules(draw: st.DrawFn) -> FeeSchedule:
    ups = sorted(draw(limits))
    mode = draw(st.sampled_from([BandMode.FLAT, BandMode.MARGINAL]))
    bands = [FeeBand(D(u), draw(rates)) for u in ups] + [FeeBand(None, draw(rates))]
    minimum = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2)))
    return FeeSchedule(mode=mode, bands=tuple(bands), minimum=minimum)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules(), amounts=st.lists(st.integers(1, 10**10), min_size=1, max_size=8))
def test_passing_schedules_never_exceed_the_cap(schedule: FeeSchedule, amounts: list[int]) -> None:
    if first_violation(schedule, CONTINGENCY_CAP_2021) is not None:
        return
    for fen in amounts:
        recovered = D(fen) / 100
        assert commission_on_total(schedule, recovered) <= contingency_cap(recovered)["max_fee"]


@settings(max_examples=150, deadline=None)
@given(schedule=schedules())
def test_reported_violation_is_real(schedule: FeeSchedule) -> None:
    found = first_violation(schedule, CONTINGENCY_CAP_2021)
    if found is None:
        return
    recovered, fee, cap = found
    exact_fee = commission_on_total(schedule, recovered)
    assert (exact_fee, cap) == (fee, contingency_cap(recovered)["max_fee"])
    assert fee >= cap
