"""Every error code ``parties`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``parties`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    CREDIT_CODE_FOR_PERSON = "credit_code_for_person"
    ID_NUMBER_FOR_COMPANY = "id_number_for_company"
    INVALID_CREDIT_CODE = "invalid_credit_code"
    INVALID_EMAIL = "invalid_email"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_PARTY_KIND = "invalid_party_kind"
    INVALID_PHONE = "invalid_phone"
    NAME_MISSING = "name_missing"
    REVEAL_FORBIDDEN = "reveal_forbidden"
    UNKNOWN_TIMEZONE = "unknown_timezone"
