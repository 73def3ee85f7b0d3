from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingqian.cases.lifecycle import Outcome, State


class DebtType(models.TextChoices):
    TRADE = "trade", _("企业商账")
    CONSTRUCTION = "construction", _("工程欠款")
    PRIVATE_LOAN = "private_loan", _("个人借贷")
    OTHER = "other", _("其他")


class IntakeChannel(models.TextChoices):
    HOTLINE = "hotline", _("服务热线")
    WEB = "web", _("网页表单")
    API = "api", _("API")
    IMPORT = "import", _("台账导入")


class PartyRole(models.TextChoices):
    DEBTOR = "debtor", _("债务人")
    GUARANTOR = "guarantor", _("保证人")


class Case(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    reference = models.CharField(_("案号"), max_length=32, unique=True)
    creditor = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="cases_as_creditor",
        verbose_name=_("债权人"),
    )
    debt_type = models.CharField(_("债务类型"), max_length=20, choices=DebtType.choices)
    principal = models.DecimalField(_("本金"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    interest_rate = models.DecimalField(
        _("约定年利率（%）"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    interest_terms = models.CharField(_("利息约定"), max_length=300, blank=True)
    contract_date = models.DateField(_("合同日期"), null=True, blank=True)
    funds_transfer_date = models.DateField(_("款项交付日期"), null=True, blank=True)
    due_date = models.DateField(_("到期日"), null=True, blank=True)
    last_payment_date = models.DateField(_("最后还款日"), null=True, blank=True)
    channel = models.CharField(_("来源"), max_length=10, choices=IntakeChannel.choices)
    summary = models.TextField(_("案情摘要"), blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_cases",
        verbose_name=_("承办人"),
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=[(s.value, s.value) for s in State], default=State.INTAKE
    )
    outcome = models.CharField(
        _("结案结果"), max_length=20, choices=[(o.value, o.value) for o in Outcome], blank=True
    )
    # Denormalised from the debtor and invoices so lists, search and aging stay one query.
    debtor_name = models.CharField(_("债务人"), max_length=200, db_index=True)
    oldest_due_date = models.DateField(null=True, blank=True, db_index=True)
    outstanding = models.DecimalField(_("未收余额"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "state", "-created_at"]),
            models.Index(fields=["organisation", "creditor", "-created_at"]),
            models.Index(fields=["organisation", "-created_at", "-id"]),
            models.Index(fields=["handler", "-created_at"]),
            # Each handler's open cases, counted from the index alone (the mediation panel's
            # collector load).
            models.Index(
                fields=["handler"], condition=~Q(state="closed"), name="case_open_by_handler"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="case_principal_positive"),
            models.CheckConstraint(
                condition=Q(outstanding__gte=0), name="case_outstanding_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(state="closed") & ~Q(outcome=""))
                | (~Q(state="closed") & Q(outcome="")),
                name="case_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(contract_date__isnull=True)
                | Q(due_date__gte=models.F("contract_date")),
                name="case_due_not_before_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.debtor_name}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_parties")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="case_roles")
    role = models.CharField(_("身份"), max_length=10, choices=PartyRole.choices)

    class Meta:
        verbose_name = _("案件当事人")
        verbose_name_plural = _("案件当事人")
        constraints = [
            models.UniqueConstraint(fields=["case", "party", "role"], name="caseparty_unique")
        ]
        indexes = [models.Index(fields=["party", "role"])]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}:{self.party_id}"


class Invoice(models.Model):
    """One obligation of the debtor to the creditor (an invoice, a loan, a progress payment)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invoices")
    creditor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("发票号/单据号"), max_length=64)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    outstanding = models.DecimalField(_("未收金额"), max_digits=14, decimal_places=2)
    issue_date = models.DateField(_("开票日期"), null=True, blank=True)
    due_date = models.DateField(_("到期日"), null=True, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发票/债项")
        verbose_name_plural = _("发票/债项")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "number"], name="invoice_unique_per_creditor"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(outstanding__gte=0) & Q(outstanding__lte=models.F("amount")),
                name="invoice_outstanding_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(issue_date__isnull=True)
                | Q(due_date__gte=models.F("issue_date")),
                name="invoice_due_not_before_issue",
            ),
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return self.number


class TimelineEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(_("事件"), max_length=32)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = _("案件时间线")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class HotlineCall(models.Model):
    """The first call on the service hotline, recorded by an intake agent."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    caller_name = models.CharField(_("来电人"), max_length=100)
    callback_phone_enc = models.TextField(blank=True)
    callback_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    callback_phone_masked = models.CharField(_("回拨电话（掩码）"), max_length=20, blank=True)
    summary = models.TextField(_("通话摘要"))
    consent_to_record = models.BooleanField(_("同意录音"))
    received_at = models.DateTimeField(_("来电时间"))
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="hotline_call"
    )

    class Meta:
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.caller_name}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("校验中")
    WRITING = "writing", _("写入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("有错误，未导入")
    MAPPING = "mapping", _("待对应列")  # h19d: the file has columns to map or ignore


class ImportJob(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    creditor = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=255)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default="pending")
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    cases_created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    #: The file's header row and the user's mapping (header → field, "" to ignore).
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status in ("done", "failed") else 0
        return min(100, int(self.rows_done * 100 / self.rows_total))


ZERO = Decimal("0.00")


class ReferenceCounter(models.Model):
    """Per-organisation, per-year counter behind case references such as ``SZQQ-2026-000123``."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="refcounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.value}"
