from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# h19c: the organisation's regulatory records and incidents -------------------------------


class RecordKind(models.TextChoices):
    INSURANCE = "insurance", _("职业责任保险")
    LICENCE = "licence", _("许可证或执业证")


class RegulatoryRecord(models.Model):
    """A licence or professional liability insurance policy the organisation holds.

    Jiangsu requires a collection firm to hold professional liability insurance (PRODUCT.md,
    "Rules that shape everything"); the policy in force is shown on the public price page.
    Rows are versioned by replacement, never edited: a renewal is a new row.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="regulatory_records"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("保险公司或发证机关"), max_length=200)
    number = models.CharField(_("保单号或证书编号"), max_length=100)
    cover = models.DecimalField(
        _("保险金额（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("监管资质")
        verbose_name_plural = _("监管资质")
        ordering = ["kind", "-valid_until", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="regulatory_record_valid_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="insurance") | models.Q(cover__gt=0),
                name="regulatory_insurance_has_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


class IncidentKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    HARASSMENT = "harassment", _("疑似骚扰或不当催收")
    DATA = "data", _("个人信息安全事件")
    THIRD_PARTY = "third_party", _("不当联系第三人")
    OTHER = "other", _("其他")


class IncidentState(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已结案")


class Incident(models.Model):
    """A compliance incident: a complaint, suspected harassment, a personal-data incident."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=IncidentKind.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("案件")
    )
    occurred_on = models.DateField(_("发生日期"))
    summary = models.TextField(_("经过"), max_length=2000)
    state = models.CharField(
        _("状态"), max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    resolution = models.TextField(_("处理结果"), max_length=2000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("登记时间"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合规事件")
        verbose_name_plural = _("合规事件")
        ordering = ["state", "-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"
