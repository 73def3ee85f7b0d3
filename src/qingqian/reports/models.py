"""Feasibility reports, versioned per case. The fee schedules and agreements are ``fees``'."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    PENDING = "pending", _("待律师审查")
    ACCEPTED = "accepted", _("接案")
    REJECTED = "rejected", _("不予接案")


class FeasibilityReport(models.Model):
    """One version of a case's 可行性报告: the kernel's ``to_dict()`` as generated, never
    edited afterwards; only the lawyer's decision is written later."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="feasibility_reports"
    )
    version = models.PositiveIntegerField(_("版本"))
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("报告内容"))
    inputs_digest = models.CharField(_("输入摘要（SHA-256）"), max_length=64)
    pdf_sha256 = models.CharField(_("PDF 摘要（SHA-256）"), max_length=64, blank=True)
    decision = models.CharField(
        _("审查结论"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("可行性报告")
        verbose_name_plural = _("可行性报告")
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="feasibility_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="feasibility_version_pos"),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(reason=""),
                name="feasibility_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"
