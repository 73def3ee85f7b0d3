"""Every error code ``fees`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``fees`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    COMMISSION_AMOUNT_INVALID = "commission_amount_invalid"
    COMMISSION_CLAIM_REQUIRED = "commission_claim_required"
    COMMISSION_NO_AGREEMENT = "commission_no_agreement"
    COMMISSION_NO_SCHEDULE = "commission_no_schedule"
    COMMISSION_REVERSAL_TOO_LARGE = "commission_reversal_too_large"
    COMMISSION_SCHEDULE_INVALID = "commission_schedule_invalid"
    CONTINGENCY_FORBIDDEN_CASE_TYPE = "contingency_forbidden_case_type"
    DEBTOR_FEE_FORBIDDEN = "debtor_fee_forbidden"
    FEE_ABOVE_CAP = "fee_above_cap"
    FEE_ERROR = "fee_error"
    FEE_SCHEDULE_FORBIDDEN = "fee_schedule_forbidden"
    FEE_SCHEDULE_NOT_MONOTONE = "fee_schedule_not_monotone"
    NON_LAWYER_LITIGATION_FEE = "non_lawyer_litigation_fee"
    PEOPLES_MEDIATION_MUST_BE_FREE = "peoples_mediation_must_be_free"
    PRICING_INVALID = "pricing_invalid"
    UNKNOWN_CASE_TYPE = "unknown_case_type"
    UNKNOWN_ORGANISATION_TYPE = "unknown_organisation_type"
