"""Every error code ``desk`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``desk`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    BAD_CALLBACK_TIME = "bad_callback_time"
    PLAN_CAPACITY_INVALID = "plan_capacity_invalid"
    PLAN_DAY_PAST = "plan_day_past"
    PLAN_SETTING_UNKNOWN = "plan_setting_unknown"
