"""Every error code ``strategy`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``strategy`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    ARM_UNKNOWN = "arm_unknown"
    DEBTOR_DUPLICATE = "debtor_duplicate"
    INVOICE_AMOUNT_INVALID = "invoice_amount_invalid"
    INVOICE_DUPLICATE = "invoice_duplicate"
    NOTHING_OPEN = "nothing_open"
    OUTCOME_INVALID = "outcome_invalid"
    PLAYBOOK_FORBIDDEN = "playbook_forbidden"
    PLAYBOOK_INVALID = "playbook_invalid"
    SCHEDULE_TARGET_INVALID = "schedule_target_invalid"
    STRATEGY_ERROR = "strategy_error"
    UNKNOWN_CHANNEL = "unknown_channel"
