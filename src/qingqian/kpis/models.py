"""The monthly creditor report, kept as generated: the PDF and its SHA-256, one per
creditor and month, delivered to the creditor's users on their reports page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditorReport(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    creditor = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("债权人")
    )
    period = models.CharField(_("月份"), max_length=7)  # YYYY-MM
    generated_at = models.DateTimeField(_("生成时间"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("PDF 摘要（SHA-256）"), max_length=64)
    figures = models.JSONField(_("报告数据"), default=dict)

    class Meta:
        verbose_name = _("债权人月度报告")
        verbose_name_plural = _("债权人月度报告")
        ordering = ["-period", "creditor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "creditor", "period"], name="creditor_report_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.period}"
