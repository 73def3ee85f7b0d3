from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingqian.accounts.roles import Perm, Role, has_permission


class OrgKind(models.TextChoices):
    """Which legal fee rules bind the organisation (legal-rules.md §5; ``fees.rules``)."""

    LAW_FIRM = "law_firm", _("律师事务所")
    MEDIATION_CENTRE = "mediation_centre", _("调解中心")
    IN_HOUSE = "in_house", _("债权人内部团队")


class Organisation(models.Model):
    """The firm using Qingqian: a law firm, a collection service centre, a receivables team."""

    name = models.CharField(_("名称"), max_length=200)
    org_type = models.CharField(
        _("机构类型"),
        max_length=20,
        choices=OrgKind.choices,
        default=OrgKind.MEDIATION_CENTRE,
        help_text=_("决定适用的收费上限与禁止风险代理的案件类型。"),
    )
    short_code = models.SlugField(_("代号"), max_length=32, unique=True)
    city = models.CharField(_("城市"), max_length=50, default="苏州市")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(
        _("角色"), max_length=20, choices=[(r.value, r.value) for r in Role], default=Role.COLLECTOR
    )
    # Creditor users see only this creditor's cases.
    creditor = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="creditor_users",
        verbose_name=_("所属债权人"),
    )
    cert_number = models.CharField(_("催收资格证书编号"), max_length=64, blank=True)
    cert_issuer = models.CharField(_("发证机构"), max_length=100, blank=True)
    cert_expires = models.DateField(_("证书有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.CREDITOR) | models.Q(creditor__isnull=False),
                name="creditor_user_has_creditor",
            )
        ]

    def get_full_name(self) -> str:
        """Chinese names read family name first, with no space (陈建国)."""
        last, first = self.last_name.strip(), self.first_name.strip()
        if any("\u3400" <= ch <= "\u9fff" for ch in last + first):
            return f"{last}{first}"
        return super().get_full_name()

    def has_perm_code(self, perm: Perm) -> bool:
        return bool(self.is_active and has_permission(self.role, perm))

    @property
    def is_creditor_user(self) -> bool:
        return self.role == Role.CREDITOR

    def certification_valid_on(self, day: dt.date) -> bool:
        """Contact work needs a certificate with a number, an issuer and an unexpired date."""
        return bool(
            self.cert_number and self.cert_issuer and self.cert_expires and self.cert_expires >= day
        )


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the clear token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="cli")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Tokens expire (settings.QINGQIAN_API_TOKEN_DAYS) and carry a scope: "read" tokens may
    # only read (GET/HEAD/OPTIONS), "write" tokens do what their user may (finding 6).
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    scope = models.CharField(
        _("范围"),
        max_length=10,
        default="write",
        choices=[("read", _("只读")), ("write", _("读写"))],
    )

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()


class OneTimeCode(models.Model):
    """A six-digit one-time code for signing or an identity check.

    Only an HMAC-SHA256 of the code (keyed with ``SECRET_KEY`` and bound to the purpose and
    subject) is stored; the clear code exists only in the message delivered to the person.
    A code expires after :data:`OTP_TTL`, locks after :data:`OTP_MAX_ATTEMPTS` wrong tries and
    can be used once.
    """

    purpose = models.CharField(_("用途"), max_length=40)
    subject = models.CharField(_("对象键"), max_length=200, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性验证码")
        verbose_name_plural = _("一次性验证码")
        indexes = [models.Index(fields=["purpose", "subject", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts__lte=5), name="otp_attempts_at_most_five"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.subject}"
