from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "Asia/Shanghai"


def validate_timezone(value: str) -> None:
    """An IANA time zone name (``Asia/Shanghai``, ``America/New_York``)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("未知时区：%(value)s（请使用 IANA 名称，如 Asia/Shanghai）"),
            code="unknown_timezone",
            params={"value": value},
        ) from None


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    COMPANY = "company", _("企业")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("手机")
    LANDLINE = "landline", _("固定电话")


class Party(models.Model):
    """A natural person or a company: a creditor, debtor or guarantor.

    The credit code of a company is public registry data and stored in clear. A person's ID
    number and every phone number are personal data: stored encrypted (``*_enc``) with a
    keyed hash (``*_hash``) for exact look-up and a masked form for display. Reading them in
    clear goes through ``parties.services.party_reveal`` which writes an audit row.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="parties"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=PartyKind.choices)
    name = models.CharField(_("名称/姓名"), max_length=200, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号（掩码）"), max_length=18, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("电话（掩码）"), max_length=20, blank=True)
    # h19a: the number's kind (SMS goes only to a mobile) and an e-mail address of its own.
    phone_kind = models.CharField(
        _("电话类型"), max_length=10, choices=PhoneKind.choices, blank=True, default=""
    )
    email_enc = models.TextField(blank=True)
    email_hash = models.CharField(max_length=64, blank=True)
    email_masked = models.CharField(_("电子邮件（掩码）"), max_length=80, blank=True)
    is_client = models.BooleanField(
        _("委托人（债权人客户）"),
        default=False,
        help_text=_("本机构代为清收的债权人。"),
    )
    city = models.CharField(_("城市"), max_length=50, blank=True)
    district = models.CharField(_("区/县"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # The person's local time zone: the contact gate judges calling hours and local days in it.
    timezone = models.CharField(
        _("时区"),
        max_length=64,
        default=DEFAULT_TIMEZONE,
        validators=[validate_timezone],
        help_text=_("IANA 时区名称，如 Asia/Shanghai、America/New_York。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # h15b: set when the retention job replaced the person's identity (cases.retention).
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "credit_code"],
                condition=~models.Q(credit_code=""),
                name="party_unique_credit_code_per_org",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="company") | models.Q(credit_code=""),
                name="party_credit_code_only_for_companies",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="person") | models.Q(id_number_enc=""),
                name="party_id_number_only_for_persons",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "credit_code"]),
            models.Index(
                fields=["organisation", "name"],
                condition=models.Q(is_client=True),
                name="party_clients_by_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier_masked(self) -> str:
        return self.credit_code or self.id_number_masked


class RetentionKind(models.TextChoices):
    """Kinds of personal information with their own retention period (h15b)."""

    DEBTOR_IDENTITY = "debtor_identity", _("债务人等自然人的身份与联系信息")


class RetentionRule(models.Model):
    """How long an organisation keeps one kind of personal information after the last of the
    person's cases closed (PIPL art. 19; ``cases.retention``). Without a row the default
    in ``settings.QINGQIAN_RETENTION_YEARS`` applies."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="retention_rules"
    )
    kind = models.CharField(_("信息种类"), max_length=30, choices=RetentionKind.choices)
    years = models.PositiveSmallIntegerField(_("结案后保存年数"))

    class Meta:
        verbose_name = _("保存期限")
        verbose_name_plural = _("保存期限")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="one_rule_per_kind"),
            models.CheckConstraint(
                condition=models.Q(years__gte=1) & models.Q(years__lte=30),
                name="retention_years_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.kind}={self.years}"
