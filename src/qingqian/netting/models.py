"""A netting round among firms: participants, the obligations snapshot, the set-offs.

The rules (who may do what in which state) live in :mod:`qingqian.netting.services`; the
optimisation in the pure :mod:`qingqian.netting.solver`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    INVITING = "inviting", _("邀请确认中")
    CONFIRMED = "confirmed", _("已全部同意")
    SOLVED = "solved", _("已计算")
    ACCEPTED = "accepted", _("已全部接受")
    APPLIED = "applied", _("已执行抵销")
    CANCELLED = "cancelled", _("已取消")


class ParticipantState(models.TextChoices):
    INVITED = "invited", _("已邀请")
    CONFIRMED = "confirmed", _("已确认债务")
    CONSENTED = "consented", _("已同意参加")
    ACCEPTED = "accepted", _("已接受结果")
    DECLINED = "declined", _("已拒绝")


class ObligationSource(models.TextChoices):
    INVOICE = "invoice", _("案件发票")
    UPLOAD = "upload", _("企业上传的应付")


class ObligationStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("未确认")
    CONFIRMED = "confirmed", _("已确认")
    DISPUTED = "disputed", _("有争议")


class NettingRound(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="netting_rounds"
    )
    title = models.CharField(_("名称"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=12, choices=RoundState.choices, default=RoundState.DRAFT
    )
    min_amount = models.DecimalField(
        _("最低金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    exclude_disputed = models.BooleanField(_("排除有争议的债务"), default=True)
    exclude_unconfirmed = models.BooleanField(_("排除未确认的债务"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cleared = models.DecimalField(_("抵销总额"), max_digits=16, decimal_places=2, default=0)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("清欠轮次")
        verbose_name_plural = _("清欠轮次")

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    round = models.ForeignKey(NettingRound, on_delete=models.CASCADE, related_name="participants")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("状态"), max_length=10, choices=ParticipantState.choices,
        default=ParticipantState.INVITED,
    )  # fmt: skip
    cap = models.DecimalField(_("抵销上限"), max_digits=14, decimal_places=2, null=True, blank=True)
    decline_reason = models.CharField(_("拒绝原因"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["party__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "party"], name="netting_participant_once")
        ]

    def __str__(self) -> str:
        return self.party.name

    @property
    def firm_key(self) -> str:
        """The firm's name in the solver: its unified social credit code."""
        return self.party.credit_code


class Obligation(models.Model):
    """One debt in the round, frozen when the invitations go out (or when uploaded)."""

    round = models.ForeignKey(NettingRound, on_delete=models.CASCADE, related_name="obligations")
    debtor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="payables")
    creditor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="receivables")
    source = models.CharField(max_length=8, choices=ObligationSource.choices)
    invoice = models.ForeignKey(
        "cases.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("单据号"), max_length=64)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("到期日"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ObligationStatus.choices,
        default=ObligationStatus.UNCONFIRMED,
    )  # fmt: skip
    debtor_confirmed = models.BooleanField(default=False)
    creditor_confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="netting_obligation_positive"
            ),
            models.UniqueConstraint(
                fields=["round", "invoice"],
                condition=models.Q(invoice__isnull=False),
                name="netting_invoice_once",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def key(self) -> str:
        return str(self.pk)


class Setoff(models.Model):
    round = models.ForeignKey(NettingRound, on_delete=models.CASCADE, related_name="setoffs")
    obligation = models.OneToOneField(Obligation, on_delete=models.CASCADE, related_name="setoff")
    amount = models.DecimalField(_("抵销金额"), max_digits=14, decimal_places=2)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["obligation_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="netting_setoff_positive")
        ]

    def __str__(self) -> str:
        return f"{self.obligation_id}: {self.amount}"
