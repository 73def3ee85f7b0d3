"""Legal calculators (pure kernel: no Django, no clock reads, no network).

Court fees, limitation periods, interest caps, payment allocation, contingency-fee caps and
procedure helpers. Every function returns a ``CalcResult`` with the figures, the rules
applied and a bilingual step-by-step explanation; ``to_dict()`` gives the CLI/API JSON shape.
Source of truth: legal-rules.md (shared docs); see docs/calculators.md.
"""

from __future__ import annotations

from qingqian.calculators.allocation import Debt, allocate, allocate_across
from qingqian.calculators.court_deadlines import DeadlineKind, court_deadline
from qingqian.calculators.court_fees import court_fee
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.fees import contingency_cap
from qingqian.calculators.holidays import CalendarEntry, HolidayCalendar
from qingqian.calculators.interest import (
    combined_overdue_cap,
    interest_cap,
    judgment_delay_interest,
    private_lending_interest,
    trade_receivable_rate,
)
from qingqian.calculators.limitation import (
    EventKind,
    Interruption,
    Suspension,
    enforcement_deadline,
    limitation_deadline,
)
from qingqian.calculators.procedure import (
    SmallClaimsTable,
    payment_order_checklist,
    payment_order_deadlines,
    small_claims,
)
from qingqian.calculators.rates import LprQuote, LprTable
from qingqian.calculators.result import CalcResult, Line, Rule

__all__ = [
    "CalcResult",
    "CalculatorError",
    "CalendarEntry",
    "DeadlineKind",
    "Debt",
    "EventKind",
    "HolidayCalendar",
    "Interruption",
    "Line",
    "LprQuote",
    "LprTable",
    "Rule",
    "SmallClaimsTable",
    "Suspension",
    "allocate",
    "allocate_across",
    "combined_overdue_cap",
    "contingency_cap",
    "court_deadline",
    "court_fee",
    "enforcement_deadline",
    "interest_cap",
    "judgment_delay_interest",
    "limitation_deadline",
    "payment_order_checklist",
    "payment_order_deadlines",
    "private_lending_interest",
    "small_claims",
    "trade_receivable_rate",
]
