"""The published fee schedules (收费标准) and each case's fee agreement (委托协议 / 风险代理协议).

Below ``payments`` in the order of apps (docs/architecture.md): commission reads the signed
agreement's terms from here. Drafting, sending and signing an agreement is ``reports``'
work (``reports.agreements``), above.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingqian.fees.rules import CostBearer, OrgType


class FeeScheduleRow(models.Model):
    """A published fee schedule (收费标准) as data. ``bands`` holds the agreement without its
    date: ``{"default": {...}, "by_debt_type": {...}}`` in ``fee_agreement_from_data`` form.
    Saved only through ``fees.services.fee_schedule_save`` or the admin form, both of
    which run ``fee_rules.check_pricing``."""

    key = models.SlugField(_("代号"), max_length=64)
    name_zh = models.CharField(_("名称（中文）"), max_length=200)
    name_en = models.CharField(_("名称（英文）"), max_length=200)
    organisation_type = models.CharField(
        _("机构类型"), max_length=20, choices=[(o.value, o.value) for o in OrgType]
    )
    valid_from = models.DateField(_("生效日期"))
    withdrawn_on = models.DateField(_("停止适用日期"), null=True, blank=True)
    bands = models.JSONField(_("费率表"))
    recovered_counts = models.JSONField(_("计费的回收形式"), default=list)
    court_costs_borne_by = models.CharField(
        _("诉讼费用承担"),
        max_length=20,
        choices=[(c.value, c.value) for c in CostBearer],
        default=CostBearer.CREDITOR.value,
    )
    prepayment = models.DecimalField(
        _("预付费用"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    covers_litigation = models.BooleanField(_("包含诉讼代理"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")
        ordering = ["valid_from", "key"]
        # The tables keep the names they had when the models lived in ``reports``.
        db_table = "reports_feeschedulerow"
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="feeschedule_key_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.valid_from})"


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已发送待签")
    SIGNED = "signed", _("已签署")


class Agreement(models.Model):
    """The fee agreement of an accepted case (风险代理协议 for a law firm's contingency fee,
    委托协议 otherwise): the terms as canonical JSON with their SHA-256, drafted from the case
    and a snapshot of the fee schedule, then sent and signed by the creditor in Qingqian
    (typed name + one-time code). The signed PDF and its SHA-256 are kept; the hash is also
    written to the case timeline and thereby the ledger."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(_("协议类型"), max_length=20)
    schedule_key = models.CharField(_("收费标准代号"), max_length=64)
    schedule_snapshot = models.JSONField(_("收费标准快照"))
    terms = models.JSONField(_("协议条款"))
    terms_sha256 = models.CharField(_("条款摘要（SHA-256）"), max_length=64)
    state = models.CharField(
        _("状态"), max_length=10, choices=AgreementState.choices, default=AgreementState.DRAFT
    )
    created_at = models.DateTimeField(_("起草时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_name = models.CharField(_("签署人姓名"), max_length=100, blank=True)
    signed_pdf = models.BinaryField(_("已签署 PDF"), null=True, blank=True)
    signed_sha256 = models.CharField(_("已签署文件摘要（SHA-256）"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("委托协议")
        verbose_name_plural = _("委托协议")
        ordering = ["case", "-version"]
        db_table = "reports_agreement"
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="agreement_version_unique"),
            models.CheckConstraint(
                condition=~Q(state="signed") | (~Q(signed_sha256="") & ~Q(signed_name="")),
                name="agreement_signed_has_hash_and_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} agreement v{self.version}"
