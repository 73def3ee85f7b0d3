"""Every error code ``evidence`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``evidence`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    CHECKPOINT_NOT_COSIGNED = "checkpoint_not_cosigned"
    COLLECTED_AT_INVALID = "collected_at_invalid"
    EVIDENCE_INVALID = "evidence_invalid"
    EVIDENCE_NOT_FOUND = "evidence_not_found"
    EVIDENCE_TYPE_INVALID = "evidence_type_invalid"
    FILE_CORRUPT = "file_corrupt"
    FILE_EMPTY = "file_empty"
    FILE_MISSING = "file_missing"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_MISMATCH = "file_type_mismatch"
    FILE_TYPE_UNSUPPORTED = "file_type_unsupported"
    PROVENANCE_MISSING = "provenance_missing"
    REASON_MISSING = "reason_missing"
    VERSION_KIND_INVALID = "version_kind_invalid"
