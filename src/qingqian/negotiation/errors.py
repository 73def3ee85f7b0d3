"""The negotiation area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class NegotiationError(ValidationFailed):
    """A plan, its terms or a breach check refused input a user can fix.

    ``code`` says which rule (``profile_negative``, ``capacity_insufficient`` …); ``details``
    carries the numbers (amounts as decimal strings).
    """

    code = "negotiation_error"
