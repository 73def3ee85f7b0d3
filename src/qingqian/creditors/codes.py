"""Every error code ``creditors`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``creditors`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    EMAIL_INVALID = "email_invalid"
    MESSAGE_LENGTH = "message_length"
    MOBILE_INVALID = "mobile_invalid"
    POINT_KIND = "point_kind"
    POINT_NOT_FOUND = "point_not_found"
    POINT_UNVERIFIED = "point_unverified"
    TOO_MANY_POINTS = "too_many_points"
