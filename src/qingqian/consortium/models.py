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
