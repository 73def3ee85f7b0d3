"""The payments area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class PaymentsError(ValidationFailed):
    """A commission schedule or a trust-ledger posting refused input a user can fix."""

    code = "payments_error"
