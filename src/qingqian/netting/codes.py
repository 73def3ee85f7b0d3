"""Every error code ``netting`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``netting`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_CONFIRMED = "already_confirmed"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_TOO_LARGE = "amount_too_large"
    AMOUNT_TOO_PRECISE = "amount_too_precise"
    CAP_INVALID = "cap_invalid"
    CAP_LINE = "cap_line"
    CONFIRM_FIRST = "confirm_first"
    CREDITOR_NOT_PARTICIPANT = "creditor_not_participant"
    DISPUTE_UNKNOWN = "dispute_unknown"
    DUE_INVALID = "due_invalid"
    DUPLICATE_ID = "duplicate_id"
    FILE_ENCODING = "file_encoding"
    FILE_MISSING = "file_missing"
    FILE_TOO_LARGE = "file_too_large"
    FILE_UNREADABLE = "file_unreadable"
    FIRM_UNKNOWN = "firm_unknown"
    GROUP_MISSING = "group_missing"
    MIN_NEGATIVE = "min_negative"
    MISSING_COLUMN = "missing_column"
    NETTING_ERROR = "netting_error"
    NETTING_FORBIDDEN = "netting_forbidden"
    NETTING_STATE = "netting_state"
    NOT_CONSENTED = "not_consented"
    NOT_OWN_PAYABLE = "not_own_payable"
    OBLIGATION_INVALID = "obligation_invalid"
    OBLIGATIONS_INVALID = "obligations_invalid"
    OPTION_INVALID = "option_invalid"
    PARTICIPANT_DUPLICATE_CODE = "participant_duplicate_code"
    PARTICIPANT_NO_CREDIT_CODE = "participant_no_credit_code"
    PARTICIPANT_NOT_COMPANY = "participant_not_company"
    REASON_MISSING = "reason_missing"
    ROUND_NOT_FOUND = "round_not_found"
    SCOPE = "scope"
    SELF_LOOP = "self_loop"
    STATUS_INVALID = "status_invalid"
    TITLE_MISSING = "title_missing"
    TOO_FEW_CONSENTS = "too_few_consents"
    TOO_FEW_PARTICIPANTS = "too_few_participants"
    TOO_MANY_OBLIGATIONS = "too_many_obligations"
    TOTAL_TOO_LARGE = "total_too_large"
    UNKNOWN_FIRM = "unknown_firm"
