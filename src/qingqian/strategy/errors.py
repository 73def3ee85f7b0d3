"""The intake area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class StrategyError(ValidationFailed):
    """Input a user can fix was refused: case facts, a fee schedule, or a playbook.

    ``code`` names the problem (``facts_invalid``, ``fee_above_cap``,
    ``contingency_forbidden_case_type``, ``playbook_invalid`` …); ``details`` carries the
    offending values as strings and, for fee rules, the rule cited.
    """

    code = "strategy_error"
