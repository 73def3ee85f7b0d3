"""Every error code ``portal`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``portal`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BAD_DATE = "bad_date"
    CHANNEL = "channel"
    CONTACT_NOT_ALLOWED = "contact_not_allowed"
    DISPUTE_REASON = "dispute_reason"
    NO_PHONE = "no_phone"
    NOT_DEBTOR = "not_debtor"
    NOT_INT = "not_int"
    OFFER_NOT_FOUND = "offer_not_found"
    PARTY_NF = "party_nf"
    PAY_AMOUNT = "pay_amount"
    PLAN_NOT_FOUND = "plan_not_found"
    PORTAL_CODE_NOT_SENT = "portal_code_not_sent"
    PORTAL_IDENTITY = "portal_identity"
    PORTAL_IDENTITY_LOCKED = "portal_identity_locked"
    PORTAL_IDENTITY_MISMATCH = "portal_identity_mismatch"
    PORTAL_LINK_INVALID = "portal_link_invalid"
    PORTAL_SESSION_INVALID = "portal_session_invalid"
    PORTAL_UNVERIFIED = "portal_unverified"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    VOUCHER_NOT_FOUND = "voucher_not_found"
