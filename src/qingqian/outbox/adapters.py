"""Outbox adapters for the SMS and e-mail channels: they keep the message instead of sending
it, so the demo works with no provider keys and its one-time codes can be read on the staff
outbox page. ``settings.QINGQIAN_CONTACT_ADAPTERS`` selects them (``QINGQIAN_DEMO=1``)."""

from __future__ import annotations

from django.conf import settings

from qingqian.common import clock, crypto
from qingqian.contact.channels.base import Delivery, Message
from qingqian.contact.models import ContactAttempt
from qingqian.contact.services import recipient_key
from qingqian.outbox.models import OutboxMessage

OUTBOX_PATH = "qingqian.outbox.adapters."


class _Outbox:
    channel = ""

    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery:
        _, masked = recipient_key(self.channel, message.to)
        row = OutboxMessage.objects.create(
            channel=self.channel,
            to_enc=crypto.encrypt(message.to.strip()),
            to_masked=masked[:120],
            subject=message.subject[:200],
            body_enc=crypto.encrypt(message.body),
            template=message.template[:40],
            attempt=attempt,
            created_at=clock.now(),
        )
        return Delivery(channel=self.channel, provider_ref=f"outbox-{row.pk}")


class OutboxSmsAdapter(_Outbox):
    channel = "sms"


class OutboxEmailAdapter(_Outbox):
    channel = "email"


def outbox_enabled() -> bool:
    """True when a channel delivers into the outbox (the demo, development)."""
    configured = getattr(settings, "QINGQIAN_CONTACT_ADAPTERS", {}) or {}
    return any(str(path).startswith(OUTBOX_PATH) for path in configured.values())
