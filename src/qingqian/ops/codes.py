"""Every error code ``ops`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``ops`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BACKUP_CORRUPT = "backup_corrupt"
    BACKUP_INCOMPLETE = "backup_incomplete"
    BACKUP_INVALID = "backup_invalid"
    BACKUP_KEY_INVALID = "backup_key_invalid"
    BACKUP_KEY_MISSING = "backup_key_missing"
    BACKUP_MISMATCH = "backup_mismatch"
    BACKUP_NOT_FOUND = "backup_not_found"
    BACKUP_TOOL_MISSING = "backup_tool_missing"
    RESTORE_DATABASE_FAILED = "restore_database_failed"
    RESTORE_STORE_NOT_EMPTY = "restore_store_not_empty"
    RESTORE_TARGET_NOT_EMPTY = "restore_target_not_empty"
