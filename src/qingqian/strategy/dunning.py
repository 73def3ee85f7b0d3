"""Follow-up schedules (催告计划) as data: reminder levels before and after a due date, a
fee and interest per level where the contract allows them (within the product's caps), and
one consolidated statement per debtor across invoices (pure kernel: no Django, no clock).

What creditors' finance teams know from ERP dunning tools (follow-up levels, dunning types,
reminders, overdue states), expressed for the strategy engine:

* a :class:`Schedule` has any number of :class:`Level` s, each ``offset_days`` from an item's
  due date (negative: before it, a courtesy reminder; positive: after it), the channels to
  use, the message template (``contact/messages/<template>.txt``), an optional flat fee and
  whether late interest runs from that level on;
* schedules are chosen per debtor, else per creditor, else the firm's default
  (:func:`resolve`);
* when an installment plan is agreed, its installments replace the invoices it covers
  (:func:`items_for`): reminders then follow the plan's dates, not the old invoices';
* :func:`due_levels` says which level each item has reached today and has not been sent
  yet; only the highest such level is sent (no burst of missed levels), and a manual
  "send now" is the same statement with ``force=True`` (every open item, at its level);
* :func:`statement` consolidates every open item of a debtor into one statement with the
  fee and interest each level adds, capped: fees only where the contract allows them and at
  most ``fee_cap_ratio`` of the principal, interest at the agreed rate but never above the
  product's cap (four times the one-year LPR by default in the calculators), and for
  private loans fees and interest together within that cap; it tells what is due now apart
  from what is not due yet (a plan's later installments are shown, never demanded).

Every message still goes through the contact gate; this module only decides what is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qingqian.strategy.errors import StrategyError

CENT = Decimal("0.01")
CHANNELS = ("sms", "email", "letter")
TEMPLATES = ("reminder", "legal_notice", "statement")
MIN_OFFSET, MAX_OFFSET = -90, 730
MAX_LEVELS = 20


def _fail(code: str, zh: str, en: str, **details: Any) -> StrategyError:
    return StrategyError(zh, en, code=code, details=details)


@dataclass(frozen=True, slots=True)
class Level:
    key: str
    offset_days: int  # from the item's due date: < 0 before it, > 0 after it
    channels: tuple[str, ...]
    template: str
    fee: Decimal = Decimal("0")  # a flat fee added when this level is sent
    interest: bool = False  # late interest runs from this level on

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "offset_days": self.offset_days,
            "channels": list(self.channels),
            "template": self.template,
            "fee": f"{self.fee:f}",
            "interest": self.interest,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    key: str
    name_zh: str
    name_en: str
    levels: tuple[Level, ...]
    fees_agreed: bool = False  # the creditor's contracts provide for the levels' fees

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "fees_agreed": self.fees_agreed,
            "levels": [lv.to_dict() for lv in self.levels],
        }


def _level(raw: Any, path: str) -> Level:
    if not isinstance(raw, Mapping):
        raise _fail("bad_level", f"{path} 须为对象。", f"{path} must be an object.", path=path)
    key = str(raw.get("key", "")).strip()
    if not key or len(key) > 32:
        raise _fail("bad_level_key", f"{path}.key 无效。", f"{path}.key is invalid.", path=path)
    offset = raw.get("offset_days")
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise _fail(
            "bad_offset",
            f"{path}.offset_days 须为整数。",
            f"{path}.offset_days must be an integer.",
            path=path,
        )
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise _fail(
            "offset_out_of_range",
            f"{path}.offset_days 须在 {MIN_OFFSET} 到 {MAX_OFFSET} 天之间。",
            f"{path}.offset_days must be from {MIN_OFFSET} to {MAX_OFFSET} days.",
            path=path,
        )
    channels = raw.get("channels")
    if (
        not isinstance(channels, list)
        or not channels
        or any(c not in CHANNELS for c in channels)
        or len(set(channels)) != len(channels)
    ):
        raise _fail(
            "bad_channels",
            f"{path}.channels 须为 {', '.join(CHANNELS)} 中的一个或多个。",
            f"{path}.channels must be one or more of {', '.join(CHANNELS)}.",
            path=path,
        )
    template = raw.get("template", "reminder")
    if template not in TEMPLATES:
        raise _fail(
            "bad_template",
            f"{path}.template 须为 {', '.join(TEMPLATES)} 之一。",
            f"{path}.template must be one of {', '.join(TEMPLATES)}.",
            path=path,
        )
    try:
        fee = Decimal(str(raw.get("fee", "0")))
    except InvalidOperation:
        fee = Decimal("-1")
    if not fee.is_finite() or fee < 0 or fee != fee.quantize(CENT):
        raise _fail(
            "bad_fee",
            f"{path}.fee 须为不小于 0 的金额（分）。",
            f"{path}.fee must be an amount of 0 or more (in fen).",
            path=path,
        )
    interest = raw.get("interest", False)
    if not isinstance(interest, bool):
        raise _fail(
            "bad_interest",
            f"{path}.interest 须为 true 或 false。",
            f"{path}.interest must be true or false.",
            path=path,
        )
    return Level(key, offset, tuple(channels), str(template), fee, interest)


def load_schedule(data: Any) -> Schedule:
    """A schedule from its JSON form; levels strictly in order of their offsets."""
    if not isinstance(data, Mapping):
        raise _fail("bad_schedule", "催告计划须为对象。", "A schedule must be an object.")
    key = str(data.get("key", "")).strip()
    if not key:
        raise _fail("bad_schedule_key", "催告计划须有 key。", "A schedule needs a key.")
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list) or not 1 <= len(raw_levels) <= MAX_LEVELS:
        raise _fail(
            "bad_levels",
            f"levels 须为 1 到 {MAX_LEVELS} 个级别。",
            f"levels must hold 1 to {MAX_LEVELS} levels.",
        )
    levels = tuple(_level(r, f"levels[{i}]") for i, r in enumerate(raw_levels))
    offsets = [lv.offset_days for lv in levels]
    if offsets != sorted(set(offsets)):
        raise _fail(
            "levels_out_of_order",
            "各级别的天数须严格递增。",
            "The levels' offsets must strictly increase.",
            offsets=offsets,
        )
    if len({lv.key for lv in levels}) != len(levels):
        raise _fail("duplicate_level_key", "级别 key 重复。", "Two levels share a key.")
    agreed = data.get("fees_agreed", False)
    if not isinstance(agreed, bool):
        raise _fail(
            "bad_fees_agreed",
            "fees_agreed 须为 true 或 false。",
            "fees_agreed must be true or false.",
        )
    return Schedule(
        key, str(data.get("name_zh", key)), str(data.get("name_en", key)), levels, agreed
    )


def default_schedule() -> Schedule:
    """Seven days before, on the day, then 7, 15, 30 and 60 days after (letters from 30)."""
    return load_schedule(
        {
            "key": "standard",
            "name_zh": "标准催告",
            "name_en": "Standard follow-up",
            "levels": [
                {"key": "pre7", "offset_days": -7, "channels": ["sms"], "template": "reminder"},
                {
                    "key": "due",
                    "offset_days": 0,
                    "channels": ["sms", "email"],
                    "template": "reminder",
                },
                {
                    "key": "l1",
                    "offset_days": 7,
                    "channels": ["sms", "email"],
                    "template": "statement",
                },
                {
                    "key": "l2",
                    "offset_days": 15,
                    "channels": ["email", "letter"],
                    "template": "statement",
                },
                {
                    "key": "l3",
                    "offset_days": 30,
                    "channels": ["letter"],
                    "template": "legal_notice",
                    "interest": True,
                },
                {
                    "key": "l4",
                    "offset_days": 60,
                    "channels": ["letter"],
                    "template": "legal_notice",
                    "interest": True,
                },
            ],
        }
    )


def resolve(
    *, debtor: Schedule | None, creditor: Schedule | None, default: Schedule | None = None
) -> Schedule:
    """The schedule in force for one debtor: the debtor's own, else its creditor's, else the
    firm's default."""
    return debtor or creditor or default or default_schedule()


# --------------------------------------------------------------------------- items


@dataclass(frozen=True, slots=True)
class Item:
    """Something owed on a date: an invoice, or an installment of an agreed plan."""

    ref: str
    due_on: dt.date
    outstanding: Decimal
    kind: str = "invoice"  # or "installment"
    principal: Decimal | None = None  # for the fee cap (defaults to outstanding)


def items_for(
    invoices: Iterable[Item], installments: Iterable[Item] = (), covered: Iterable[str] = ()
) -> list[Item]:
    """What reminders follow: with an agreed plan, its installments instead of the invoices
    it covers (``covered`` names them); paid items are left out."""
    covered_refs = set(covered)
    plan = [i for i in installments if i.outstanding > 0]
    rest = [i for i in invoices if i.outstanding > 0 and i.ref not in covered_refs]
    return sorted([*rest, *plan], key=lambda i: (i.due_on, i.ref))


def level_reached(schedule: Schedule, item: Item, today: dt.date) -> Level | None:
    """The highest level whose day has come for ``item`` (``None``: too early)."""
    days = (today - item.due_on).days
    reached = [lv for lv in schedule.levels if lv.offset_days <= days]
    return reached[-1] if reached else None


def due_levels(
    schedule: Schedule,
    items: Sequence[Item],
    *,
    today: dt.date,
    sent: Iterable[tuple[str, str]] = (),
    force: bool = False,
) -> list[tuple[Item, Level]]:
    """(item, level) to send today: each item's highest level reached and not sent yet
    (``sent`` holds ``(item ref, level key)``). ``force`` ("send now") gives every open item
    at the level it has reached, sent or not."""
    done = set(sent)
    out = []
    for item in items:
        if item.outstanding <= 0:
            continue
        level = level_reached(schedule, item, today)
        if level is None:
            continue
        if force or (item.ref, level.key) not in done:
            out.append((item, level))
    return out


# --------------------------------------------------------------------------- statement


@dataclass(frozen=True, slots=True)
class Terms:
    """What the contract and the law allow: fees only if the contract provides for them,
    within ``fee_cap_ratio`` of the principal; interest at the agreed annual rate, never
    above ``rate_cap`` (the product's cap)."""

    fees_allowed: bool = False
    fee_cap_ratio: Decimal = Decimal("0.05")
    annual_rate: Decimal | None = None
    rate_cap: Decimal = Decimal("0.124")  # 4 × the one-year LPR of 3.1 %
    combined_cap: bool = False
    """Fees and interest together within ``rate_cap`` a year of the item's outstanding
    amount since its due date (private loans: 民间借贷规定 Art. 29); a fee before or on the
    due date is then nil."""


@dataclass(frozen=True, slots=True)
class Line:
    ref: str
    kind: str
    due_on: dt.date
    days_overdue: int
    outstanding: Decimal
    level: str
    fee: Decimal
    interest: Decimal


@dataclass(frozen=True)
class Statement:
    """One statement per debtor across all their open items."""

    debtor: str
    on: dt.date
    lines: tuple[Line, ...]
    outstanding: Decimal
    fees: Decimal
    interest: Decimal
    total: Decimal
    rate: Decimal | None  # the annual rate applied (after the cap), if any
    notes: tuple[str, ...] = field(default=())
    due_now: Decimal = Decimal("0")  # what is due today: items whose day has come, with charges
    not_due: Decimal = Decimal("0")  # items (a plan's later installments) not yet due

    @property
    def next_due(self) -> Line | None:
        """The first item not yet due (the next installment of a plan), if any."""
        return next((ln for ln in self.lines if ln.days_overdue == 0 and ln.due_on > self.on), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "debtor": self.debtor,
            "on": self.on.isoformat(),
            "lines": [
                {
                    "ref": ln.ref,
                    "kind": ln.kind,
                    "due_on": ln.due_on.isoformat(),
                    "days_overdue": ln.days_overdue,
                    "outstanding": f"{ln.outstanding:f}",
                    "level": ln.level,
                    "fee": f"{ln.fee:f}",
                    "interest": f"{ln.interest:f}",
                }
                for ln in self.lines
            ],
            "outstanding": f"{self.outstanding:f}",
            "fees": f"{self.fees:f}",
            "interest": f"{self.interest:f}",
            "total": f"{self.total:f}",
            "due_now": f"{self.due_now:f}",
            "not_due": f"{self.not_due:f}",
            "rate": None if self.rate is None else f"{self.rate:f}",
            "notes": list(self.notes),
        }


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def statement(
    debtor: str,
    schedule: Schedule,
    items: Sequence[Item],
    *,
    today: dt.date,
    terms: Terms,
    fees_charged: Decimal = Decimal("0"),
) -> Statement:
    """Every open item of the debtor on one statement, at the level each has reached, with
    the fees (capped, and only where allowed) and simple late interest (capped rate, from
    the day after the due date, from an interest level on)."""
    notes: list[str] = []
    rate = None
    if terms.annual_rate is not None:
        rate = min(terms.annual_rate, terms.rate_cap)
        if rate < terms.annual_rate:
            notes.append("rate_capped")
    principal = sum(((i.principal or i.outstanding) for i in items), Decimal("0"))
    fee_room = max(Decimal("0"), _q(principal * terms.fee_cap_ratio) - fees_charged)
    lines = []
    for item in items:
        if item.outstanding <= 0:
            continue
        level = level_reached(schedule, item, today)
        days = max(0, (today - item.due_on).days)
        fee = Decimal("0")
        if level is not None and level.fee > 0:
            if not terms.fees_allowed:
                if "fees_not_allowed" not in notes:
                    notes.append("fees_not_allowed")
            else:
                fee = min(level.fee, fee_room)
                if fee < level.fee and "fee_capped" not in notes:
                    notes.append("fee_capped")
                fee_room -= fee
        interest = Decimal("0")
        if level is not None and level.interest and rate is not None and days > 0:
            interest = _q(item.outstanding * rate * days / 365)
        if fee > 0 and terms.combined_cap:
            room = max(Decimal("0"), _q(item.outstanding * terms.rate_cap * days / 365) - interest)
            if fee > room:
                fee_room += fee - room
                fee = room
                if "fee_capped" not in notes:
                    notes.append("fee_capped")
        lines.append(
            Line(
                item.ref,
                item.kind,
                item.due_on,
                days,
                item.outstanding,
                level.key if level else "",
                fee,
                interest,
            )
        )
    outstanding = sum((ln.outstanding for ln in lines), Decimal("0"))
    fees = sum((ln.fee for ln in lines), Decimal("0"))
    interest = sum((ln.interest for ln in lines), Decimal("0"))
    not_due = sum((ln.outstanding for ln in lines if ln.due_on > today), Decimal("0"))
    return Statement(
        debtor,
        today,
        tuple(lines),
        _q(outstanding),
        _q(fees),
        _q(interest),
        _q(outstanding + fees + interest),
        rate,
        tuple(notes),
        _q(outstanding - not_due + fees + interest),
        _q(not_due),
    )
