"""Tiered (分段累计) schedules: court fees, preservation and enforcement fees, lawyer caps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from qingqian.calculators.result import Line, Rule, fmt, fmt_exact, fmt_pct


@dataclass(frozen=True, slots=True)
class Tier:
    """The part of the amount up to ``upper`` (``None``: no upper bound) is charged ``rate``."""

    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True, slots=True)
class TieredSchedule:
    """A dated tier table: a flat fee up to ``floor_upper``, then marginal rates, then a cap."""

    name_zh: str
    name_en: str
    valid_from: dt.date
    rule: Rule
    floor_upper: Decimal
    floor_fee: Decimal
    tiers: tuple[Tier, ...]
    cap: Decimal | None = None

    def compute(self, amount: Decimal) -> tuple[Decimal, list[Line]]:
        """The exact (unrounded) charge and one explanation line per tier used."""
        lines: list[Line] = []
        total = Decimal(0)
        if self.floor_fee or self.floor_upper:
            total = self.floor_fee
            lines.append(
                Line(
                    f"不超过 {fmt(self.floor_upper)} 元的部分：按件 {fmt(self.floor_fee)} 元",
                    f"Up to {fmt(self.floor_upper)}: flat {fmt(self.floor_fee)}",
                )
            )
        lower = self.floor_upper
        for tier in self.tiers:
            if amount <= lower:
                break
            top = amount if tier.upper is None else min(amount, tier.upper)
            part = top - lower
            charge = part * tier.rate / 100
            total += charge
            bound = "以上" if tier.upper is None else f"至 {fmt(tier.upper)} 元"
            bound_en = "and above" if tier.upper is None else f"to {fmt(tier.upper)}"
            lines.append(
                Line(
                    f"{fmt(lower)} 元{bound}的部分 {fmt(part)} × {fmt_pct(tier.rate)}"
                    f" = {fmt_exact(charge)}",
                    f"Part from {fmt(lower)} {bound_en}: {fmt(part)} × {fmt_pct(tier.rate)}"
                    f" = {fmt_exact(charge)}",
                )
            )
            if tier.upper is None:
                break
            lower = tier.upper
        if self.cap is not None and total > self.cap:
            lines.append(
                Line(
                    f"合计 {fmt_exact(total)} 超过上限 {fmt(self.cap)} 元，按上限计",
                    f"Total {fmt_exact(total)} exceeds the cap of {fmt(self.cap)}; the cap applies",
                )
            )
            total = self.cap
        return total, lines


def tiers(*pairs: tuple[str | None, str]) -> tuple[Tier, ...]:
    return tuple(Tier(None if u is None else Decimal(u), Decimal(r)) for u, r in pairs)
