"""E-mail through Django's mail backends (SMTP in production, locmem in unit tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.crypto import get_random_string

from qingqian.contact.channels.base import Delivery, Message
from qingqian.contact.models import ContactAttempt


class EmailAdapter:
    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery:
        domain = getattr(settings, "QINGQIAN_MAIL_DOMAIN", "qingqian.localhost")
        ref = f"<{get_random_string(24)}@{domain}>"
        mail = EmailMessage(
            subject=message.subject or "清欠通知",
            body=message.body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[message.to],
            headers={"Message-ID": ref},
        )
        mail.encoding = "utf-8"
        mail.send(fail_silently=False)
        return Delivery(channel="email", provider_ref=ref)
