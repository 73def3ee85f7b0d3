"""The demo's administrator and compliance officer, enrolled in two-factor authentication.

Both roles must use a second factor (``accounts.twofactor``), so the demo enrols them with one
published authenticator secret, :data:`DEMO_TOTP_SECRET` (README, "Quick start"): add it to
any authenticator app, or print the current code with ``qingqian twofactor demo-code``. Like
the demo password, it is public and protects nothing.
"""

from __future__ import annotations

import base64

from qingqian.accounts import twofactor
from qingqian.accounts.models import User

#: The published demo authenticator secret (base32, as authenticator apps take it).
DEMO_TOTP_SECRET = "OFUW4Z3RNFQW4LLEMVWW6LJSMZQS2MBQ"  # noqa: S105 (published on purpose)


def demo_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def seed_twofactor(*, users: dict[str, User]) -> None:
    """Enrol every demo user whose role must use two-factor with the published secret."""
    for user in users.values():
        if twofactor.required_for(user):
            twofactor.enrol_with_secret(user, demo_key_hex())
