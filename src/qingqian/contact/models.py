"""The contact gate's data: versioned policies, every attempt (allowed or denied), holds.

The rules live in the pure kernel (``contact.policy``); these rows are what the gate reads
(the person's history and holds) and writes (its decision). Phone numbers and addresses are
never stored in clear: an attempt keeps the HMAC look-up hash (to count per number) and a
masked form (to show).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingqian.contact.policy import Policy


class ContactPolicy(models.Model):
    """One version of a named policy, stored as the kernel's JSON. Rows are never edited:
    a change is a new version; the highest version of a name is the one in force.

    A policy belongs to an organisation (its compliance officer revises it) or, with no
    organisation, to the platform: the presets, which are the legal floor. An organisation
    with no version of its own of a name is governed by the platform's; its own versions may
    tighten the floor, never loosen it (``contact.policy.loosened``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属机构"),
    )
    name = models.CharField(_("政策名称"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(_("政策内容"))
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系政策")
        verbose_name_plural = _("联系政策")
        ordering = ("name", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "name", "version"),
                name="contact_policy_org_version_once",
            ),
            models.UniqueConstraint(
                fields=("name", "version"),
                condition=models.Q(organisation__isnull=True),
                name="contact_policy_platform_version_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def policy(self) -> Policy:
        return Policy.from_dict(self.data)


class Purpose(models.TextChoices):
    COLLECTION = "collection", _("催收")
    LEGAL_NOTICE = "legal_notice", _("法律文书送达")


class Disposition(models.TextChoices):
    """What a collector records after a call: the industry's standard result codes. The gate's
    ``outcome`` says whether the line connected; the disposition says what came of it, and the
    right-party contact rate, promises and callbacks are counted from it."""

    RIGHT_PARTY = "rpc", _("本人接听")
    THIRD_PARTY = "third_party", _("他人接听")
    WRONG_NUMBER = "wrong_number", _("号码错误")
    NO_ANSWER = "no_answer", _("无人接听")
    REFUSED = "refused", _("拒绝沟通")
    PROMISE = "promise", _("承诺还款")
    DISPUTE = "dispute", _("提出异议")
    CALLBACK = "callback", _("约定回电")


#: Each channel's name (zh, en), for pages and timeline notes.
CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    "voice": ("人工电话", "Call by a person"),
    "robot": ("机器人外呼", "Robot call"),
    "sms": ("短信", "SMS"),
    "email": ("电子邮件", "E-mail"),
    "letter": ("信函", "Letter"),
    "visit": ("外访", "Field visit"),
}


class ContactAttempt(models.Model):
    """One decision of the gate. Denied attempts are kept (the compliance view reads them)
    but never counted as contact; allowed ones are the person's contact history."""

    # Every index is paid for on each decision's INSERT: only those a reader uses are kept
    # (the organisation's, the party's and the number's look-ups are the composite indexes).
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, db_index=False
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contacts")
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="contact_attempts", db_index=False
    )
    party_role = models.CharField(_("身份"), max_length=12)
    channel = models.CharField(_("渠道"), max_length=10)
    purpose = models.CharField(
        _("目的"), max_length=16, choices=Purpose.choices, default=Purpose.COLLECTION
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(_("时间"))
    allowed = models.BooleanField(_("允许"))
    rule = models.CharField(_("决定规则"), max_length=64)
    reasons = models.JSONField(_("理由"), default=list)
    policy = models.ForeignKey(
        ContactPolicy, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    policy_version = models.CharField(_("政策版本"), max_length=80)
    number_hash = models.CharField(max_length=64, blank=True)
    number_masked = models.CharField(_("号码（掩码）"), max_length=40, blank=True)
    outcome = models.CharField(_("结果"), max_length=12, blank=True)
    outcome_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    disposition = models.CharField(
        _("通话结果"), max_length=16, choices=Disposition.choices, blank=True, db_default=""
    )
    callback_at = models.DateTimeField(_("约定回电时间"), null=True, blank=True)
    # Set once a channel has used this allowed decision; it cannot be used twice.
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_ref = models.CharField(_("服务商编号"), max_length=100, blank=True)
    # The message template (script) the decision was given for; a third-party contact is
    # allowed only with a non-disclosing script, and ``channels.deliver`` sends only it.
    script = models.CharField(_("话术模板"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("联系尝试")
        verbose_name_plural = _("联系尝试")
        indexes = [
            models.Index(fields=("party", "allowed", "at"), name="contact_attempt_party_at"),
            models.Index(fields=("number_hash",), name="contact_attempt_number"),
            models.Index(fields=("organisation", "allowed", "at"), name="contact_attempt_org_at"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.party_id} {self.at:%Y-%m-%d %H:%M} {self.rule}"

    @property
    def reason_codes(self) -> list[str]:
        return [r["code"] for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "attempt_id": self.pk,
            "reasons": [{"code": r["code"], "message": r["message"]} for r in self.reasons],
            "policy_version": self.policy_version,
            "rule": self.rule,
        }


class HoldKind(models.TextChoices):
    CEASE = "cease", _("停止联系请求")
    DISPUTE = "dispute", _("争议")
    COMPLAINT = "complaint", _("投诉")
    VULNERABILITY = "vulnerability", _("困境/脆弱")
    REPRESENTATION = "representation", _("律师代理")
    REFUSED_MEDIUM = "refused_medium", _("拒绝某种联系方式")


class ContactHold(models.Model):
    """A hold that stops contact with a person (``party``) or everyone on a case."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contact_holds")
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_holds",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=HoldKind.choices)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(_("设置时间"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lift_reason = models.TextField(_("解除原因"), blank=True)

    class Meta:
        verbose_name = _("联系暂停")
        verbose_name_plural = _("联系暂停")
        indexes = [models.Index(fields=("party", "lifted_at"), name="contact_hold_party_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.party_id or self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class ContactUnreachable(models.Model):
    """A debtor on a case flagged unreachable by a person (numbers dead, address gone).

    Only while every debtor of a case is flagged, and none has been reached since the flag,
    may a third party be asked (with a non-disclosing script) how to reach them. A flag is
    cleared by a person with a reason; reaching the debtor ends it by itself."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey("parties.Party", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("原因"))
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    flagged_at = models.DateTimeField(_("标记时间"))
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    clear_reason = models.TextField(_("解除原因"), blank=True)

    class Meta:
        verbose_name = _("债务人失联标记")
        verbose_name_plural = _("债务人失联标记")
        constraints = [
            models.UniqueConstraint(
                fields=("case", "party"),
                condition=models.Q(cleared_at__isnull=True),
                name="contact_unreachable_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"unreachable {self.party_id}@{self.case_id}"


class ContactLock(models.Model):
    """One row per person (``party:<id>``) and per number (``number:<hash>``) that the gate
    locks (``SELECT … FOR UPDATE``) while it reads the history and records a decision, so
    concurrent workers asking about the same person are serialised."""

    key = models.CharField(max_length=80, primary_key=True)

    class Meta:
        verbose_name = _("联系锁")
        verbose_name_plural = _("联系锁")

    def __str__(self) -> str:
        return self.key


class ContactCallEvent(models.Model):
    """An event the voice-robot provider posted to the signed webhook (replays refused)."""

    attempt = models.ForeignKey(ContactAttempt, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=100)
    kind = models.CharField(_("事件"), max_length=20)
    payload = models.JSONField(default=dict)
    sent_at = models.DateTimeField(_("服务商时间"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通话事件")
        verbose_name_plural = _("通话事件")
        constraints = [
            models.UniqueConstraint(fields=("attempt", "event_id"), name="contact_call_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.event_id}"


class TransactionalMessage(models.Model):
    """A non-collection message (a one-time code to a creditor user): not gated, audited."""

    channel = models.CharField(_("渠道"), max_length=10)
    to_hash = models.CharField(max_length=64)
    to_masked = models.CharField(_("收件人（掩码）"), max_length=60)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事务性消息")
        verbose_name_plural = _("事务性消息")

    def __str__(self) -> str:
        return f"{self.channel} {self.to_masked}"


class FollowUpKind(models.TextChoices):
    HANDOFF = "handoff", _("转人工：对方情绪激动")
    DISTRESS = "distress", _("困境复核：已停止自动联系")
    DISPUTE = "dispute", _("争议核实")
    PROMISE = "promise", _("还款承诺待确认")


class ContactFollowUp(models.Model):
    """Work for a person that transcript analysis found: a call to take over from the robot,
    a distress signal for compliance to review, a dispute to check, a promise to confirm.
    Holds it implies are placed at once; the follow-up is the human's part."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="followups")
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        ContactCallEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=12)  # robot / notes / chat
    kind = models.CharField(_("类型"), max_length=12, choices=FollowUpKind.choices)
    labels = models.JSONField(_("识别结果"), default=list)
    rule_hits = models.JSONField(_("命中规则"), default=list)
    promise = models.JSONField(_("承诺"), null=True, blank=True)
    assigned_role = models.CharField(_("处理角色"), max_length=16)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    done_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("人工跟进")
        verbose_name_plural = _("人工跟进")
        indexes = [
            models.Index(fields=("organisation", "done_at", "kind"), name="contact_followup_open")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"
