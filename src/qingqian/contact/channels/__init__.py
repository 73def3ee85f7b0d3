"""Channels behind one interface. Nothing reaches a channel without an allowed attempt.

- :func:`deliver` sends a collection message on an allowed, fresh, unused
  :class:`~qingqian.contact.models.ContactAttempt` to exactly the recipient it authorised;
- :func:`render_message` builds the message from a template and adds the opt-out line when
  the attempt's policy asks for one;
- :func:`send_transactional` sends a non-collection message (a one-time code to a creditor
  user): it does not go through the debtor gate but is audited.

Adapters: e-mail (Django mail backends), SMS (Alibaba Cloud SMS ``SendSms`` shape), robot
calls (a provider that posts events to a signed webhook) and letters (PDF by WeasyPrint).
"""

from qingqian.contact.channels.base import (
    Delivery,
    DeliveryRefused,
    Message,
    deliver,
    render_message,
    send_transactional,
)

__all__ = [
    "Delivery",
    "DeliveryRefused",
    "Message",
    "deliver",
    "render_message",
    "send_transactional",
]
