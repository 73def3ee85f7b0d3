"""The mediation roster, the debtor's place and speech, and mediation as work: sessions,
proposals, the agreement and its judicial confirmation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingqian.mediation.geo import DIALECT_LABELS

DIALECT_CHOICES = [(d.value, zh) for d, (zh, _en) in DIALECT_LABELS.items()]


class MediatorKind(models.TextChoices):
    STAFF = "staff", _("本机构调解员")
    COMMUNITY = "community", _("乡贤调解员（外聘）")


class Mediator(models.Model):
    """A mediator on the organisation's roster. A community mediator (乡贤: a retired
    teacher, a village cadre, a respected entrepreneur) is not an employee: their account,
    if any, has the ``community_mediator`` role and sees only the cases they mediate, and
    they mediate only once their consent and confidentiality undertaking are recorded."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="mediators"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediator_profile",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=MediatorKind.choices)
    name = models.CharField(_("姓名"), max_length=100)
    title = models.CharField(_("身份"), max_length=100, blank=True)
    # ["昆山市/周市镇", "昆山市"]; codes from qingqian.mediation.geo
    localities = models.JSONField(_("熟悉的地方"), default=list)
    # [{"dialect": "kunshan", "level": "native"}]
    dialects = models.JSONField(_("方言"), default=list)
    specialities = models.JSONField(_("擅长"), default=list)
    capacity = models.PositiveIntegerField(_("同时调解上限（件）"), default=10)
    # Parties (creditors, debtors) the mediator may not mediate for: kin, clients, employers.
    conflicts = models.ManyToManyField("parties.Party", blank=True, related_name="+")
    consent_at = models.DateTimeField(_("同意担任调解员时间"), null=True, blank=True)
    confidentiality_at = models.DateTimeField(_("签署保密承诺时间"), null=True, blank=True)
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name", "pk"]
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")

    def __str__(self) -> str:
        return self.name

    @property
    def eligible(self) -> bool:
        if not self.active:
            return False
        if self.kind == MediatorKind.COMMUNITY:
            return self.consent_at is not None and self.confidentiality_at is not None
        return True


class SpeechProfile(models.Model):
    """A collector's (or any staff member's) places and dialects, for dialect-matched
    assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="speech_profile"
    )
    localities = models.JSONField(_("熟悉的地方"), default=list)
    dialects = models.JSONField(_("方言"), default=list)

    class Meta:
        verbose_name = _("语言与地域")
        verbose_name_plural = _("语言与地域")

    def __str__(self) -> str:
        return f"{self.user_id}"


class DebtorProfile(models.Model):
    """Where a debtor lives (from their registered address) and how they prefer to talk."""

    party = models.OneToOneField(
        "parties.Party", on_delete=models.CASCADE, related_name="mediation_profile"
    )
    locality = models.CharField(_("所在地"), max_length=60, blank=True)
    dialect = models.CharField(_("偏好语言"), max_length=12, choices=DIALECT_CHOICES, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("债务人地域与语言")
        verbose_name_plural = _("债务人地域与语言")

    def __str__(self) -> str:
        return f"{self.party_id} {self.locality}"


class MediationState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    ASSIGNED = "assigned", _("已指定调解员")
    AGREED = "agreed", _("达成调解协议")
    FAILED = "failed", _("调解不成")


OPEN_STATES = (MediationState.REQUESTED, MediationState.ASSIGNED)


class Mediation(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="mediations")
    mediator = models.ForeignKey(
        Mediator, on_delete=models.PROTECT, null=True, blank=True, related_name="mediations"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=MediationState.choices, default=MediationState.REQUESTED
    )
    requested_at = models.DateTimeField(_("申请调解时间"))
    assigned_at = models.DateTimeField(null=True, blank=True)
    match_score = models.PositiveSmallIntegerField(null=True, blank=True)
    match_reasons = models.JSONField(default=list, blank=True)
    dialect_matched = models.BooleanField(_("方言匹配"), default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(_("调解不成的原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["requested", "assigned"]),
                name="mediation_one_open_per_case",
            )
        ]
        verbose_name = _("调解")
        verbose_name_plural = _("调解")

    def __str__(self) -> str:
        return f"mediation {self.pk} ({self.case_id})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("现场调解")
    VIDEO = "video", _("视频调解")


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(_("方式"), max_length=10, choices=SessionMode.choices)
    at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    participants = models.CharField(_("参加人"), max_length=300)
    minutes = models.TextField(_("调解笔录"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.place}"


class ProposalSide(models.TextChoices):
    CREDITOR = "creditor", _("债权人")
    DEBTOR = "debtor", _("债务人")
    MEDIATOR = "mediator", _("调解员")


class ProposalState(models.TextChoices):
    OPEN = "open", _("待回应")
    COUNTERED = "countered", _("已还价")
    ACCEPTED = "accepted", _("双方接受")
    REJECTED = "rejected", _("被拒绝")


class Proposal(models.Model):
    """A proposal or counter-proposal: pay ``amount`` at once (``months`` = 0) or in
    ``months`` monthly installments from ``start`` on ``day``. Linked to the negotiation
    module's settlement offer or plan version when one stands behind it."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="proposals")
    side = models.CharField(_("提出方"), max_length=10, choices=ProposalSide.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("分期月数"), default=0)
    start = models.CharField(_("首期月份"), max_length=7, blank=True)
    day = models.PositiveSmallIntegerField(_("每月还款日"), default=15)
    pay_by = models.DateField(_("一次付清期限"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    counter_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="counters"
    )
    offer = models.ForeignKey(
        "negotiation.SettlementOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    plan_version = models.ForeignKey(
        "negotiation.PlanVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="proposal_amount_positive")
        ]
        verbose_name = _("调解方案")
        verbose_name_plural = _("调解方案")

    def __str__(self) -> str:
        return f"{self.side} {self.amount}"


class AgreementState(models.TextChoices):
    SIGNING = "signing", _("待签署")
    SIGNED = "signed", _("已签署生效")


class MediationAgreement(models.Model):
    """调解协议书: terms fixed as canonical JSON with their SHA-256 when drafted; signed by
    the creditor and the debtor (typed name + one-time code each) and the mediator; in effect
    once all three have signed."""

    mediation = models.OneToOneField(Mediation, on_delete=models.PROTECT, related_name="agreement")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    terms = models.JSONField()
    terms_sha256 = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=AgreementState.choices, default=AgreementState.SIGNING
    )
    creditor_name = models.CharField(max_length=100, blank=True)
    creditor_signed_at = models.DateTimeField(null=True, blank=True)
    debtor_name = models.CharField(max_length=100, blank=True)
    debtor_signed_at = models.DateTimeField(null=True, blank=True)
    mediator_name = models.CharField(max_length=100, blank=True)
    mediator_signed_at = models.DateTimeField(null=True, blank=True)
    effective_on = models.DateField(_("生效日"), null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    plan_version = models.ForeignKey(
        "negotiation.PlanVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解协议书")
        verbose_name_plural = _("调解协议书")

    def __str__(self) -> str:
        return f"调解协议书 {self.mediation_id}"


class ConfirmationState(models.TextChoices):
    FILED = "filed", _("已申请")
    CONFIRMED = "confirmed", _("裁定确认有效")
    REJECTED = "rejected", _("裁定驳回申请")


class ConfirmationApplication(models.Model):
    """司法确认申请书: filed jointly within 30 days of the agreement taking effect; the
    court's ruling is tracked as a litigation proceeding of kind ``judicial_confirmation``."""

    agreement = models.OneToOneField(
        MediationAgreement, on_delete=models.PROTECT, related_name="confirmation"
    )
    court = models.CharField(_("法院"), max_length=100)
    filed_on = models.DateField(_("申请日"))
    due_by = models.DateField(_("申请期限"))
    rule = models.CharField(_("依据"), max_length=200)
    state = models.CharField(
        max_length=10, choices=ConfirmationState.choices, default=ConfirmationState.FILED
    )
    ruling_on = models.DateField(_("裁定日"), null=True, blank=True)
    ruling_number = models.CharField(_("裁定书案号"), max_length=40, blank=True)
    proceeding = models.OneToOneField(
        "litigation.Proceeding", on_delete=models.PROTECT, related_name="confirmation"
    )
    text_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("司法确认申请")
        verbose_name_plural = _("司法确认申请")

    def __str__(self) -> str:
        return f"司法确认 {self.court}"


class OrganisationLicence(models.Model):
    """The organisation's licence as a commercial mediation organisation (《商事调解条例》).
    ``verified`` stays false until someone has checked the details against the issuing
    authority; the page shows it as to-verify."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="mediation_licence"
    )
    number = models.CharField(_("登记/许可编号"), max_length=60)
    authority = models.CharField(_("登记机关"), max_length=100)
    issued_on = models.DateField(_("登记日期"))
    scope = models.CharField(_("业务范围"), max_length=300)
    basis = models.CharField(_("依据"), max_length=200)
    verified = models.BooleanField(_("已核实"), default=False)
    checked_on = models.DateField(_("核对日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("商事调解组织登记")
        verbose_name_plural = _("商事调解组织登记")

    def __str__(self) -> str:
        return self.number


class FeeBasis(models.TextChoices):
    FIXED = "fixed", _("按件固定收费")
    PERCENT = "percent", _("按标的额比例")


class MediationFee(models.Model):
    """A published mediation fee (fair, reasonable and disclosed: 《商事调解条例》)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="mediation_fees"
    )
    name = models.CharField(_("项目"), max_length=100)
    name_en = models.CharField(max_length=100)
    basis = models.CharField(_("计费方式"), max_length=10, choices=FeeBasis.choices)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(
        _("比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    minimum = models.DecimalField(
        _("最低收费"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    payer = models.CharField(_("承担方"), max_length=100)
    payer_en = models.CharField(max_length=100)
    effective_from = models.DateField(_("施行日期"))

    class Meta:
        ordering = ["organisation", "pk"]
        verbose_name = _("调解收费")
        verbose_name_plural = _("调解收费")

    def __str__(self) -> str:
        return self.name
