"""Payments, their allocation, the persisted trust journal, remittances and bank imports.

Money columns are ``DecimalField(14, 2)`` (yuan); the trust journal stores integer fen, as
the pure kernel ``payments.trust`` computes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentKind(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")
    PORTAL = "portal", _("自助页面支付")
    PROVIDER = "provider", _("第三方支付")
    SETOFF = "setoff", _("抵销")
    GOODS = "goods", _("以物抵债")
    REVERSAL = "reversal", _("冲正")
    COURT = "court", _("法院执行款")


#: Kinds that bring no cash into the trust account (booked against ``setoff:c``).
NON_CASH_KINDS = frozenset({PaymentKind.SETOFF.value, PaymentKind.GOODS.value})


class Payment(models.Model):
    """One receipt from (or for) the debtor, recorded once per idempotency key."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("方式"), max_length=16, choices=PaymentKind.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    received_at = models.DateTimeField(_("收款时间"), db_index=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=128)
    reference = models.CharField(_("付款参考号"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的收款"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    commissionable = models.DecimalField(_("计佣回款"), max_digits=14, decimal_places=2, default=0)
    """The part applied to the debt (the surplus is refunded, never commissioned)."""
    commission = models.DecimalField(_("佣金"), max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回款")
        verbose_name_plural = _("回款")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"], name="payment_key_unique_per_org"
            ),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(amount__lt=0) & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(amount__gt=0) & Q(reverses__isnull=True)),
                name="payment_sign_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["case", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Component(models.TextChoices):
    COSTS = "costs", _("实现债权的费用")
    INTEREST = "interest", _("利息")
    PRINCIPAL = "principal", _("本金")
    SURPLUS = "surplus", _("超付待退")


class ChargeKind(models.TextChoices):
    """What a cost or interest component is. Costs are 实现债权的有关费用 (Art. 561)."""

    COURT_FEE = "court_fee", _("诉讼费")
    PRESERVATION_FEE = "preservation_fee", _("保全费")
    ENFORCEMENT_FEE = "enforcement_fee", _("执行费")
    ANNOUNCEMENT_FEE = "announcement_fee", _("公告费")
    APPRAISAL_FEE = "appraisal_fee", _("鉴定评估费")
    OTHER_COST = "other_cost", _("其他实现债权费用")
    CONTRACT_INTEREST = "contract_interest", _("约定利息")
    LATE_INTEREST = "late_interest", _("逾期付款利息/损失")


COST_KINDS = frozenset(
    {
        ChargeKind.COURT_FEE.value,
        ChargeKind.PRESERVATION_FEE.value,
        ChargeKind.ENFORCEMENT_FEE.value,
        ChargeKind.ANNOUNCEMENT_FEE.value,
        ChargeKind.APPRAISAL_FEE.value,
        ChargeKind.OTHER_COST.value,
    }
)
INTEREST_KINDS = frozenset({ChargeKind.CONTRACT_INTEREST.value, ChargeKind.LATE_INTEREST.value})


class Charge(models.Model):
    """A cost or an accrued interest amount owed on top of an invoice's principal (or the
    case's, when the case has no invoices), with its own outstanding. Payments reach it
    before principal (Civil Code Art. 561): costs, then interest, then principal.

    ``Invoice.outstanding`` and ``Case.outstanding`` stay the outstanding principal; what
    the debtor owes in all is principal + Σ ``Charge.outstanding``
    (``negotiation.selectors.case_balance``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="charges")
    invoice = models.ForeignKey(
        "cases.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    component = models.CharField(
        _("项目"),
        max_length=10,
        choices=[("costs", _("实现债权的费用")), ("interest", _("利息"))],
    )
    kind = models.CharField(_("类别"), max_length=20, choices=ChargeKind.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    outstanding = models.DecimalField(_("未收金额"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("计息起日"), null=True, blank=True)
    period_end = models.DateField(_("计息止日"), null=True, blank=True)
    basis = models.JSONField(_("计算依据"), default=dict, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("费用与利息")
        verbose_name_plural = _("费用与利息")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=models.F("amount")),
                name="charge_outstanding_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(component__in=["costs", "interest"]), name="charge_component_valid"
            ),
        ]
        indexes = [models.Index(fields=["case", "invoice"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.outstanding}/{self.amount}"


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(
        "cases.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    """The cost or interest row a ``costs`` / ``interest`` share went to (reversal restores
    exactly that row)."""
    component = models.CharField(_("冲抵项目"), max_length=10, choices=Component.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("回款冲抵")
        verbose_name_plural = _("回款冲抵")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.component} {self.amount}"


class PaymentReference(models.Model):
    """The unique reference a debtor writes on a bank transfer (附言), one per case."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="payment_reference"
    )
    code = models.CharField(_("付款参考号"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("付款参考号")
        verbose_name_plural = _("付款参考号")

    def __str__(self) -> str:
        return self.code


class JournalEntry(models.Model):
    """One balanced transaction of the trust (client money) ledger."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    txn_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=12)
    creditor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(db_index=True)
    reverses = models.CharField(max_length=64, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="journal"
    )
    remittance = models.ForeignKey(
        "payments.RemittanceBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("客户资金分录")
        verbose_name_plural = _("客户资金分录")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "txn_id"], name="journal_txn_unique_per_org"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "creditor", "on"])]

    def __str__(self) -> str:
        return self.txn_id


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="lines")
    account = models.CharField(max_length=80)
    fen = models.BigIntegerField()

    class Meta:
        verbose_name = _("客户资金分录行")
        verbose_name_plural = _("客户资金分录行")

    def __str__(self) -> str:
        return f"{self.account} {self.fen}"


class TrustBalance(models.Model):
    """Running balance of one trust account (fen), locked while a posting is checked."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    account = models.CharField(max_length=80)
    fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "account"], name="trust_balance_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.fen}"


class RemittanceBasis(models.TextChoices):
    NET = "net", _("扣除佣金后汇付")
    GROSS = "gross", _("全额汇付（佣金另行结算）")


class RemittanceBatch(models.Model):
    """A month's remittance to one creditor."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    creditor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=7)
    basis = models.CharField(_("汇付口径"), max_length=5, choices=RemittanceBasis.choices)
    amount = models.DecimalField(_("汇付金额"), max_digits=14, decimal_places=2)
    commission = models.DecimalField(_("本期佣金"), max_digits=14, decimal_places=2)
    cases = models.PositiveIntegerField(_("案件数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("汇付批次")
        verbose_name_plural = _("汇付批次")
        ordering = ["-period", "creditor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "creditor", "period"], name="remittance_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.creditor_id} {self.amount}"


class StatementLineStatus(models.TextChoices):
    MATCHED = "matched", _("已匹配")
    DUPLICATE = "duplicate", _("已入账（重复）")
    UNMATCHED = "unmatched", _("未匹配，待人工处理")


class BankStatementLine(models.Model):
    """A credit line from an imported bank statement and what became of it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=255)
    row = models.PositiveIntegerField()
    booked_on = models.DateField(_("交易日期"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    counterparty = models.CharField(_("对方户名"), max_length=200, blank=True)
    memo = models.CharField(_("摘要/附言"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=StatementLineStatus.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("银行流水行")
        verbose_name_plural = _("银行流水行")
        ordering = ["-created_at", "row"]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount}"
