"""Every error code ``reports`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``reports`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    AGREEMENT_CASE_NOT_ACCEPTED = "agreement_case_not_accepted"
    AGREEMENT_FORBIDDEN = "agreement_forbidden"
    AGREEMENT_NOT_DRAFT = "agreement_not_draft"
    AGREEMENT_NOT_LATEST = "agreement_not_latest"
    AGREEMENT_NOT_SENT = "agreement_not_sent"
    AGREEMENT_SIGN_FORBIDDEN = "agreement_sign_forbidden"
    AGREEMENT_SIGNED = "agreement_signed"
    AGREEMENT_TAMPERED = "agreement_tampered"
    DECISION_FORBIDDEN = "decision_forbidden"
    FACTS_INVALID = "facts_invalid"
    FEASIBILITY_ERROR = "feasibility_error"
    NO_AGREEMENT = "no_agreement"
    NO_FEE_SCHEDULE = "no_fee_schedule"
    NO_VERIFIED_EMAIL = "no_verified_email"
    REASON_REQUIRED = "reason_required"
    REPORT_FORBIDDEN = "report_forbidden"
    REPORT_NOT_DECIDABLE = "report_not_decidable"
    REPORT_NOT_FOUND = "report_not_found"
    SUBJECT_EXPORT_FORBIDDEN = "subject_export_forbidden"
