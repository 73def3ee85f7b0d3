"""Every error code ``ledger`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``ledger`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    CHECKPOINT_UNKNOWN = "checkpoint_unknown"
    ENTRY_NOT_FOUND = "entry_not_found"
    LEDGER_ERROR = "ledger_error"
    LEDGER_MISCONFIGURED = "ledger_misconfigured"
    LEDGER_UNAVAILABLE = "ledger_unavailable"
    LOG_KEY_INVALID = "log_key_invalid"
    LOG_KEY_NOT_IN_FORCE = "log_key_not_in_force"
    LOG_KEY_UNCHANGED = "log_key_unchanged"
    NO_CHECKPOINT = "no_checkpoint"
    NOTE_MALFORMED = "note_malformed"
    NUMBER_INVALID = "number_invalid"
    PROOF_MALFORMED = "proof_malformed"
    SIGNATURE_INVALID = "signature_invalid"
    STORE_INCONSISTENT = "store_inconsistent"
    TIMESTAMP_MISSING = "timestamp_missing"
