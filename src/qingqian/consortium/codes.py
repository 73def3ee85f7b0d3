"""Every error code ``consortium`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``consortium`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BODY_INVALID = "body_invalid"
    CODE_INVALID = "code_invalid"
    COMPANY_ONLY = "company_only"
    CONSORTIUM_ERROR = "consortium_error"
    INSECURE_URL = "insecure_url"
    KEY_INVALID = "key_invalid"
    LIST_STALE = "list_stale"
    NO_MEMBERS = "no_members"
    NOT_A_MEMBER = "not_a_member"
    NOT_JOINED = "not_joined"
    NOT_LISTED = "not_listed"
    RATE_LIMITED = "rate_limited"
    REPLAYED = "replayed"
    REPLY_MISMATCH = "reply_mismatch"
    TOO_MANY_CODES = "too_many_codes"
    WRONG_KIND = "wrong_kind"
