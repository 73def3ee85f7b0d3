"""Every error code ``demo`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``demo`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    DEMO_ERROR = "demo_error"
    INVALID_CASE_COUNT = "invalid_case_count"
    USERNAME_TAKEN = "username_taken"
