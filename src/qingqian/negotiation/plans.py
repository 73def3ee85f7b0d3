"""Installment planner: equal, custom and seasonal schedules (pure kernel).

Rules (the full text with worked examples is in ``docs/plans-and-money.md``):

* **Seasonal.** Month ``k`` of the plan gets the weight ``profile[k % len(profile)]``; the
  ideal share of a month is ``total × weight / Σ weights``. Weights must be finite and
  non-negative, and the weights of the plan's months must not all be zero.
* **Minimum** (``min_installment``, whole yuan; 1 yuan when not given). Months are grouped
  from the first: a month joins the open group and the group closes once its ideal share
  reaches the minimum; the installment is due in the group's **last** month (money is only
  ever deferred, never pulled forward). A tail that does not reach the minimum joins the
  previous group, whose due date moves to the plan's last month. Zero-weight months
  therefore never carry an installment of their own.
* **Rounding.** Every installment but the last is its group's ideal share rounded **down** to
  the whole yuan; the last installment takes the rest, so the schedule sums to the total
  exactly to the fen.
* **Capacity** (``base_capacity``): a month can pay ``weight × base_capacity``; a group can
  pay the sum over its months. A total above the plan's capacity is refused with the
  shortfall. If the last installment would exceed its capacity, whole yuan move from it to
  the latest earlier installments that still have room; if that cannot be done the plan is
  refused with the shortfall.
* **Due dates** fall on ``day`` of each due month, clamped to the month's last day.
* **Interest** (optional) accrues on the outstanding principal from ``accrues_from`` to the
  first due date and then from due date to due date, ``days / day_basis``, rounded half-up
  to the fen per installment. The rate must not exceed the cap the caller passes (the legal
  cap from the calculators); capacity then applies to principal + interest.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

from qingqian.negotiation.errors import NegotiationError

CENT = Decimal("0.01")
FEN_PER_YUAN = 100
MAX_MONTHS = 360
DEFAULT_DAY = 1

PlanKind = Literal["equal", "seasonal", "custom"]


@dataclass(frozen=True, slots=True)
class InterestTerms:
    """Interest charged by a plan: ``annual_rate`` (a fraction, ``0.12`` = 12 % a year) must
    not exceed ``cap`` (the legal cap the caller obtained from the calculators)."""

    annual_rate: Decimal
    cap: Decimal
    accrues_from: dt.date
    day_basis: int = 365


@dataclass(frozen=True, slots=True)
class Installment:
    number: int
    due: dt.date
    principal: Decimal
    interest: Decimal
    months: tuple[str, ...]
    """The plan months (``YYYY-MM``) whose share this installment carries."""
    capacity: Decimal | None
    """What the debtor can pay for this installment, or ``None`` when no capacity was given."""

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: PlanKind
    total: Decimal
    """The principal the plan repays (the agreed total)."""
    installments: tuple[Installment, ...]
    interest: InterestTerms | None = None

    @property
    def interest_total(self) -> Decimal:
        return sum((i.interest for i in self.installments), Decimal("0.00"))

    @property
    def amount_total(self) -> Decimal:
        """Everything payable: principal plus interest."""
        return self.total + self.interest_total

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API shape: ``{"installments": [{"due", "amount"}], "total"}``, amounts as
        decimal strings; ``total`` is everything payable."""
        return {
            "installments": [
                {"due": i.due.isoformat(), "amount": _fmt(i.amount)} for i in self.installments
            ],
            "total": _fmt(self.amount_total),
        }


# --------------------------------------------------------------------------- parsing


def parse_profile(text: str) -> tuple[Decimal, ...]:
    """``"1,1,2"`` → weights. Refuses empty, unparsable, negative and all-zero profiles."""
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    if not text.strip() or any(not p for p in parts):
        raise NegotiationError(
            f"现金流权重无法识别：{text!r}（应为逗号分隔的非负数，如 1,1,2）",
            f"Cannot read the cash-flow profile {text!r} (expected comma-separated "
            "non-negative numbers such as 1,1,2)",
            code="profile_invalid",
            details={"profile": text},
        )
    weights: list[Decimal] = []
    for part in parts:
        try:
            value = Decimal(part)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise NegotiationError(
                f"现金流权重不是数字：{part!r}",
                f"A cash-flow weight is not a number: {part!r}",
                code="profile_invalid",
                details={"profile": text, "weight": part},
            )
        weights.append(value)
    return validate_profile(weights)


def validate_profile(profile: Sequence[Decimal]) -> tuple[Decimal, ...]:
    weights = tuple(profile)
    if not weights:
        raise NegotiationError(
            "现金流权重为空。",
            "The cash-flow profile is empty.",
            code="profile_invalid",
            details={"profile": []},
        )
    for index, weight in enumerate(weights):
        if not isinstance(weight, Decimal) or not weight.is_finite():
            raise NegotiationError(
                f"第 {index + 1} 个现金流权重不是有限的数。",
                f"Cash-flow weight {index + 1} is not a finite number.",
                code="profile_invalid",
                details={"index": index, "weight": str(weight)},
            )
        if weight < 0:
            raise NegotiationError(
                f"现金流权重不能为负数：第 {index + 1} 个为 {weight}。",
                f"Cash-flow weights must not be negative: weight {index + 1} is {weight}.",
                code="profile_negative",
                details={"index": index, "weight": str(weight)},
            )
    if all(w == 0 for w in weights):
        raise NegotiationError(
            "现金流权重全部为零，无法分配还款。",
            "All cash-flow weights are zero; nothing can be scheduled.",
            code="profile_all_zero",
            details={"profile": [str(w) for w in weights]},
        )
    return weights


_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_year_month(text: str) -> tuple[int, int]:
    """``"2027-01"`` → ``(2027, 1)``."""
    match = _YEAR_MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise NegotiationError(
            f"起始月份格式应为 YYYY-MM：{text!r}",
            f"The start month must look like YYYY-MM: {text!r}",
            code="start_invalid",
            details={"start": text},
        )
    return int(match.group(1)), int(match.group(2))


# --------------------------------------------------------------------------- dates


def month_offset(start: tuple[int, int], offset: int) -> tuple[int, int]:
    index = start[0] * 12 + (start[1] - 1) + offset
    return index // 12, index % 12 + 1


def due_date(start: tuple[int, int], offset: int, day: int) -> dt.date:
    """The due date ``offset`` months after ``start`` on ``day``, clamped to the month's end."""
    year, month = month_offset(start, offset)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- planners


def plan_seasonal(
    *,
    total: Decimal,
    months: int,
    profile: Sequence[Decimal],
    start: tuple[int, int],
    day: int = DEFAULT_DAY,
    min_installment: Decimal | None = None,
    base_capacity: Decimal | None = None,
    interest: InterestTerms | None = None,
) -> Schedule:
    """Monthly amounts in proportion to a repeating cash-flow profile (see module rules)."""
    return _plan_weighted(
        kind="seasonal",
        total=total,
        months=months,
        profile=validate_profile(profile),
        start=start,
        day=day,
        min_installment=min_installment,
        base_capacity=base_capacity,
        interest=interest,
    )


def plan_equal(
    *,
    total: Decimal,
    months: int,
    start: tuple[int, int],
    day: int = DEFAULT_DAY,
    min_installment: Decimal | None = None,
    interest: InterestTerms | None = None,
) -> Schedule:
    """Equal monthly installments: the seasonal planner with a flat profile, so the same
    minimum and rounding rules apply (1,000 over 3 months → 333, 333, 334)."""
    return _plan_weighted(
        kind="equal",
        total=total,
        months=months,
        profile=(Decimal(1),),
        start=start,
        day=day,
        min_installment=min_installment,
        base_capacity=None,
        interest=interest,
    )


def plan_custom(
    *,
    total: Decimal,
    installments: Sequence[tuple[dt.date, Decimal]],
    min_installment: Decimal | None = None,
    interest: InterestTerms | None = None,
) -> Schedule:
    """Amounts and dates agreed one by one. They must be positive, at most two decimals,
    on strictly increasing dates, each at least the minimum, and sum to ``total`` exactly."""
    total_fen = _money_to_fen(total, field="total")
    if not installments:
        raise NegotiationError(
            "自定义计划至少需要一期。",
            "A custom plan needs at least one installment.",
            code="custom_empty",
        )
    minimum = None if min_installment is None else _money_to_fen(min_installment, "min")
    amounts: list[int] = []
    previous: dt.date | None = None
    for index, (due, amount) in enumerate(installments):
        fen = _money_to_fen(amount, field=f"installments[{index}].amount")
        if previous is not None and due <= previous:
            raise NegotiationError(
                f"还款日期必须严格递增：第 {index + 1} 期 {due} 不晚于上一期 {previous}。",
                f"Due dates must strictly increase: installment {index + 1} ({due}) is not "
                f"after {previous}.",
                code="due_dates_not_increasing",
                details={"index": index, "due": due.isoformat(), "previous": previous.isoformat()},
            )
        if minimum is not None and fen < minimum:
            raise NegotiationError(
                f"第 {index + 1} 期金额 {_fmt_fen(fen)} 低于最低还款额 {_fmt_fen(minimum)}。",
                f"Installment {index + 1} ({_fmt_fen(fen)}) is below the minimum "
                f"{_fmt_fen(minimum)}.",
                code="below_minimum",
                details={"index": index, "amount": _fmt_fen(fen), "minimum": _fmt_fen(minimum)},
            )
        amounts.append(fen)
        previous = due
    if sum(amounts) != total_fen:
        difference = total_fen - sum(amounts)
        raise NegotiationError(
            f"各期合计 {_fmt_fen(sum(amounts))} 与总额 {_fmt_fen(total_fen)} 不符"
            f"（相差 {_fmt_fen(difference)}）。",
            f"The installments sum to {_fmt_fen(sum(amounts))}, not the total "
            f"{_fmt_fen(total_fen)} (difference {_fmt_fen(difference)}).",
            code="custom_sum_mismatch",
            details={
                "sum": _fmt_fen(sum(amounts)),
                "total": _fmt_fen(total_fen),
                "difference": _fmt_fen(difference),
            },
        )
    dues = [due for due, _ in installments]
    months = [(f"{d.year:04d}-{d.month:02d}",) for d in dues]
    return _build(
        kind="custom",
        total_fen=total_fen,
        principals=amounts,
        dues=dues,
        months=months,
        capacities=[None] * len(amounts),
        interest=interest,
    )


# --------------------------------------------------------------------------- internals


def _plan_weighted(
    *,
    kind: PlanKind,
    total: Decimal,
    months: int,
    profile: tuple[Decimal, ...],
    start: tuple[int, int],
    day: int,
    min_installment: Decimal | None,
    base_capacity: Decimal | None,
    interest: InterestTerms | None,
) -> Schedule:
    total_fen = _money_to_fen(total, field="total")
    _check_months_day_start(months, day, start)
    minimum = FEN_PER_YUAN if min_installment is None else _min_to_fen(min_installment)
    if minimum > total_fen:
        raise NegotiationError(
            f"最低每期还款额 {_fmt_fen(minimum)} 高于总额 {_fmt_fen(total_fen)}。",
            f"The minimum installment {_fmt_fen(minimum)} exceeds the total {_fmt_fen(total_fen)}.",
            code="minimum_above_total",
            details={"minimum": _fmt_fen(minimum), "total": _fmt_fen(total_fen)},
        )
    weights = [Fraction(profile[k % len(profile)]) for k in range(months)]
    weight_sum = sum(weights, Fraction(0))
    if weight_sum == 0:
        raise NegotiationError(
            f"计划的 {months} 个月权重全部为零（权重会循环使用）。",
            f"The weights of all {months} plan months are zero (the profile repeats).",
            code="profile_all_zero",
            details={"profile": [str(w) for w in profile], "months": months},
        )
    shares = [total_fen * w / weight_sum for w in weights]  # exact, in fen

    caps: list[Fraction] | None = None
    if base_capacity is not None:
        base = _positive_decimal(base_capacity, field="base_capacity")
        caps = [w * base * FEN_PER_YUAN for w in weights]
        capacity_total = sum(caps, Fraction(0))
        if total_fen > capacity_total:
            shortfall = _ceil(total_fen - capacity_total)
            raise _capacity_error(shortfall, reason="total")

    groups = group_months(shares, minimum)
    group_shares = [sum((shares[k] for k in g), Fraction(0)) for g in groups]
    principals = [(_floor(s) // FEN_PER_YUAN) * FEN_PER_YUAN for s in group_shares[:-1]]
    principals.append(total_fen - sum(principals))

    group_caps: list[int | None] = [None] * len(groups)
    if caps is not None:
        exact_caps = [sum((caps[k] for k in g), Fraction(0)) for g in groups]
        group_caps = [_floor(c) for c in exact_caps]
        _fit_last_installment(principals, [_floor(c) for c in exact_caps], minimum)

    dues = [due_date(start, g[-1], day) for g in groups]
    covered = [
        tuple(f"{y:04d}-{m:02d}" for y, m in (month_offset(start, k) for k in g)) for g in groups
    ]
    return _build(
        kind=kind,
        total_fen=total_fen,
        principals=principals,
        dues=dues,
        months=covered,
        capacities=group_caps,
        interest=interest,
    )


def group_months(shares: Sequence[Fraction], minimum_fen: int) -> list[list[int]]:
    """Group consecutive months so that each group's ideal share reaches the minimum.

    A month joins the open group; the group closes when its share reaches ``minimum_fen``.
    A tail below the minimum joins the previous group (its due date moves later).
    """
    groups: list[list[int]] = []
    current: list[int] = []
    accumulated = Fraction(0)
    for index, share in enumerate(shares):
        current.append(index)
        accumulated += share
        if accumulated >= minimum_fen:
            groups.append(current)
            current, accumulated = [], Fraction(0)
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def _fit_last_installment(principals: list[int], caps: list[int], minimum: int) -> None:
    """Move whole yuan from the last installment to the latest earlier ones with room until
    the last fits its capacity. All amounts in fen; ``principals`` is changed in place only
    when the fit succeeds."""
    last = len(principals) - 1
    excess = principals[last] - caps[last]
    if excess <= 0:
        return
    needed = -(-excess // FEN_PER_YUAN) * FEN_PER_YUAN
    moved = list(principals)
    remaining = needed
    for index in range(last - 1, -1, -1):
        room = (caps[index] // FEN_PER_YUAN) * FEN_PER_YUAN - moved[index]
        take = min(room, remaining)
        if take > 0:
            moved[index] += take
            remaining -= take
        if remaining == 0:
            break
    if remaining > 0:
        raise _capacity_error(remaining, reason="rounding")
    moved[last] -= needed
    if moved[last] < minimum:
        raise _capacity_error(minimum - moved[last], reason="last_installment_minimum")
    principals[:] = moved


def _build(
    *,
    kind: PlanKind,
    total_fen: int,
    principals: Sequence[int],
    dues: Sequence[dt.date],
    months: Sequence[tuple[str, ...]],
    capacities: Sequence[int | None],
    interest: InterestTerms | None,
) -> Schedule:
    interests = [0] * len(principals)
    if interest is not None:
        interests = _interest(interest, total_fen, principals, dues)
        for index, (p, i, cap) in enumerate(zip(principals, interests, capacities, strict=True)):
            if cap is not None and p + i > cap:
                raise _capacity_error(p + i - cap, reason="interest", index=index)
    installments = tuple(
        Installment(
            number=index + 1,
            due=due,
            principal=_dec(p),
            interest=_dec(i),
            months=covered,
            capacity=None if cap is None else _dec(cap),
        )
        for index, (p, i, due, covered, cap) in enumerate(
            zip(principals, interests, dues, months, capacities, strict=True)
        )
    )
    return Schedule(kind=kind, total=_dec(total_fen), installments=installments, interest=interest)


def _interest(
    terms: InterestTerms, total_fen: int, principals: Sequence[int], dues: Sequence[dt.date]
) -> list[int]:
    rate, cap = terms.annual_rate, terms.cap
    for name, value in (("annual_rate", rate), ("cap", cap)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise NegotiationError(
                f"利率必须是非负数：{name}={value}",
                f"Rates must be non-negative numbers: {name}={value}",
                code="interest_invalid",
                details={"field": name, "value": str(value)},
            )
    if rate > cap:
        raise NegotiationError(
            f"约定利率 {rate} 超过法定上限 {cap}，不予支持。",
            f"The agreed rate {rate} exceeds the legal cap {cap} and is refused.",
            code="interest_above_cap",
            details={"annual_rate": str(rate), "cap": str(cap)},
        )
    if terms.day_basis not in (360, 365):
        raise NegotiationError(
            f"计息天数基准只能是 360 或 365：{terms.day_basis}",
            f"The day basis must be 360 or 365: {terms.day_basis}",
            code="interest_invalid",
            details={"field": "day_basis", "value": terms.day_basis},
        )
    if dues[0] <= terms.accrues_from:
        raise NegotiationError(
            f"计息起始日 {terms.accrues_from} 必须早于第一期还款日 {dues[0]}。",
            f"Interest must start ({terms.accrues_from}) before the first due date ({dues[0]}).",
            code="interest_invalid",
            details={"accrues_from": terms.accrues_from.isoformat(), "first_due": str(dues[0])},
        )
    outstanding = total_fen
    previous = terms.accrues_from
    result: list[int] = []
    for principal, due in zip(principals, dues, strict=True):
        days = (due - previous).days
        exact = Decimal(outstanding) * rate * days / terms.day_basis
        result.append(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        outstanding -= principal
        previous = due
    return result


def _capacity_error(
    shortfall_fen: int, *, reason: str, index: int | None = None
) -> NegotiationError:
    amount = _fmt_fen(shortfall_fen)
    details: dict[str, Any] = {"shortfall": amount, "reason": reason}
    if index is not None:
        details["installment"] = index + 1
    return NegotiationError(
        f"还款能力不足：按现金流还款能力无法安排该计划，缺口 {amount} 元。",
        f"Insufficient capacity: the plan does not fit the cash-flow capacity; short by "
        f"{amount} yuan.",
        code="capacity_insufficient",
        details=details,
    )


def _check_months_day_start(months: int, day: int, start: tuple[int, int]) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise NegotiationError(
            f"期数必须在 1 到 {MAX_MONTHS} 个月之间：{months}",
            f"The plan must last 1 to {MAX_MONTHS} months: {months}",
            code="months_invalid",
            details={"months": months},
        )
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
        raise NegotiationError(
            f"还款日必须在 1 到 31 之间：{day}",
            f"The day of month must be between 1 and 31: {day}",
            code="day_invalid",
            details={"day": day},
        )
    year, month = start
    if not 1900 <= year <= 9000 or not 1 <= month <= 12:
        raise NegotiationError(
            f"起始月份无效：{year}-{month}",
            f"The start month is invalid: {year}-{month}",
            code="start_invalid",
            details={"start": f"{year}-{month}"},
        )


def _money_to_fen(value: Decimal, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise NegotiationError(
            f"金额必须是 Decimal：{field}={value!r}",
            f"Amounts must be Decimal: {field}={value!r}",
            code="amount_invalid",
            details={"field": field, "value": str(value)},
        )
    if value <= 0:
        raise NegotiationError(
            f"金额必须大于零：{field}={value}",
            f"The amount must be greater than zero: {field}={value}",
            code="amount_not_positive",
            details={"field": field, "value": str(value)},
        )
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise NegotiationError(
            f"金额最多两位小数（精确到分）：{field}={value}",
            f"The amount has more than two decimals (fen): {field}={value}",
            code="amount_too_precise",
            details={"field": field, "value": str(value)},
        )
    return int(fen)


def _min_to_fen(value: Decimal) -> int:
    fen = _money_to_fen(value, field="min_installment")
    if fen % FEN_PER_YUAN:
        raise NegotiationError(
            f"最低每期还款额须为整元：{value}",
            f"The minimum installment must be a whole number of yuan: {value}",
            code="minimum_not_whole_yuan",
            details={"min_installment": str(value)},
        )
    return fen


def _positive_decimal(value: Decimal, field: str) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise NegotiationError(
            f"{field} 必须是正数：{value}",
            f"{field} must be a positive number: {value}",
            code="capacity_invalid",
            details={"field": field, "value": str(value)},
        )
    return Fraction(value)


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _dec(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(CENT)


def _fmt_fen(fen: int) -> str:
    return str(_dec(fen))


def _fmt(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


__all__ = [
    "Installment",
    "InterestTerms",
    "Schedule",
    "due_date",
    "group_months",
    "month_offset",
    "parse_profile",
    "parse_year_month",
    "plan_custom",
    "plan_equal",
    "plan_seasonal",
    "validate_profile",
]
