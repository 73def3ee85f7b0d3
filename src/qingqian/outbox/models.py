"""What the demo's outbox adapters "sent" instead of sending it (``docs/demo-outbox.md``).

Recipient and text are kept encrypted (AES-256-GCM, ``common.crypto``): they may hold a
one-time code and a phone number. Only the demo and development use these adapters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    channel = models.CharField(_("渠道"), max_length=10)
    to_enc = models.TextField()
    to_masked = models.CharField(_("收件人"), max_length=120)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body_enc = models.TextField()
    template = models.CharField(_("模板"), max_length=40, blank=True)
    attempt = models.ForeignKey(
        "contact.ContactAttempt",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("演示发件箱消息")
        verbose_name_plural = _("演示发件箱消息")

    def __str__(self) -> str:
        return f"outbox {self.channel} {self.to_masked}"
