"""Letters as PDFs rendered by WeasyPrint (as ``reports.pdf`` does); posting is done by people."""

from __future__ import annotations

import hashlib

from django.template.loader import render_to_string

from qingqian.common import clock
from qingqian.contact.channels.base import Delivery, Message
from qingqian.contact.models import ContactAttempt


def letter_html(attempt: ContactAttempt | None, message: Message) -> str:
    return render_to_string(
        "contact/letter.html",
        {
            "attempt": attempt,
            "address": message.to,
            "subject": message.subject,
            "paragraphs": [p for p in message.body.split("\n") if p.strip()],
            "date": clock.today(),
        },
    )


class LetterAdapter:
    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery:
        from weasyprint import HTML  # heavy import: only when a letter is made

        pdf: bytes = HTML(string=letter_html(attempt, message)).write_pdf()
        return Delivery(
            channel="letter", provider_ref=hashlib.sha256(pdf).hexdigest()[:32], document=pdf
        )
