"""The feasibility kernel's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class FeasibilityError(ValidationFailed):
    """Case facts the feasibility kernel cannot assess (``facts_invalid``); ``details`` names
    the field and carries the offending value as a string."""

    code = "feasibility_error"
