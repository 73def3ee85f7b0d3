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


class DayFigure(models.Model):
    """One row of the daily rollup (``kpis.rollup``): for an organisation, business day,
    creditor and handler of the case, a count and sums of one ``metric`` split by ``key``:
    ``pay`` (payments received, by kind: count, Σ amount, Σ commission), ``att`` (contact
    attempts the gate allowed, by disposition), ``ref`` (refused by the gate, by rule),
    ``prom`` (promises made). The period measures read these rows instead of the journal."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    creditor = models.ForeignKey(
        "parties.Party",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    handler = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    metric = models.CharField(max_length=8)
    key = models.CharField(max_length=100, blank=True)
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    commission = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "day"], name="kpis_dayfig_org_day")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.day} {self.metric}:{self.key}"


class RollupState(models.Model):
    """How far an organisation's daily rollup is built: days up to ``built_through`` are
    read from :class:`DayFigure`, later days (today) straight from the records."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    built_through = models.DateField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.built_through}"


class CaseFact(models.Model):
    """The per-case facts the cohort measures read (``kpis.facts``): one row per case that
    has been accepted, with its first acceptance, first positive payment and first closing,
    and the sums of all its payments (amount, commission). Kept on commit of every payment,
    timeline entry or case write through the ORM, and rebuilt by ``qingqian daily``."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="kpi_fact"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    accepted_at = models.DateTimeField()
    first_paid_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    recovered = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    commission = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "accepted_at"], name="kpis_casefact_org_acc")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.accepted_at:%Y-%m-%d}"


class CaseMonth(models.Model):
    """The funnel's facts (``kpis.funnel``): per case and calendar month (business days,
    Asia/Shanghai), the days of the month on which the case had an allowed contact
    attempt, a promise made and a positive payment received — bit ``d - 1`` for day ``d`` —
    with the case's creditor and handler (its rollup dimensions). The window's distinct
    contacted, promised and paid cases are then counted over one row per case and month
    instead of a ``DISTINCT`` over every attempt. Kept on commit of every attempt, promise,
    payment or case move written through the ORM, and rebuilt with the rollup."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    creditor = models.ForeignKey(
        "parties.Party",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    handler = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    contacted = models.IntegerField(default=0)
    promised = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="kpis_casemonth_case_month")
        ]
        indexes = [models.Index(fields=["organisation", "month"], name="kpis_casemonth_org_month")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.month:%Y-%m}"
