"""The contact area's one error class (pure: no Django)."""

from __future__ import annotations

from qingqian.common.exceptions import ValidationFailed


class ContactPolicyError(ValidationFailed):
    """A policy, a request, a history or a hold that the contact kernel cannot read.

    ``code`` names the problem (``unknown_channel``, ``naive_datetime``, ``bad_policy`` …);
    ``details`` carries the offending field and value. A *denied* contact is not an error: it
    is a :class:`~qingqian.contact.policy.Decision` with ``allowed = False``.
    """

    code = "contact_policy_error"
