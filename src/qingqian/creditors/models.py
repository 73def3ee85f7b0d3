"""The creditor's desk: a user's own verified addresses for one-time codes, and the message
thread between a case's creditor and the firm handling it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    EMAIL = "email", _("电子邮箱")
    MOBILE = "sms", _("手机号")


class ContactPoint(models.Model):
    """An e-mail address or mobile number a user added for their own one-time codes. Usable
    only once verified by a code sent to it. The value is encrypted; the hash finds it."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="contact_points"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=PointKind.choices)
    value_enc = models.TextField()
    value_hash = models.CharField(max_length=64)
    masked = models.CharField(_("地址"), max_length=120)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("添加时间"))

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("验证码接收地址")
        verbose_name_plural = _("验证码接收地址")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "value_hash"], name="contact_point_unique_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"


class CaseMessage(models.Model):
    """One message in a case's thread between the creditor's users and the firm's staff."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    from_creditor = models.BooleanField(_("来自债权人"))
    body = models.TextField(_("内容"), max_length=2000)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("案件留言")
        verbose_name_plural = _("案件留言")

    def __str__(self) -> str:
        return f"message {self.pk} (case {self.case_id})"
