"""Applying a payment to a case's debts, component by component (Civil Code Arts. 560-561).

Pure and in integer fen: the caller loads the debts (invoices with their principal and
their cost and interest rows, or the case itself when it has no invoices), this module says
where each fen goes, and ``apply_shares`` moves the outstanding figures in memory. The
interactive path (``services.payment_record``), the bulk path (``bulk.payments_post_bulk``)
and reversals all use it, so they cannot disagree.

* Within one debt (Art. 561): costs of enforcing the claim, then interest, then principal.
  Several cost (or interest) rows of one debt are paid oldest first (by id).
* Across debts (Art. 560): the debtor's choice (``pinned`` amounts per invoice), else
  ``calculators.allocation.allocate_across``: due first, then earliest due, same due date
  pro rata with the largest remainder to the fen. The due date of an invoice is its due
  date, else its issue date, else the case's due date, else the payment day.
* What exceeds everything owed is a ``surplus`` share with no invoice (held for refund).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from qingqian.calculators.allocation import Debt, allocate_across
from qingqian.payments.errors import PaymentsError

CENT = Decimal("0.01")
COMPONENT_ORDER = ("costs", "interest", "principal")


def to_fen(value: Decimal) -> int:
    return int(value.scaleb(2).to_integral_value())


def to_yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(CENT)


@dataclass(frozen=True, slots=True)
class Share:
    """Where part of a payment went: an invoice (or ``None``: the case itself, or surplus),
    a component, and for costs and interest the exact row."""

    invoice_id: int | None
    component: str
    amount: Decimal
    charge_id: int | None = None


@dataclass(slots=True)
class ChargeState:
    charge_id: int
    component: str  # "costs" | "interest"
    outstanding: int  # fen


@dataclass(slots=True)
class DebtState:
    """One debt's outstanding, in fen. ``invoice_id`` is ``None`` for a case without
    invoices (the case's own outstanding principal)."""

    invoice_id: int | None
    due: dt.date | None
    principal: int
    charges: list[ChargeState] = field(default_factory=list)
    number: str = ""

    def owed(self, component: str) -> int:
        if component == "principal":
            return self.principal
        return sum(c.outstanding for c in self.charges if c.component == component)

    @property
    def total(self) -> int:
        return self.principal + sum(c.outstanding for c in self.charges)


def _within(debt: DebtState, pay: int, out: list[Share]) -> int:
    """Art. 561 inside one debt; appends the shares, returns what is left of ``pay``."""
    for component in ("costs", "interest"):
        for charge in debt.charges:
            if pay == 0:
                return 0
            if charge.component != component or charge.outstanding == 0:
                continue
            take = min(pay, charge.outstanding)
            out.append(Share(debt.invoice_id, component, to_yuan(take), charge.charge_id))
            pay -= take
    if pay and debt.principal:
        take = min(pay, debt.principal)
        out.append(Share(debt.invoice_id, "principal", to_yuan(take)))
        pay -= take
    return pay


def _check_part(raw: Decimal) -> int:
    if not isinstance(raw, Decimal) or not raw.is_finite() or raw <= 0 or raw != raw.quantize(CENT):
        raise PaymentsError(
            "各发票冲抵金额必须为大于零、至多两位小数的金额。",
            "Each invoice amount must be greater than zero with at most two decimals.",
            code="payment_amount_invalid",
            details={"field": "invoice_amounts", "amount": str(raw)},
        )
    return to_fen(raw)


def plan(
    debts: Sequence[DebtState],
    amount: Decimal,
    *,
    on: dt.date,
    pinned: Mapping[int, Decimal] | None = None,
) -> list[Share]:
    """How ``amount`` is applied to ``debts`` (no side effects)."""
    pay = to_fen(amount)
    shares: list[Share] = []
    if pinned is not None:
        by_id = {d.invoice_id: d for d in debts if d.invoice_id is not None}
        total = 0
        for invoice_id, raw in pinned.items():
            part = _check_part(raw)
            debt = by_id.get(invoice_id)
            if debt is None:
                raise PaymentsError(
                    f"发票 {invoice_id} 不属于本案。",
                    f"Invoice {invoice_id} does not belong to this case.",
                    code="payment_invoice_unknown",
                    details={"invoice_id": invoice_id},
                )
            if part > debt.total:
                owed = to_yuan(debt.total)
                raise PaymentsError(
                    f"发票 {debt.number} 只欠 {owed}（含费用和利息），不能冲抵 {raw}。",
                    f"Invoice {debt.number} has only {owed} outstanding (costs and interest "
                    f"included), not {raw}.",
                    code="payment_invoice_overpaid",
                    details={"invoice_id": invoice_id, "outstanding": str(owed)},
                )
            _within(debt, part, shares)
            total += part
        if total != pay:
            raise PaymentsError(
                f"各发票冲抵金额合计 {to_yuan(total)} 与收款金额 {amount} 不一致。",
                f"The invoice amounts add up to {to_yuan(total)}, not the payment's {amount}.",
                code="payment_invoice_sum_mismatch",
                details={"sum": str(to_yuan(total)), "amount": str(amount)},
            )
        return shares
    open_debts = [d for d in debts if d.total > 0]
    if len(open_debts) <= 1:
        # One debt: Art. 560 has nothing to order; Art. 561 within it.
        left = _within(open_debts[0], pay, shares) if open_debts else pay
    else:
        figures = allocate_across(
            to_yuan(pay),
            [
                Debt(
                    id=str(n),
                    due=d.due or on,
                    principal=to_yuan(d.principal),
                    interest=to_yuan(d.owed("interest")),
                    costs=to_yuan(d.owed("costs")),
                )
                for n, d in enumerate(open_debts)
            ],
            as_of=on,
        ).figures
        for row in figures["debts"]:
            part = to_fen(row["amount"])
            if part:
                rest = _within(open_debts[int(row["id"])], part, shares)
                assert rest == 0, "allocate_across gave a debt more than it owes"
        left = to_fen(figures["surplus"])
    if left:
        shares.append(Share(None, "surplus", to_yuan(left)))
    return shares


def apply_shares(debts: Iterable[DebtState], shares: Iterable[Share], *, sign: int) -> int:
    """Move the debts' outstanding by ``sign`` × each share (−1 pays, +1 restores). Returns
    the change in principal (fen, signed) of a case-level debt or the invoices together."""
    by_invoice = {d.invoice_id: d for d in debts}
    charges = {c.charge_id: c for d in by_invoice.values() for c in d.charges}
    principal = 0
    for s in shares:
        if s.component == "surplus":
            continue
        fen = sign * to_fen(s.amount)
        if s.component == "principal":
            by_invoice[s.invoice_id].principal += fen
            principal += fen
        else:
            if s.charge_id is None:
                raise ValueError(f"a {s.component} share without its row")
            charges[s.charge_id].outstanding += fen
    return principal


def totals(shares: Iterable[Share]) -> dict[str, Decimal]:
    """Σ per component, in ``COMPONENT_ORDER`` then surplus; zero components left out."""
    out: dict[str, Decimal] = {}
    for s in shares:
        out[s.component] = out.get(s.component, Decimal("0.00")) + s.amount
    order = (*COMPONENT_ORDER, "surplus")
    return {k: out[k] for k in order if k in out}
