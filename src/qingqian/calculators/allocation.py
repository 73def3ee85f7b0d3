"""Applying a payment (Civil Code Arts. 560-561), legal-rules.md §4. Integer fen inside.

Within one debt: costs of enforcing the claim, then interest, then principal (Art. 561),
unless the parties agreed another order; the doubled interest for late performance of a
judgment comes after the judgment debt (法释〔2014〕8号 Art. 4). Across several debts: the
debtor's choice, else Art. 560's order (due first; least security; heaviest burden;
earliest due; pro rata).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from qingqian.calculators import citations as c
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.result import CENT, CalcResult, Trace, fmt, to_decimal

PARTS = ("costs", "interest", "principal", "delay_interest")
_PART_TEXT = {
    "costs": ("实现债权的有关费用", "costs of enforcing the claim"),
    "interest": ("利息", "interest"),
    "principal": ("主债务（本金）", "principal"),
    "delay_interest": ("迟延履行期间的加倍部分债务利息", "doubled late-performance interest"),
}
DEFAULT_ORDER = PARTS


def _fen(value: Decimal) -> int:
    return int((value / CENT).to_integral_value())


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) * CENT).quantize(CENT)


def _parse_order(order: Sequence[str] | None) -> tuple[str, ...]:
    if order is None:
        return DEFAULT_ORDER
    parts = tuple(p.strip().lower().replace("-", "_") for p in order)
    if not parts or not set(parts) <= set(PARTS) or len(set(parts)) != len(parts):
        raise CalculatorError(
            f"约定的清偿顺序无效：{', '.join(order)}",
            f"Invalid agreed order: {', '.join(order)}",
            code="order_invalid",
            details={"order": list(order), "parts": list(PARTS)},
        )
    missing = [p for p in PARTS if p not in parts]
    return parts + tuple(missing)


def _allocate_fen(payment: int, owed: dict[str, int], order: Sequence[str]) -> dict[str, int]:
    paid: dict[str, int] = {}
    left = payment
    for part in order:
        take = min(left, owed[part])
        paid[part] = take
        left -= take
    return paid


def allocate(
    payment: Decimal | int | str,
    *,
    costs: Decimal | int | str = 0,
    interest: Decimal | int | str = 0,
    principal: Decimal | int | str = 0,
    delay_interest: Decimal | int | str = 0,
    agreed_order: Sequence[str] | None = None,
) -> CalcResult:
    """Apply ``payment`` to one debt: costs → interest → principal (→ doubled interest)."""
    pay = _fen(to_decimal(payment, field="payment"))
    owed = {
        "costs": _fen(to_decimal(costs, field="costs", allow_zero=True)),
        "interest": _fen(to_decimal(interest, field="interest", allow_zero=True)),
        "principal": _fen(to_decimal(principal, field="principal", allow_zero=True)),
        "delay_interest": _fen(to_decimal(delay_interest, field="delay_interest", allow_zero=True)),
    }
    order = _parse_order(agreed_order)
    trace = Trace()
    if agreed_order is None:
        trace.step(
            "同一债务的清偿顺序：实现债权的有关费用 → 利息 → 主债务",
            "Within one debt: costs of enforcing the claim → interest → principal",
            c.CC_561,
        )
        if owed["delay_interest"]:
            trace.step(
                "加倍部分债务利息在生效法律文书确定的金钱债务之后清偿",
                "The doubled late-performance interest is paid after the judgment debt",
                c.DELAY_INTEREST,
            )
    else:
        trace.step(
            "按当事人约定的顺序清偿：" + " → ".join(_PART_TEXT[p][0] for p in order),
            "In the order the parties agreed: " + " → ".join(_PART_TEXT[p][1] for p in order),
            c.CC_561,
        )
    paid = _allocate_fen(pay, owed, order)
    left = pay
    for part in order:
        if owed[part] == 0:
            continue
        zh, en = _PART_TEXT[part]
        trace.step(
            f"{zh}：应付 {fmt(_yuan(owed[part]))}，冲抵 {fmt(_yuan(paid[part]))}，"
            f"余款 {fmt(_yuan(left - paid[part]))}",
            f"{en}: owed {fmt(_yuan(owed[part]))}, paid {fmt(_yuan(paid[part]))}, payment"
            f" left {fmt(_yuan(left - paid[part]))}",
        )
        left -= paid[part]
    if left:
        trace.warn(
            f"还款超出全部欠款 {fmt(_yuan(left))} 元，应予退还或另行处理",
            f"The payment exceeds everything owed by {fmt(_yuan(left))}: refund or handle"
            f" separately",
        )
    trace.step(
        "律师费是否属于“实现债权的有关费用”取决于合同约定和判决",
        "Whether lawyer's fees count as costs of enforcing the claim depends on the contract"
        " and the judgment",
    )
    figures: dict[str, object] = {"payment": _yuan(pay)}
    for part in PARTS:
        figures[f"to_{part}"] = _yuan(paid[part])
    for part in PARTS:
        figures[f"remaining_{part}"] = _yuan(owed[part] - paid[part])
    figures["surplus"] = _yuan(left)
    figures["order"] = list(order)
    return trace.result("allocate", figures)


@dataclass(frozen=True, slots=True)
class Debt:
    """One of several debts of the same kind owed to one creditor.

    ``security``: how well secured it is (0 = none; compare only within one case).
    ``burden``: how heavily it weighs on the debtor (e.g. its interest rate); higher first.
    """

    id: str
    due: dt.date
    principal: Decimal | int | str
    interest: Decimal | int | str = 0
    costs: Decimal | int | str = 0
    security: int = 0
    burden: Decimal | int | str = 0


@dataclass(frozen=True, slots=True)
class _D:
    debt: Debt
    owed: dict[str, int]
    burden: Decimal

    @property
    def total(self) -> int:
        return sum(self.owed.values())


def _pro_rata(amount: int, group: Sequence[_D]) -> dict[str, int]:
    """Split ``amount`` fen over ``group`` by outstanding totals, largest remainder first."""
    total = sum(d.total for d in group)
    if amount >= total:
        return {d.debt.id: d.total for d in group}
    shares: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for index, d in enumerate(group):
        base, rem = divmod(amount * d.total, total)
        shares[d.debt.id] = base
        remainders.append((-rem, index, d.debt.id))
    left = amount - sum(shares.values())
    for _, _, debt_id in sorted(remainders)[:left]:
        shares[debt_id] += 1
    return shares


def allocate_across(
    payment: Decimal | int | str,
    debts: Iterable[Debt],
    *,
    as_of: dt.date,
    debtor_choice: Sequence[str] | None = None,
) -> CalcResult:
    """Apply ``payment`` (made on ``as_of``) across several debts, then within each (Art. 561)."""
    pay = _fen(to_decimal(payment, field="payment"))
    items: list[_D] = []
    for debt in debts:
        owed = {
            "costs": _fen(to_decimal(debt.costs, field=f"{debt.id}.costs", allow_zero=True)),
            "interest": _fen(
                to_decimal(debt.interest, field=f"{debt.id}.interest", allow_zero=True)
            ),
            "principal": _fen(
                to_decimal(debt.principal, field=f"{debt.id}.principal", allow_zero=True)
            ),
            "delay_interest": 0,
        }
        burden = to_decimal(debt.burden, field=f"{debt.id}.burden", allow_zero=True, max_places=6)
        if debt.security < 0:
            raise CalculatorError(
                "担保程度不能为负。",
                "Security must not be negative.",
                code="security_negative",
                details={"debt": debt.id},
            )
        items.append(_D(debt, owed, burden))
    ids = [d.debt.id for d in items]
    if not items or len(set(ids)) != len(ids):
        raise CalculatorError(
            "请提供至少一笔债务，且编号不得重复。",
            "Give at least one debt, each with a distinct id.",
            code="debts_invalid",
            details={"ids": ids},
        )
    trace = Trace()
    by_id = {d.debt.id: d for d in items}
    groups: list[list[_D]] = []
    if debtor_choice:
        unknown = [x for x in debtor_choice if x not in by_id]
        if unknown or len(set(debtor_choice)) != len(debtor_choice):
            raise CalculatorError(
                f"债务人指定的债务不存在或重复：{', '.join(unknown) or ', '.join(debtor_choice)}",
                f"The debtor chose unknown or repeated debts: "
                f"{', '.join(unknown) or ', '.join(debtor_choice)}",
                code="choice_invalid",
                details={"choice": list(debtor_choice), "ids": ids},
            )
        trace.step(
            "债务人在清偿时指定了履行的债务：" + " → ".join(debtor_choice),
            "The debtor chose, when paying, which debts to pay: " + " → ".join(debtor_choice),
            c.CC_560,
        )
        groups.extend([by_id[x]] for x in debtor_choice)
        rest = [d for d in items if d.debt.id not in set(debtor_choice)]
    else:
        rest = items
    if rest:
        trace.step(
            "债务人未指定的，依次优先履行：已到期的债务；缺乏担保或担保最少的；债务人负担较重的；"
            "到期在先的；到期时间相同的按比例",
            "Where the debtor did not choose: debts already due first; then the least secured;"
            " then the heaviest for the debtor; then the earliest due; same due date: pro rata",
            c.CC_560,
        )

        def key(d: _D) -> tuple[int, int, Decimal, dt.date]:
            return (0 if d.debt.due <= as_of else 1, d.debt.security, -d.burden, d.debt.due)

        rest_groups: list[list[_D]] = []
        for d in sorted(rest, key=key):
            if rest_groups and key(rest_groups[-1][0]) == key(d):
                rest_groups[-1].append(d)
            else:
                rest_groups.append([d])
        groups.extend(rest_groups)
    left = pay
    shares: dict[str, int] = {d.debt.id: 0 for d in items}
    for group in groups:
        if left == 0:
            break
        split = _pro_rata(left, group)
        for debt_id, amount in split.items():
            shares[debt_id] += amount
            left -= amount
        if len(group) > 1:
            trace.step(
                "到期时间相同且其他条件相同："
                + "、".join(d.debt.id for d in group)
                + " 按比例受偿",
                "Same due date and otherwise equal: "
                + ", ".join(d.debt.id for d in group)
                + " share pro rata",
                c.CC_560,
            )
    rows: list[dict[str, object]] = []
    for group in groups:
        for d in group:
            paid = _allocate_fen(shares[d.debt.id], d.owed, DEFAULT_ORDER)
            trace.step(
                f"债务 {d.debt.id}（到期 {d.debt.due.isoformat()}，担保 {d.debt.security}，"
                f"负担 {d.burden}）：受偿 {fmt(_yuan(shares[d.debt.id]))}，依次冲抵费用"
                f" {fmt(_yuan(paid['costs']))}、利息 {fmt(_yuan(paid['interest']))}、本金"
                f" {fmt(_yuan(paid['principal']))}",
                f"Debt {d.debt.id} (due {d.debt.due.isoformat()}, security {d.debt.security},"
                f" burden {d.burden}): receives {fmt(_yuan(shares[d.debt.id]))}, applied to costs"
                f" {fmt(_yuan(paid['costs']))}, interest {fmt(_yuan(paid['interest']))},"
                f" principal {fmt(_yuan(paid['principal']))}",
                c.CC_561,
            )
            rows.append(
                {
                    "id": d.debt.id,
                    "amount": _yuan(shares[d.debt.id]),
                    "to_costs": _yuan(paid["costs"]),
                    "to_interest": _yuan(paid["interest"]),
                    "to_principal": _yuan(paid["principal"]),
                    "remaining": _yuan(d.total - shares[d.debt.id]),
                }
            )
    if left:
        trace.warn(
            f"还款超出全部欠款 {fmt(_yuan(left))} 元",
            f"The payment exceeds everything owed by {fmt(_yuan(left))}",
        )
    trace.step(
        "“债务人负担较重”的判断（如利率更高）可能改变顺序，需人工核对",
        "The 'heaviest burden' test (e.g. a higher interest rate) can reorder debts: check by hand",
    )
    figures = {"payment": _yuan(pay), "as_of": as_of, "debts": rows, "surplus": _yuan(left)}
    return trace.result("allocate_across", figures)
