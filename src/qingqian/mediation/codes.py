"""Every error code ``mediation`` answers with: the one registry a client can rely on.

A refusal carries one of these as its ``code`` (``common.exceptions.ApplicationError``); a
code used in ``mediation`` and missing here, or listed here and no longer used, fails
``tests/common/test_error_codes.py``.
"""

from enum import StrEnum


class Code(StrEnum):
    AGREEMENT_NOT_SIGNED = "agreement_not_signed"
    AGREEMENT_TAMPERED = "agreement_tampered"
    ALREADY_FILED = "already_filed"
    BAD_DATE = "bad_date"
    BAD_DATETIME = "bad_datetime"
    DRAFTED = "drafted"
    MEDIATION_CLOSED = "mediation_closed"
    MEDIATION_NOT_ALLOWED = "mediation_not_allowed"
    MEDIATION_OPEN = "mediation_open"
    MEDIATOR_NOT_FOUND = "mediator_not_found"
    MEDIATOR_REQUIRED = "mediator_required"
    MEDIATOR_UNAVAILABLE = "mediator_unavailable"
    NO_ACCEPTED_PROPOSAL = "no_accepted_proposal"
    NO_AGREEMENT = "no_agreement"
    NO_DEBTOR = "no_debtor"
    NO_MEDIATION = "no_mediation"
    NO_MEDIATOR = "no_mediator"
    NO_PHONE = "no_phone"
    NOT_OPEN = "not_open"
    NOT_YOUR_MEDIATION = "not_your_mediation"
    RULED = "ruled"
    SIGNED = "signed"
