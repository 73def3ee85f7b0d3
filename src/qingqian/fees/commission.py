"""Commission on recoveries (pure kernel).

A fee schedule is data: percentage bands by amount recovered, a mode, an optional minimum
and cap. Two modes:

* ``marginal`` (tranches, like income tax and the 2021 lawyer contingency cap): each band's
  rate applies only to the part of the recovered total that falls inside the band;
* ``flat`` (band by case total): the rate of the band the whole recovered total falls in
  applies to the whole total. Crossing into a band with a lower rate can lower the
  commission on the total; the next recovery then carries a negative commission (a credit
  back to the creditor). That is what the agreement says, so it is reported, not hidden.
  Kept for agreements signed on it; new schedules may not use a falling rate this way
  (``fees.rules`` refuses them as ``fee_schedule_not_monotone``);
* ``by_claim`` (band by the size of the debt): the band in which the **claim at acceptance**
  falls sets one rate for everything recovered on the case. The fee then only grows with
  what is recovered, and recovering one fen more never earns less. A ``by_claim`` schedule
  is resolved for a case's claim with :func:`for_claim` before any commission is computed.

Bands are "up to and including" ``up_to``; the last band is open (``up_to = None``).

Commission on a recovered total ``R`` (exact, then rounded half-up to the fen once):
``fee = bands(R)``; if ``R > 0`` and a minimum is set, ``fee = max(fee, minimum)``; if a cap is
set, ``fee = min(fee, cap)``; and never more than ``R`` itself.

Commission on **each recovery** is the difference of the commission on the cumulative
totals after and before it. The per-recovery commissions therefore always add up to the
commission on the cumulative total: there is no rounding drift. The caller keeps the
cumulative recovered per (agreement, case, debt type).

Schedules can differ **by debt type** (:class:`FeeAgreement`) and agreements are
effective-dated (``valid_from``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from qingqian.fees.errors import FeeError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_EXACT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)


class BandMode(StrEnum):
    MARGINAL = "marginal"
    FLAT = "flat"
    BY_CLAIM = "by_claim"


@dataclass(frozen=True, slots=True)
class FeeBand:
    up_to: Decimal | None
    rate: Decimal
    """A fraction: ``Decimal("0.18")`` is 18 %."""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    mode: BandMode
    bands: tuple[FeeBand, ...]
    minimum: Decimal | None = None
    cap: Decimal | None = None

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True, slots=True)
class FeeAgreement:
    """The schedules a creditor signed, effective from ``valid_from``."""

    valid_from: dt.date
    default: FeeSchedule | None
    by_debt_type: Mapping[str, FeeSchedule] = field(default_factory=dict)

    def schedule_for(self, debt_type: str) -> FeeSchedule:
        schedule = self.by_debt_type.get(debt_type, self.default)
        if schedule is None:
            raise FeeError(
                f"佣金协议没有适用于债务类型 {debt_type!r} 的费率表。",
                f"The fee agreement has no schedule for debt type {debt_type!r}.",
                code="commission_no_schedule",
                details={"debt_type": debt_type, "known": sorted(self.by_debt_type)},
            )
        return schedule


@dataclass(frozen=True, slots=True)
class RecoveryCommission:
    amount: Decimal
    recovered_before: Decimal
    recovered_after: Decimal
    commission_before: Decimal
    commission_after: Decimal

    @property
    def commission(self) -> Decimal:
        """Commission on this recovery (negative for a reversal, or on a flat-band drop)."""
        return self.commission_after - self.commission_before

    @property
    def net(self) -> Decimal:
        """What the creditor receives from this recovery after commission."""
        return self.amount - self.commission


def band_rate(schedule: FeeSchedule, amount: Decimal) -> Decimal:
    """The rate of the band ``amount`` falls in (bands are "up to and including")."""
    for band in schedule.bands:
        if band.up_to is None or amount <= band.up_to:
            return band.rate
    raise AssertionError("the last band is open")  # pragma: no cover - _validate's contract


def for_claim(schedule: FeeSchedule, claim: Decimal) -> FeeSchedule:
    """A ``by_claim`` schedule resolved for a case whose claim at acceptance is ``claim``: one
    rate (the claim's band) on everything recovered, minimum and cap kept. Other modes are
    returned as they are."""
    if schedule.mode is not BandMode.BY_CLAIM:
        return schedule
    claim = _amount(claim, "claim", allow_zero=True)
    return FeeSchedule(
        mode=BandMode.FLAT,
        bands=(FeeBand(None, band_rate(schedule, claim)),),
        minimum=schedule.minimum,
        cap=schedule.cap,
    )


def is_monotone(schedule: FeeSchedule) -> bool:
    """Whether recovering more can never lower the fee: marginal and by-claim schedules always;
    a flat schedule only if no band has a lower rate than the one before it."""
    if schedule.mode is not BandMode.FLAT:
        return True
    rates = [b.rate for b in schedule.bands]
    return all(a <= b for a, b in itertools.pairwise(rates))


def commission_on_total(schedule: FeeSchedule, recovered: Decimal) -> Decimal:
    """Commission on a cumulative recovered total, rounded half-up to the fen."""
    recovered = _amount(recovered, "recovered", allow_zero=True)
    if recovered == 0:
        return ZERO
    fee = _bands(schedule, recovered)
    if schedule.minimum is not None:
        fee = max(fee, schedule.minimum)
    if schedule.cap is not None:
        fee = min(fee, schedule.cap)
    fee = min(fee, recovered)
    return fee.quantize(CENT, rounding=ROUND_HALF_UP, context=_EXACT)


def commission_for_recovery(
    schedule: FeeSchedule, *, recovered_before: Decimal, amount: Decimal
) -> RecoveryCommission:
    """Commission on one recovery given what was recovered before it. ``amount`` may be
    negative for a reversal, as long as the cumulative total stays at or above zero."""
    before = _amount(recovered_before, "recovered_before", allow_zero=True)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount == 0:
        raise FeeError(
            f"回款金额必须是非零 Decimal：{amount!r}",
            f"The recovery amount must be a non-zero Decimal: {amount!r}",
            code="commission_amount_invalid",
            details={"amount": str(amount)},
        )
    _fen_precision(amount, "amount")
    after = before + amount
    if after < 0:
        raise FeeError(
            f"冲回金额 {-amount} 超过累计回款 {before}。",
            f"The reversal {-amount} exceeds the recovered total {before}.",
            code="commission_reversal_too_large",
            details={"amount": str(amount), "recovered_before": str(before)},
        )
    return RecoveryCommission(
        amount=amount,
        recovered_before=before,
        recovered_after=after,
        commission_before=commission_on_total(schedule, before),
        commission_after=commission_on_total(schedule, after),
    )


def commission_series(
    schedule: FeeSchedule, amounts: Sequence[Decimal], *, recovered_before: Decimal = ZERO
) -> list[RecoveryCommission]:
    """Commission on each of a sequence of recoveries (and reversals)."""
    result: list[RecoveryCommission] = []
    running = recovered_before
    for amount in amounts:
        item = commission_for_recovery(schedule, recovered_before=running, amount=amount)
        result.append(item)
        running = item.recovered_after
    return result


def agreement_in_force(agreements: Sequence[FeeAgreement], on: dt.date) -> FeeAgreement:
    """The agreement with the latest ``valid_from`` on or before ``on``."""
    candidates = [a for a in agreements if a.valid_from <= on]
    if not candidates:
        raise FeeError(
            f"{on} 没有生效的佣金协议。",
            f"No fee agreement is in force on {on}.",
            code="commission_no_agreement",
            details={"on": on.isoformat()},
        )
    return max(candidates, key=lambda a: a.valid_from)


# --------------------------------------------------------------------------- data


def fee_schedule_from_data(data: Mapping[str, Any]) -> FeeSchedule:
    """``{"mode": "marginal", "bands": [{"up_to": "1000000", "rate": "0.18"}, {"up_to": null,
    "rate": "0.06"}], "minimum": "500", "cap": null}``. Numbers must be strings (or ints)."""
    try:
        mode = BandMode(data.get("mode", ""))
    except ValueError:
        raise _invalid(
            "mode", data.get("mode"), "mode must be 'marginal', 'flat' or 'by_claim'"
        ) from None
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list | tuple):
        raise _invalid("bands", raw_bands, "bands must be a list")
    bands = []
    for index, band in enumerate(raw_bands):
        if not isinstance(band, Mapping):
            raise _invalid(f"bands[{index}]", band, "each band must be an object")
        up_to = band.get("up_to")
        bands.append(
            FeeBand(
                up_to=None if up_to is None else _number(up_to, f"bands[{index}].up_to"),
                rate=_number(band.get("rate"), f"bands[{index}].rate"),
            )
        )
    minimum = data.get("minimum")
    cap = data.get("cap")
    return FeeSchedule(
        mode=mode,
        bands=tuple(bands),
        minimum=None if minimum is None else _number(minimum, "minimum"),
        cap=None if cap is None else _number(cap, "cap"),
    )


def fee_agreement_from_data(data: Mapping[str, Any]) -> FeeAgreement:
    """``{"valid_from": "2027-01-01", "default": {...}, "by_debt_type": {"wages": {...}}}``."""
    raw_from = data.get("valid_from")
    try:
        valid_from = dt.date.fromisoformat(str(raw_from))
    except ValueError:
        raise _invalid("valid_from", raw_from, "valid_from must be YYYY-MM-DD") from None
    default = data.get("default")
    by_type = data.get("by_debt_type") or {}
    if not isinstance(by_type, Mapping):
        raise _invalid("by_debt_type", by_type, "by_debt_type must be an object")
    return FeeAgreement(
        valid_from=valid_from,
        default=None if default is None else fee_schedule_from_data(default),
        by_debt_type={str(k): fee_schedule_from_data(v) for k, v in by_type.items()},
    )


# --------------------------------------------------------------------------- internals


def _bands(schedule: FeeSchedule, recovered: Decimal) -> Decimal:
    if schedule.mode is BandMode.BY_CLAIM:
        raise FeeError(
            "按债权金额分档的费率表须先按案件受理时的债权金额确定费率。",
            "A schedule banded by the claim must first be resolved for the case's claim.",
            code="commission_claim_required",
            details={"mode": schedule.mode.value},
        )
    fee = Decimal(0)
    lower = Decimal(0)
    for band in schedule.bands:
        upper = band.up_to
        if schedule.mode is BandMode.FLAT:
            if upper is None or recovered <= upper:
                return _EXACT.multiply(recovered, band.rate)
            continue
        top = recovered if upper is None else min(recovered, upper)
        if top > lower:
            fee = _EXACT.add(fee, _EXACT.multiply(top - lower, band.rate))
        if upper is None or recovered <= upper:
            break
        lower = upper
    return fee


def _validate(schedule: FeeSchedule) -> None:
    if not isinstance(schedule.mode, BandMode):
        raise _invalid("mode", schedule.mode, "mode must be a BandMode")
    if not schedule.bands:
        raise _invalid("bands", [], "at least one band is needed")
    previous: Decimal | None = None
    for index, band in enumerate(schedule.bands):
        last = index == len(schedule.bands) - 1
        rate = band.rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 1:
            raise _invalid(f"bands[{index}].rate", rate, "rates are fractions from 0 to 1")
        if band.up_to is None:
            if not last:
                raise _invalid(f"bands[{index}].up_to", None, "only the last band is open")
            continue
        if last:
            raise _invalid(f"bands[{index}].up_to", band.up_to, "the last band must be open")
        if not isinstance(band.up_to, Decimal) or not band.up_to.is_finite() or band.up_to <= 0:
            raise _invalid(f"bands[{index}].up_to", band.up_to, "band limits must be positive")
        if previous is not None and band.up_to <= previous:
            raise _invalid(f"bands[{index}].up_to", band.up_to, "band limits must increase")
        previous = band.up_to
    for name, value in (("minimum", schedule.minimum), ("cap", schedule.cap)):
        if value is not None and (
            not isinstance(value, Decimal) or not value.is_finite() or value < 0
        ):
            raise _invalid(name, value, f"{name} must be a non-negative Decimal")
    if (
        schedule.minimum is not None
        and schedule.cap is not None
        and schedule.minimum > schedule.cap
    ):
        raise _invalid("minimum", schedule.minimum, "the minimum exceeds the cap")


def _invalid(field_name: str, value: object, why: str) -> FeeError:
    return FeeError(
        f"佣金费率表无效：{field_name}={value!r}（{why}）",
        f"Invalid fee schedule: {field_name}={value!r} ({why})",
        code="commission_schedule_invalid",
        details={"field": field_name, "value": str(value), "problem": why},
    )


def _number(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _invalid(name, value, "numbers must be decimal strings, never floats")
    try:
        number = Decimal(value)
    except decimal.InvalidOperation:
        raise _invalid(name, value, "not a number") from None
    if not number.is_finite():
        raise _invalid(name, value, "not a finite number")
    return number


def _amount(value: Decimal, name: str, *, allow_zero: bool) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise FeeError(
            f"{name} 必须是非负 Decimal：{value!r}",
            f"{name} must be a non-negative Decimal: {value!r}",
            code="commission_amount_invalid",
            details={"field": name, "value": str(value)},
        )
    if value == 0 and not allow_zero:
        raise FeeError(
            f"{name} 必须大于零。",
            f"{name} must be greater than zero.",
            code="commission_amount_invalid",
            details={"field": name, "value": str(value)},
        )
    _fen_precision(value, name)
    return value


def _fen_precision(value: Decimal, name: str) -> None:
    if value != value.quantize(CENT, context=_EXACT):
        raise FeeError(
            f"{name} 最多两位小数：{value}",
            f"{name} has more than two decimals: {value}",
            code="commission_amount_invalid",
            details={"field": name, "value": str(value)},
        )


# The 2021 cap on lawyers' contingency fees (司发通〔2021〕87号 item 六), tranche by tranche
# on the amount recovered. A ceiling to check agreements against, not a fee to charge.
CONTINGENCY_CAP_2021 = FeeSchedule(
    mode=BandMode.MARGINAL,
    bands=(
        FeeBand(Decimal("1000000"), Decimal("0.18")),
        FeeBand(Decimal("5000000"), Decimal("0.15")),
        FeeBand(Decimal("10000000"), Decimal("0.12")),
        FeeBand(Decimal("50000000"), Decimal("0.09")),
        FeeBand(None, Decimal("0.06")),
    ),
)
CONTINGENCY_CAP_2021_VALID_FROM = dt.date(2021, 12, 28)
