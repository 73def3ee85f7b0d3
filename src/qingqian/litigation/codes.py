"""Every error code ``litigation`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``litigation`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    AMOUNT_NEGATIVE = "amount_negative"
    ASSET_CLUE_INVALID = "asset_clue_invalid"
    BAD_DATE = "bad_date"
    BAD_DATETIME = "bad_datetime"
    CASE_NUMBER_INVALID = "case_number_invalid"
    CASE_NUMBER_TYPE = "case_number_type"
    CASE_NUMBER_YEAR = "case_number_year"
    COURT_REQUIRED = "court_required"
    DATE_REQUIRED = "date_required"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    DAY_FUTURE = "day_future"
    DOCUMENT_FINAL = "document_final"
    DOCUMENT_INVALID = "document_invalid"
    KIND_INVALID = "kind_invalid"
    NO_EFFECTIVE_JUDGMENT = "no_effective_judgment"
    NO_FINAL_DOCUMENT = "no_final_document"
    NOT_ENFORCEMENT = "not_enforcement"
    OUTCOME_INVALID = "outcome_invalid"
    REFERENCE_REQUIRED = "reference_required"
    SOURCE_DATE_FUTURE = "source_date_future"
    SUMMARY_REQUIRED = "summary_required"
    TEMPLATE_BROKEN = "template_broken"
    TEXT_EMPTY = "text_empty"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_KIND = "unknown_kind"
    WRONG_CASE_STATE = "wrong_case_state"
