"""One answer to "what fee applies to this case and this payment" (issue 14's fee defects).

* A law firm's case is charged on its signed agreement's terms, never on the mediation
  centre's schedule.
* Some schedule is in force on any date: the price page is never empty.
* The band is chosen by the size of the debt, and the fee never falls when more is recovered.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingqian.fees import selectors
from qingqian.fees.commission import (
    BandMode,
    FeeBand,
    FeeSchedule,
    commission_on_total,
    for_claim,
)
from qingqian.fees.errors import FeeError
from qingqian.fees.rules import (
    LAW_FIRM_SCHEDULE,
    PRESETS,
    SEED_SCHEDULE,
    _schedule_rows,
    check_schedule,
    schedule_from_public,
)
from qingqian.payments.selectors import commission_rate
from qingqian.payments.services import payment_record
from qingqian.reports.agreements import (
    agreement_code_request,
    agreement_draft,
    agreement_send,
    agreement_sign,
)
from tests.reports.test_agreements import _code, _law_firm, accepted  # noqa: F401

D = Decimal
AT = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)


def _sign(case: Any, users: dict[str, Any], mailoutbox: list[Any]) -> Any:
    sent = agreement_send(
        agreement=agreement_draft(case=case, actor=users["lawyer"]), actor=users["lawyer"]
    )
    agreement_code_request(agreement=sent, actor=users["creditor"])
    return agreement_sign(
        agreement=sent, actor=users["creditor"], typed_name="王建华", code=_code(mailoutbox)
    )


@pytest.mark.django_db
def test_a_law_firm_case_is_charged_on_its_signed_agreement(
    accepted: Any,  # noqa: F811
    users: dict[str, Any],
    mailoutbox: list[Any],
) -> None:
    _law_firm(accepted)
    signed = _sign(accepted, users, mailoutbox)
    assert signed.schedule_key == LAW_FIRM_SCHEDULE.key
    rate = commission_rate(accepted, AT.date())
    assert rate is not None and rate.source == f"agreement:{signed.pk}:v{signed.version}"
    payment, _ = payment_record(
        case=accepted, amount=D("10000.00"), kind="bank_transfer", idempotency_key="fee-1",
        actor=users["lawyer"], received_at=AT,
    )  # fmt: skip
    # The law firm's schedule: 15 % on the first million (tranche by tranche). The mediation
    # centre's would have charged 40 % or 35 % here.
    assert payment.commission == D("1500.00")


@pytest.mark.django_db
def test_the_agreement_snapshot_binds_even_when_the_published_schedule_changes(
    accepted: Any,  # noqa: F811
    users: dict[str, Any],
    mailoutbox: list[Any],
) -> None:
    from qingqian.fees.models import FeeScheduleRow
    from qingqian.fees.presets import pricing_fields

    _law_firm(accepted)
    _sign(accepted, users, mailoutbox)
    cheaper = pricing_fields(LAW_FIRM_SCHEDULE) | {
        "key": "law-firm-2026-h2",
        "valid_from": dt.date(2026, 7, 1),
        "bands": {
            "default": {"mode": "marginal", "bands": [{"up_to": None, "rate": "0.05"}]},
            "by_debt_type": {},
        },
    }
    FeeScheduleRow.objects.create(**cheaper)
    terms = selectors.fee_terms(accepted, AT.date())
    assert terms is not None and terms.source.startswith("agreement:")
    assert commission_on_total(terms.schedule, D("10000.00")) == D("1500.00")


@pytest.mark.django_db
def test_without_an_agreement_the_case_organisations_schedule_applies(case: Any) -> None:
    _law_firm(case)
    terms = selectors.fee_terms(case, AT.date())
    assert terms is not None and terms.source == f"fee_schedule:{LAW_FIRM_SCHEDULE.key}"
    case.organisation.org_type = "mediation_centre"
    case.organisation.save(update_fields=["org_type"])
    terms = selectors.fee_terms(case, AT.date())
    assert terms is not None and terms.source == f"fee_schedule:{SEED_SCHEDULE.key}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 1, 1), dt.date(2026, 12, 6), dt.date(2028, 2, 29), dt.date(2099, 12, 31)],
)
def test_the_price_page_shows_a_schedule_in_force_on_any_date(day: dt.date) -> None:
    page = selectors.prices_page(day)
    keys = {s["key"] for s in page["schedules"]}
    assert {SEED_SCHEDULE.key, LAW_FIRM_SCHEDULE.key} <= keys
    # the withdrawn 2027 announcements never show, in force or upcoming
    assert not {s["key"] for s in page["upcoming"]} & {
        "seed-centre-2027",
        "law-firm-contingency-2027",
    }


@pytest.mark.django_db
def test_the_price_page_renders_the_schedule_in_force(client: Any) -> None:
    html = client.get("/prices").content.decode()
    assert SEED_SCHEDULE.name_zh in html and LAW_FIRM_SCHEDULE.name_zh in html


def test_the_seed_band_is_chosen_by_the_size_of_the_debt() -> None:
    seed = SEED_SCHEDULE.agreement.default
    assert seed is not None and seed.mode is BandMode.BY_CLAIM
    small = for_claim(seed, D("50000.00"))
    large = for_claim(seed, D("50000.01"))
    assert commission_on_total(small, D("50000.00")) == D("20000.00")  # 40 %
    assert commission_on_total(large, D("50000.00")) == D("17500.00")  # 35 %
    # On one case, one more fen recovered never earns less.
    assert commission_on_total(large, D("50000.01")) >= commission_on_total(large, D("50000.00"))
    assert commission_on_total(large, D("50001.00")) > commission_on_total(large, D("50000.00"))


_money = st.decimals(min_value=D("0.00"), max_value=D("99999999.99"), places=2)


@given(claim=_money, a=_money, b=_money)
def test_every_preset_fee_is_monotone_in_what_is_recovered(
    claim: Decimal, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    for pricing in PRESETS:
        schedule = pricing.agreement.default
        assert schedule is not None
        resolved = for_claim(schedule, claim)
        assert commission_on_total(resolved, low) <= commission_on_total(resolved, high)


def test_a_falling_flat_schedule_is_refused() -> None:
    cliff = FeeSchedule(
        mode=BandMode.FLAT,
        bands=(FeeBand(D("50000"), D("0.40")), FeeBand(None, D("0.35"))),
    )
    with pytest.raises(FeeError) as err:
        check_schedule(cliff, organisation_type="mediation_centre")
    assert err.value.code == "fee_schedule_not_monotone"


@pytest.mark.parametrize("pricing", PRESETS, ids=lambda p: p.key)
def test_a_disclosed_schedule_reads_back_as_the_same_schedule(pricing: Any) -> None:
    schedule = pricing.agreement.default
    assert schedule_from_public(_schedule_rows(schedule)) == schedule
