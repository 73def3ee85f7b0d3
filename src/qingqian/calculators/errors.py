"""The calculators' one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class CalculatorError(ValidationFailed):
    """Input a user can fix was refused by a calculator.

    ``code`` names the problem (``amount_negative``, ``lpr_before_2019_08_20``,
    ``suspension_reversed`` …); ``details`` carries the offending values as strings.
    """

    code = "calculator_error"
