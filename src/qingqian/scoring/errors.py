"""The scoring area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class ScoringError(ValidationFailed):
    """Input a user can fix was refused by the scoring kernel.

    ``code`` names the problem (``at_before_acceptance``, ``target_not_binary``,
    ``column_missing`` …); ``details`` carries the offending values as strings.
    """

    code = "scoring_error"


def fail(code: str, zh: str, en: str, **details: object) -> ScoringError:
    """Build a :class:`ScoringError` with ``details`` rendered as strings."""
    return ScoringError(zh, en, code=code, details={k: str(v) for k, v in details.items()})
