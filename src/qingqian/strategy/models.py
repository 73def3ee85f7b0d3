"""The strategy engine's rows: playbooks as data, one run per debtor, its scheduled steps,
and invoice disputes (a disputed invoice is left out of the treatment until resolved).

The rules live in the pure kernel ``strategy.playbooks``; these rows only store its data and
what happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PlaybookRow(models.Model):
    """One playbook in ``strategy.playbooks`` data form. The set in ``position`` order is
    what the engine matches against (first match wins)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="playbooks",
    )
    key = models.SlugField(_("代号"), max_length=64)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    data = models.JSONField(_("策略内容"))
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("催收策略")
        verbose_name_plural = _("催收策略")
        ordering = ["position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="playbook_key_per_org"),
        ]

    def __str__(self) -> str:
        return self.key


class InvoiceDispute(models.Model):
    invoice = models.ForeignKey("cases.Invoice", on_delete=models.CASCADE, related_name="disputes")
    opened_at = models.DateTimeField(_("提出时间"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("发票争议")
        verbose_name_plural = _("发票争议")

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.opened_at:%Y-%m-%d}"


class RunStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    COMPLETED = "completed", _("已完成")
    STOPPED = "stopped", _("已停止")


class StrategyRun(models.Model):
    """The one treatment of a debtor (across all their invoices and cases)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    debtor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="strategy_runs",
        help_text=_("发起本次处置的案件；联系动作以该案件名义经过联系闸门。"),
    )
    playbook_key = models.CharField(_("策略"), max_length=64)
    arm = models.CharField(_("实验组"), max_length=12, default="champion")
    experiment = models.CharField(_("实验"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.ACTIVE
    )
    started_on = models.DateField(_("开始日期"))
    assigned_amount = models.DecimalField(_("纳入金额"), max_digits=14, decimal_places=2)
    invoice_ids = models.JSONField(_("纳入发票"), default=list)
    excluded_invoice_ids = models.JSONField(_("排除的争议发票"), default=list)
    steps = models.JSONField(_("步骤"))
    reason = models.JSONField(_("理由"))
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("处置方案")
        verbose_name_plural = _("处置方案")
        constraints = [
            models.UniqueConstraint(
                fields=["debtor"], condition=Q(status="active"), name="one_active_run_per_debtor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.playbook_key}/{self.arm}"


class StepState(models.TextChoices):
    SCHEDULED = "scheduled", _("已排期")
    AUTHORIZED = "authorized", _("已获准，待执行")
    SENT = "sent", _("已发送")
    HANDED_OVER = "handed_over", _("已交律师/调解员")
    SKIPPED = "skipped", _("已跳过")


class StrategyStep(models.Model):
    run = models.ForeignKey(StrategyRun, on_delete=models.CASCADE, related_name="step_rows")
    index = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("动作"), max_length=20)
    channels = models.JSONField(_("渠道"), default=list)
    due_on = models.DateField(_("计划日期"))
    state = models.CharField(
        _("状态"), max_length=12, choices=StepState.choices, default=StepState.SCHEDULED
    )
    reasons = models.JSONField(_("原因"), default=list)
    executed_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    cost = models.DecimalField(_("成本"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("处置步骤")
        verbose_name_plural = _("处置步骤")
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="strategy_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.index} {self.kind}"


class FollowupSchedule(models.Model):
    """A follow-up schedule (``strategy.dunning`` data form) in force for the organisation's
    debtors by default (no creditor, no debtor), for one creditor's debtors, or for one
    debtor (the debtor's beats the creditor's, which beats the default)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="followup_schedules"
    )
    creditor = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("债权人"),
    )
    debtor = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("债务人"),
    )
    data = models.JSONField(_("催告计划"))
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("催告计划")
        verbose_name_plural = _("催告计划")
        constraints = [
            models.CheckConstraint(
                condition=Q(creditor__isnull=True) | Q(debtor__isnull=True),
                name="followup_schedule_one_target",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(creditor__isnull=True, debtor__isnull=True),
                name="followup_schedule_one_default",
            ),
            models.UniqueConstraint(
                fields=["organisation", "creditor"],
                condition=Q(creditor__isnull=False),
                name="followup_schedule_one_per_creditor",
            ),
            models.UniqueConstraint(
                fields=["organisation", "debtor"],
                condition=Q(debtor__isnull=False),
                name="followup_schedule_one_per_debtor",
            ),
        ]

    def __str__(self) -> str:
        return str(self.data.get("key", self.pk))


class FollowupSent(models.Model):
    """One level of a schedule reached by one item (invoice or installment) of a debtor and
    put to the contact gate on one channel: sent (with the letter's PDF), or refused with the
    gate's reasons. A level is done once per item: the next run moves on to the next level."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    debtor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    schedule_key = models.CharField(_("催告计划"), max_length=64)
    level_key = models.CharField(_("级别"), max_length=32)
    offset_days = models.SmallIntegerField(_("相对到期日天数"), default=0)
    item_ref = models.CharField(_("款项"), max_length=80)
    channel = models.CharField(_("渠道"), max_length=10)
    allowed = models.BooleanField(_("已放行"))
    attempt = models.ForeignKey(
        "contact.ContactAttempt", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.JSONField(_("原因"), default=list)
    amount = models.DecimalField(_("应付金额"), max_digits=14, decimal_places=2)
    document = models.BinaryField(_("信函（PDF）"), null=True, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("催告记录")
        verbose_name_plural = _("催告记录")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "item_ref", "level_key", "channel"],
                name="followup_level_once_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.item_ref} {self.level_key} {self.channel}"
