"""A one-time portal link: only the SHA-256 of its token is stored."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalLink(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="portal_links")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(_("发送渠道"), max_length=10)
    expires_at = models.DateTimeField(_("有效期至"))
    session_hash = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    identity_failures = models.PositiveSmallIntegerField(default=0)
    identity_ok_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"portal link {self.pk} (case {self.case_id})"
