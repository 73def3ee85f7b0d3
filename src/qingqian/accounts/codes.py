"""Every error code ``accounts`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``accounts`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    OTP_ERROR = "otp_error"
    OTP_EXPIRED = "otp_expired"
    OTP_INVALID_REQUEST = "otp_invalid_request"
    OTP_LOCKED = "otp_locked"
    OTP_MISSING = "otp_missing"
    OTP_RATE_LIMITED = "otp_rate_limited"
    OTP_USED = "otp_used"
    OTP_WRONG = "otp_wrong"
    TOKEN_DAYS = "token_days"
    TOKEN_SCOPE = "token_scope"
    TWOFACTOR_ERROR = "twofactor_error"
    TWOFACTOR_NO_ENROLMENT = "twofactor_no_enrolment"
    TWOFACTOR_NOT_ENROLLED = "twofactor_not_enrolled"
    TWOFACTOR_REQUIRED = "twofactor_required"
    TWOFACTOR_THROTTLED = "twofactor_throttled"
    TWOFACTOR_WRONG = "twofactor_wrong"
    TYPED_NAME_REQUIRED = "typed_name_required"
