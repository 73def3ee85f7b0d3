"""Every error code ``compliance`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``compliance`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BAD_AMOUNT = "bad_amount"
    BAD_DATE = "bad_date"
    BAD_KIND = "bad_kind"
    BAD_PERIOD = "bad_period"
    CLOSED = "closed"
    MISSING_COVER = "missing_cover"
    MISSING_FIELD = "missing_field"
    NO_CASE = "no_case"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
