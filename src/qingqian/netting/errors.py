"""The netting area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class NettingError(ValidationFailed):
    """Input to the set-off solver that a user can fix.

    ``code`` names the problem (``amount_not_positive``, ``amount_too_precise``,
    ``self_loop``, ``duplicate_id``, ``missing_column`` …); ``details`` carries the
    offending values as strings, and ``line`` (CSV line number, 1 = header) or ``index``
    (position in the input sequence) to locate the row.
    """

    code = "netting_error"
