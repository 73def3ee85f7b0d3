"""The fees area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class FeeError(ValidationFailed):
    """A fee schedule, a fee agreement's terms or a commission schedule was refused: malformed,
    above a legal cap, charged to a debtor, or a contingency fee where the law forbids one.

    ``code`` names the problem (``fee_above_cap``, ``contingency_forbidden_case_type``,
    ``commission_schedule_invalid`` …); ``details`` carries the offending values as strings
    and, for fee rules, the rule cited.
    """

    code = "fee_error"
