"""The consortium as one member sees it: the adopted member lists, the members, every
message in or out, the questions this firm asked and the answers it received, and the
answers it gave (which it may withdraw). No row holds another member's list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberListVersion(models.Model):
    """A member list this instance adopted: the convener's signed note, as received."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    convener = models.CharField(_("召集方"), max_length=200)
    note = models.TextField(_("签名名单"))
    digest = models.CharField(max_length=64)
    adopted_at = models.DateTimeField(_("采用时间"))
    log_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("成员名单")
        verbose_name_plural = _("成员名单")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class Member(models.Model):
    """A member of the adopted list (this instance included, ``is_self``)."""

    name = models.CharField(_("成员名称"), max_length=200, unique=True)
    url = models.CharField(_("地址"), max_length=300)
    key = models.CharField(_("验证公钥"), max_length=300)
    is_self = models.BooleanField(default=False)
    active = models.BooleanField(_("在册"), default=True)
    since_version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("共享成员")
        verbose_name_plural = _("共享成员")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    OUT = "out", _("发出")
    IN = "in", _("收到")


class WireMessage(models.Model):
    """Every signed message sent or received (its digest, never its body)."""

    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("类型"), max_length=40)
    nonce = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=200)
    at = models.DateTimeField(_("时间"), db_index=True)
    log_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("共享消息")
        verbose_name_plural = _("共享消息")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "member", "nonce"], name="consortium_nonce_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.member_id}"


class Query(models.Model):
    """One question this firm asked the consortium about one case's company debtor."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    asked_at = models.DateTimeField(_("查询时间"))

    class Meta:
        verbose_name = _("同业查询")
        verbose_name_plural = _("同业查询")
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return f"query {self.pk}"


class AnswerStatus(models.TextChoices):
    HELD = "held", _("在该成员处违约")
    NOT_HELD = "not_held", _("在该成员处无记录")
    FAILED = "failed", _("未能回答")


class Answer(models.Model):
    """What one member answered to one query (received)."""

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("结果"), max_length=10, choices=AnswerStatus.choices)
    remote_id = models.CharField(max_length=40, blank=True)  # the member's answer number
    facts = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("同业回答")
        verbose_name_plural = _("同业回答")
        ordering = ["member__name"]
        indexes = [models.Index(fields=["member", "remote_id"])]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.status}"


class GivenAnswer(models.Model):
    """Facts this firm gave another member about one of its debtors (withdrawable)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(default=dict)
    answered_at = models.DateTimeField(_("回答时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    delivered_at = models.DateTimeField(_("撤回送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已提供的回答")
        verbose_name_plural = _("已提供的回答")
        ordering = ["-answered_at", "-id"]

    def __str__(self) -> str:
        return f"given {self.pk}"


class Withdrawal(models.Model):
    """A debtor this firm took out of its shared list (the debt was paid)."""

    party = models.OneToOneField("parties.Party", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("撤回时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)

    class Meta:
        verbose_name = _("撤回")
        verbose_name_plural = _("撤回")

    def __str__(self) -> str:
        return f"withdrawn {self.party_id}"


# --------------------------------------------------------------------------- h23r: netting


class SharedRoundState(models.TextChoices):
    OPEN = "open", _("征集中")
    SUBMITTED = "submitted", _("已提交")
    SOLVED = "solved", _("已计算")
    ACCEPTED = "accepted", _("已接受，待全体接受")
    REJECTED = "rejected", _("已拒绝")
    APPLIED = "applied", _("全体接受，已执行抵销")
    CANCELLED = "cancelled", _("有成员拒绝，已取消")


class SharedRound(models.Model):
    """A consortium netting round as this member sees it: the convener's copy (every seat,
    every line) or a participant's (its own firm's consent and lines only)."""

    round_id = models.CharField(_("轮次编号"), max_length=32)
    convener = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    is_convener = models.BooleanField(default=False)
    title = models.CharField(_("名称"), max_length=200)
    participants = models.JSONField(default=list)  # member names, as invited
    state = models.CharField(
        _("状态"), max_length=10, choices=SharedRoundState.choices, default=SharedRoundState.OPEN
    )
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # a participant's firm: the creditor that consented, and when it submitted
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    creditor = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consented_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # the signed result (both sides)
    input_root = models.CharField(max_length=64, blank=True)
    result_root = models.CharField(max_length=64, blank=True)
    result_digest = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    cleared = models.DecimalField(_("抵销金额"), max_digits=16, decimal_places=2, default=0)
    solved_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reject_reason = models.CharField(_("拒绝原因"), max_length=500, blank=True)
    decision_delivered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("同业清欠轮次")
        verbose_name_plural = _("同业清欠轮次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["convener", "round_id"], name="consortium_round_once")
        ]

    def __str__(self) -> str:
        return self.title


class Seat(models.Model):
    """The convener's record of one participating member."""

    round = models.ForeignKey(SharedRound, on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    lines_digest = models.CharField(max_length=64, blank=True)
    result_sent_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, blank=True)  # accepted / rejected
    decided_at = models.DateTimeField(null=True, blank=True)
    final_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="consortium_seat_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.member_id}"


class SharedLine(models.Model):
    """One submitted obligation (the convener holds all; a participant its own only)."""

    round = models.ForeignKey(SharedRound, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    line_id = models.CharField(max_length=32)
    debtor_code = models.CharField(max_length=18)
    creditor_code = models.CharField(max_length=18)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    due_date = models.DateField(_("到期日"), null=True, blank=True)
    salt = models.CharField(max_length=32)
    leaf = models.CharField(max_length=64)
    invoice = models.ForeignKey(
        "cases.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    setoff = models.DecimalField(
        _("抵销金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    remaining = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    input_proof = models.JSONField(default=list, blank=True)
    result_proof = models.JSONField(default=list, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "member__name", "due_date", "line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "member", "line_id"], name="consortium_line_once"
            )
        ]

    def __str__(self) -> str:
        return self.line_id
