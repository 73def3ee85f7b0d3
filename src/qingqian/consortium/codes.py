"""Every error code ``consortium`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``consortium`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_CONSENTED = "already_consented"
    BODY_INVALID = "body_invalid"
    CODE_INVALID = "code_invalid"
    COMPANY_ONLY = "company_only"
    CONSENT_FIRST = "consent_first"
    CONSENT_MISSING = "consent_missing"
    CONSORTIUM_ERROR = "consortium_error"
    CONSORTIUM_NETTING_FORBIDDEN = "consortium_netting_forbidden"
    FIRM_MISSING = "firm_missing"
    INSECURE_URL = "insecure_url"
    KEY_INVALID = "key_invalid"
    LIST_STALE = "list_stale"
    MEMBER_UNKNOWN = "member_unknown"
    NO_LINES = "no_lines"
    NO_MEMBERS = "no_members"
    NOT_A_MEMBER = "not_a_member"
    NOT_JOINED = "not_joined"
    NOT_LISTED = "not_listed"
    PARTICIPANT_NOT_COMPANY = "participant_not_company"
    RATE_LIMITED = "rate_limited"
    REASON_MISSING = "reason_missing"
    REPLAYED = "replayed"
    REPLY_MISMATCH = "reply_mismatch"
    ROUND_STATE = "round_state"
    TITLE_MISSING = "title_missing"
    TOO_FEW_PARTICIPANTS = "too_few_participants"
    TOO_FEW_SUBMISSIONS = "too_few_submissions"
    TOO_MANY_CODES = "too_many_codes"
    WRONG_KIND = "wrong_kind"
