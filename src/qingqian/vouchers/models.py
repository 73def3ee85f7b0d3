"""Electronic debt vouchers (债权凭证): the fixed document and its logged events.

Neither row is ever edited: ``save`` refuses an update and the state is derived from the
events (``kernel.derive_state``). Each event is a log entry (``log_entry``) whose statement
commits to the voucher's SHA-256 and to the event's details by a salted hash."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("vouchers and their events are never edited")
        super().save(*args, **kwargs)


class Voucher(_AppendOnly):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="vouchers")
    number = models.CharField(_("凭证编号"), max_length=48, unique=True)
    document = models.TextField(_("凭证内容（RFC 8785）"))
    sha256 = models.CharField(max_length=64, unique=True)
    signature = models.TextField(_("签名"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("签发时间"))

    class Meta:
        verbose_name = _("债权凭证")
        verbose_name_plural = _("债权凭证")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.document)
        return value


class VoucherEvent(_AppendOnly):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("事件"), max_length=20)
    details = models.TextField(_("事件内容（RFC 8785）"))
    log_entry = models.ForeignKey("ledger.LogEntry", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("凭证事件")
        verbose_name_plural = _("凭证事件")
        ordering = ["voucher", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "seq"], name="voucher_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id}#{self.seq} {self.kind}"

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.details)
        return value
