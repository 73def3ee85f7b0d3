"""Every error code ``kpis`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``kpis`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    FORBIDDEN = "forbidden"
    INVALID_DATE = "invalid_date"
    INVALID_PERIOD = "invalid_period"
    INVALID_RANGE = "invalid_range"
    RANGE_TOO_LONG = "range_too_long"
