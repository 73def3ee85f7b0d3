"""Every error code ``vouchers`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``vouchers`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    AMOUNT_ABOVE_OUTSTANDING = "amount_above_outstanding"
    AMOUNT_INVALID = "amount_invalid"
    ASSIGNEE_REQUIRED = "assignee_required"
    DUE_DATE_INVALID = "due_date_invalid"
    DUE_DATE_REQUIRED = "due_date_required"
    LOG_PENDING = "log_pending"
    NO_ASSIGNMENT_TO_NOTIFY = "no_assignment_to_notify"
    NO_DEBTOR = "no_debtor"
    NOTICE_REFUSED = "notice_refused"
    REASON_REQUIRED = "reason_required"
    VOUCHER_CLOSED = "voucher_closed"
    VOUCHER_NOT_DEBTOR = "voucher_not_debtor"
    VOUCHER_NOT_FOUND = "voucher_not_found"
