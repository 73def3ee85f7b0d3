"""The portal's online-payment adapter.

A provider takes an order (amount, the case's reference, an order id we choose) and later
confirms it; the confirmation is recorded as a ``provider`` payment under the provider's
transaction id as idempotency key, so a retried notification is a no-op. ``FakeProvider``
confirms in-process (tests, demo); a real provider's notifications arrive through the
payments webhook (``payments.provider``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True, slots=True)
class Confirmation:
    transaction_id: str
    amount: Decimal
    reference: str


class FakeProvider:
    name = "fake"

    def pay(self, *, amount: Decimal, reference: str, order_id: str) -> Confirmation:
        return Confirmation(f"fake-{order_id}-{secrets.token_hex(4)}", amount, reference)


def provider() -> FakeProvider | None:
    """The configured in-process provider, or ``None`` (bank transfer only)."""
    return FakeProvider() if getattr(settings, "PORTAL_FAKE_PROVIDER", False) else None
