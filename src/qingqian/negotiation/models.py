"""Promises to pay, installment plans with versioned immutable terms, settlement offers."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingqian.common.exceptions import Conflict


class PromiseSource(models.TextChoices):
    HANDLER = "handler", _("经办人记录")
    TRANSCRIPT = "transcript", _("通话记录分析")
    PORTAL = "portal", _("债务人自助页面")


class PromiseState(models.TextChoices):
    OPEN = "open", _("待履行")
    KEPT = "kept", _("已履行")
    BROKEN = "broken", _("未履行")


class Promise(models.Model):
    """A promise to pay ``amount`` by ``due_date``; kept or broken is decided from payments."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="promises")
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("承诺日期"))
    made_on = models.DateField(_("承诺作出日"))
    source = models.CharField(_("来源"), max_length=12, choices=PromiseSource.choices)
    confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=8, choices=PromiseState.choices, default=PromiseState.OPEN
    )
    paid = models.DecimalField(_("已付"), max_digits=14, decimal_places=2, default=0)
    decided_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_date", "-pk"]
        indexes = [models.Index(fields=["state", "due_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} @ {self.due_date}"


class PlanKind(models.TextChoices):
    EQUAL = "equal", _("等额")
    CUSTOM = "custom", _("自定义")
    SEASONAL = "seasonal", _("按季节收入")


class Consequence(models.TextChoices):
    REMINDER = "reminder", _("提醒")
    ACCELERATION = "acceleration", _("余额加速到期")
    RETURN_TO_STRATEGY = "return_to_strategy", _("退回催收策略")


class VersionState(models.TextChoices):
    PROPOSED = "proposed", _("待双方确认")
    ACTIVE = "active", _("履行中")
    SUPERSEDED = "superseded", _("已被新版本取代")
    BREACHED = "breached", _("已违约")
    COMPLETED = "completed", _("已还清")


class InstallmentPlan(models.Model):
    """One plan on a case; its terms live in numbered, hash-chained versions."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="plans")
    created_at = models.DateTimeField(auto_now_add=True)
    # The case, while one of this plan's versions is active; unique, so the database itself
    # holds a case to one active plan (security finding 12).
    active_case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"plan {self.pk}"


TERMS_FIELDS = frozenset(
    {
        "plan",
        "version",
        "kind",
        "profile",
        "grace_days",
        "consequence",
        "terms",
        "canonical",
        "sha256",
        "previous_sha256",
        "proposed_by_debtor",
    }
)


class PlanVersion(models.Model):
    """Immutable once both sides accepted: any change is a new version accepted again."""

    plan = models.ForeignKey(InstallmentPlan, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    kind = models.CharField(_("类型"), max_length=10, choices=PlanKind.choices)
    profile = models.JSONField(_("收入权重"), default=list, blank=True)
    grace_days = models.PositiveIntegerField(_("宽限期（天）"))
    consequence = models.CharField(_("违约后果"), max_length=20, choices=Consequence.choices)
    terms = models.JSONField(_("条款"))
    canonical = models.TextField()
    sha256 = models.CharField(max_length=64, unique=True)
    previous_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=VersionState.choices, default=VersionState.PROPOSED
    )
    proposed_by_debtor = models.BooleanField(default=False)
    accepted_by_staff = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_by_staff_at = models.DateTimeField(null=True, blank=True)
    accepted_by_debtor = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_by_debtor_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="planversion_unique")
        ]

    def __str__(self) -> str:
        return f"plan {self.plan_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Terms never change after creation: only state and acceptance fields may be saved."""
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) & TERMS_FIELDS:
                raise Conflict(
                    "还款计划条款不可修改；如需变更，请提出新版本。",
                    "Plan terms cannot be changed; propose a new version instead.",
                    code="plan_terms_immutable",
                )
        super().save(*args, **kwargs)

    @property
    def total(self) -> str:
        return str(self.terms.get("amount_total", ""))


class Installment(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveIntegerField()
    due = models.DateField(_("到期日"))
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["version_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="installment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} @ {self.due}"


class BreachRecord(models.Model):
    """The daily task found a version in breach and applied its agreed consequence."""

    version = models.OneToOneField(PlanVersion, on_delete=models.PROTECT, related_name="breach")
    assessed_on = models.DateField()
    consequence = models.CharField(max_length=20, choices=Consequence.choices)
    overdue_count = models.PositiveIntegerField()
    overdue_amount = models.DecimalField(max_digits=14, decimal_places=2)
    accelerated_balance = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"breach of {self.version_id}"


class SettlementLimit(models.Model):
    """The most a creditor allows us to discount, and for how long an offer may stand."""

    creditor = models.OneToOneField(
        "parties.Party", on_delete=models.PROTECT, related_name="settlement_limit"
    )
    max_discount_percent = models.DecimalField(
        _("最高减免比例（%）"), max_digits=5, decimal_places=2
    )
    max_days = models.PositiveIntegerField(_("要约最长有效天数"), default=30)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_discount_percent__gte=0) & Q(max_discount_percent__lte=100),
                name="settlementlimit_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"≤{self.max_discount_percent}%"


class OfferState(models.TextChoices):
    OPEN = "open", _("有效")
    ACCEPTED = "accepted", _("已接受")
    EXPIRED = "expired", _("已过期")


class SettlementOffer(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="offers")
    balance = models.DecimalField(_("当前余额"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("减免比例（%）"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("和解金额"), max_digits=14, decimal_places=2)
    expires_on = models.DateField(_("有效期至"))
    state = models.CharField(max_length=8, choices=OfferState.choices, default=OfferState.OPEN)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.amount} until {self.expires_on}"
