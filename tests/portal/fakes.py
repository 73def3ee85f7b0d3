"""An in-process SMS adapter: records what would be sent (portal and negotiation tests)."""

from __future__ import annotations

from typing import Any

from qingqian.contact.channels.base import Delivery, Message


class RecordingSms:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, attempt: Any, message: Message) -> Delivery:
        self.sent.append(message)
        return Delivery(channel="sms", provider_ref=f"rec-{len(self.sent)}")
