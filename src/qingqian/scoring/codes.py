"""Every error code ``scoring`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``scoring`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    EXPERIMENT_SALT_MISSING = "experiment_salt_missing"
    EXPERIMENT_SHARE_OUT_OF_RANGE = "experiment_share_out_of_range"
    MODEL_NOT_PROMOTED = "model_not_promoted"
    SCORING_MODEL_NOT_FOUND = "scoring_model_not_found"
    SCORING_ORGANISATION_NOT_FOUND = "scoring_organisation_not_found"
    SCORING_ORGANISATION_REQUIRED = "scoring_organisation_required"
    SCORING_ERROR = "scoring_error"
    THRESHOLD_OUT_OF_RANGE = "threshold_out_of_range"
    TRAINING_DATA_INSUFFICIENT = "training_data_insufficient"
