"""Every error code ``payments`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``payments`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BANK_CSV_ENCODING = "bank_csv_encoding"
    BANK_CSV_HEADER = "bank_csv_header"
    BANK_CSV_INVALID = "bank_csv_invalid"
    CHARGE_INVOICE_REQUIRED = "charge_invoice_required"
    CHARGE_KIND_INVALID = "charge_kind_invalid"
    CHARGE_NO_PRINCIPAL = "charge_no_principal"
    CHARGE_PERIOD_INVALID = "charge_period_invalid"
    CHARGE_PERIOD_OVERLAP = "charge_period_overlap"
    CHARGE_RATE_MISSING = "charge_rate_missing"
    CHARGE_ZERO = "charge_zero"
    PAY_AMOUNT = "pay_amount"
    PAYMENT_ALREADY_REVERSED = "payment_already_reversed"
    PAYMENT_AMOUNT_INVALID = "payment_amount_invalid"
    PAYMENT_CASE_UNKNOWN = "payment_case_unknown"
    PAYMENT_INVOICE_OVERPAID = "payment_invoice_overpaid"
    PAYMENT_INVOICE_SUM_MISMATCH = "payment_invoice_sum_mismatch"
    PAYMENT_INVOICE_UNKNOWN = "payment_invoice_unknown"
    PAYMENT_KEY_CONFLICT = "payment_key_conflict"
    PAYMENT_KEY_INVALID = "payment_key_invalid"
    PAYMENT_KIND_INVALID = "payment_kind_invalid"
    PAYMENT_REFERENCE_EXHAUSTED = "payment_reference_exhausted"
    PAYMENT_REVERSAL_OF_REVERSAL = "payment_reversal_of_reversal"
    PAYMENT_SETOFF_UNPINNED = "payment_setoff_unpinned"
    PAYMENTS_ERROR = "payments_error"
    PERIOD_INVALID = "period_invalid"
    PROVIDER_AMOUNT_INVALID = "provider_amount_invalid"
    PROVIDER_MALFORMED = "provider_malformed"
    PROVIDER_NOT_CONFIGURED = "provider_not_configured"
    PROVIDER_ORDER_FAILED = "provider_order_failed"
    PROVIDER_TRADE_NO = "provider_trade_no"
    PROVIDER_UNKNOWN_ORDER = "provider_unknown_order"
    REASON_MISSING = "reason_missing"
    REMITTANCE_BASIS_INVALID = "remittance_basis_invalid"
    REMITTANCE_PERIOD_OPEN = "remittance_period_open"
    TRUST_ALREADY_REVERSED = "trust_already_reversed"
    TRUST_AMOUNT_INVALID = "trust_amount_invalid"
    TRUST_DUPLICATE_ID = "trust_duplicate_id"
    TRUST_INVALID_ENTRY = "trust_invalid_entry"
    TRUST_OVERDRAW = "trust_overdraw"
    TRUST_REVERSAL_MISMATCH = "trust_reversal_mismatch"
    TRUST_REVERSAL_OF_REVERSAL = "trust_reversal_of_reversal"
    TRUST_REVERSAL_UNKNOWN = "trust_reversal_unknown"
