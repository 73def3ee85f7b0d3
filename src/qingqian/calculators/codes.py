"""Every error code ``calculators`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``calculators`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    ADVANCE_DEDUCTED_TOO_LARGE = "advance_deducted_too_large"
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_OR_DAYS_MISSING = "amount_or_days_missing"
    AMOUNT_TOO_LARGE = "amount_too_large"
    CALCULATOR_ERROR = "calculator_error"
    CHOICE_INVALID = "choice_invalid"
    CITATION_MISSING = "citation_missing"
    CITATION_ROW_INVALID = "citation_row_invalid"
    DATES_MISSING = "dates_missing"
    DAY_BASIS_INVALID = "day_basis_invalid"
    DAYS_MISSING = "days_missing"
    DAYS_NEGATIVE = "days_negative"
    DEBTS_INVALID = "debts_invalid"
    FILED_BEFORE_FORMED = "filed_before_formed"
    FILING_DATE_REQUIRED = "filing_date_required"
    HARM_AFTER_START = "harm_after_start"
    INSTALLMENTS_BEFORE_START = "installments_before_start"
    INTERRUPTION_BEFORE_START = "interruption_before_start"
    LPR_BEFORE_2019_08_20 = "lpr_before_2019_08_20"
    LPR_ROW_INVALID = "lpr_row_invalid"
    LPR_TABLE_EMPTY = "lpr_table_empty"
    NOT_A_NUMBER = "not_a_number"
    OPTION_NOT_APPLICABLE = "option_not_applicable"
    ORDER_INVALID = "order_invalid"
    PERFORMANCE_DAYS_INVALID = "performance_days_invalid"
    PERIOD_REVERSED = "period_reversed"
    PROCEEDINGS_END_BEFORE_START = "proceedings_end_before_start"
    SECURITY_NEGATIVE = "security_negative"
    SMALL_CLAIMS_NO_DATA = "small_claims_no_data"
    SMALL_CLAIMS_ROW_INVALID = "small_claims_row_invalid"
    START_BEFORE_FORMED = "start_before_formed"
    START_MISSING = "start_missing"
    SUSPENSION_REVERSED = "suspension_reversed"
    TOO_PRECISE = "too_precise"
    UNKNOWN_CALCULATOR = "unknown_calculator"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_PROVINCE = "unknown_province"
