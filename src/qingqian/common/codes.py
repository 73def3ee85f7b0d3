"""Every error code ``common`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``common`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    AMOUNT_FLOAT = "amount_float"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    AMOUNT_TOO_LARGE = "amount_too_large"
    AMOUNT_TOO_PRECISE = "amount_too_precise"
    APPLICATION_ERROR = "application_error"
    CELL_TOO_LARGE = "cell_too_large"
    CONFLICT = "conflict"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    ID_OUT_OF_RANGE = "id_out_of_range"
    NOT_FOUND = "not_found"
    OUT_OF_RANGE = "out_of_range"
    PERMISSION_DENIED = "permission_denied"
    SPREADSHEET_TOO_LARGE = "spreadsheet_too_large"
    SPREADSHEET_UNREADABLE = "spreadsheet_unreadable"
    TOO_MANY_ROWS = "too_many_rows"
    UNZIPPED_TOO_LARGE = "unzipped_too_large"
    VALIDATION_ERROR = "validation_error"
