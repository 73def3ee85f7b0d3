"""Court proceedings on a case, their hearings and deadlines, asset clues, recorded
limitation interruptions and the litigation documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind
from qingqian.litigation.rules import PROCEEDING_LABELS

KIND_CHOICES = [(k.value, label) for k, (label, _en) in PROCEEDING_LABELS.items()]
DEADLINE_CHOICES = [(k.value, PERIODS[k].label_zh) for k in DeadlineKind]


class Outcome(models.TextChoices):
    PENDING = "pending", _("审理/办理中")
    WON = "won", _("胜诉")
    PARTLY_WON = "partly_won", _("部分胜诉")
    LOST = "lost", _("败诉")
    MEDIATED = "mediated", _("调解结案")
    WITHDRAWN = "withdrawn", _("撤诉/撤回")
    ORDER_EFFECTIVE = "order_effective", _("支付令生效")
    OBJECTION_FILED = "objection_filed", _("债务人提出异议")
    PRESERVED = "preserved", _("已采取保全措施")
    PERFORMED = "performed", _("执行完毕")
    TERMINATED = "terminated", _("终结本次执行")
    # h18: the ruling on an application for judicial confirmation
    CONFIRMED = "confirmed", _("裁定调解协议有效")
    NOT_CONFIRMED = "not_confirmed", _("裁定驳回确认申请")


class Proceeding(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="proceedings")
    kind = models.CharField(_("程序"), max_length=32, choices=KIND_CHOICES)
    court = models.CharField(_("法院"), max_length=100)
    case_number = models.CharField(_("法院案号"), max_length=40, blank=True)
    judge = models.CharField(_("承办法官/书记员"), max_length=100, blank=True)
    court_contact = models.CharField(_("法院联系电话"), max_length=40, blank=True)
    filed_on = models.DateField(_("立案申请日"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日"), null=True, blank=True)
    served_on = models.DateField(_("送达日"), null=True, blank=True)
    measure_on = models.DateField(_("保全措施日"), null=True, blank=True)
    judgment_on = models.DateField(_("判决/裁定日"), null=True, blank=True)
    is_ruling = models.BooleanField(_("裁定（非判决）"), default=False)
    judgment_served_on = models.DateField(_("判决/裁定送达日"), null=True, blank=True)
    effective_on = models.DateField(_("生效日"), null=True, blank=True)
    pay_by = models.DateField(_("履行期限最后一日"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    awarded_principal = models.DecimalField(
        _("判决本金"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    awarded_interest = models.DecimalField(
        _("判决利息"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    awarded_costs = models.DecimalField(
        _("判决费用"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    awarded_fees = models.DecimalField(
        _("诉讼费负担"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # enforcement
    terminated_on = models.DateField(_("终结本次执行日"), null=True, blank=True)
    reopened_on = models.DateField(_("恢复执行日"), null=True, blank=True)
    debtor_dishonest = models.BooleanField(_("失信被执行人"), default=False)
    debtor_restricted = models.BooleanField(_("限制高消费"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "created_at", "pk"]
        verbose_name = _("诉讼程序")
        verbose_name_plural = _("诉讼程序")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number or self.court}"


class Hearing(models.Model):
    proceeding = models.ForeignKey(Proceeding, on_delete=models.CASCADE, related_name="hearings")
    at = models.DateTimeField(_("开庭时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("开庭")
        verbose_name_plural = _("开庭")

    def __str__(self) -> str:
        return f"{self.proceeding} {self.at:%Y-%m-%d %H:%M}"


class CourtDeadline(models.Model):
    """A deadline computed from a proceeding's date by ``calculators.court_deadline``."""

    proceeding = models.ForeignKey(Proceeding, on_delete=models.CASCADE, related_name="deadlines")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("期限"), max_length=32, choices=DEADLINE_CHOICES)
    start = models.DateField(_("起算日"))
    due = models.DateField(_("届满日"), db_index=True)
    rule = models.CharField(_("依据"), max_length=200)
    explanation = models.JSONField(default=list)
    provisional = models.BooleanField(default=False)
    done_on = models.DateField(_("已办理日"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proceeding", "kind"], name="deadline_once_per_kind")
        ]
        verbose_name = _("诉讼期限")
        verbose_name_plural = _("诉讼期限")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due}"


class AssetKind(models.TextChoices):
    BANK_ACCOUNT = "bank_account", _("银行账户")
    REAL_ESTATE = "real_estate", _("不动产")
    VEHICLE = "vehicle", _("车辆")
    RECEIVABLE = "receivable", _("应收账款")
    EQUITY = "equity", _("股权")


class AssetSource(models.TextChoices):
    CREDITOR = "creditor", _("债权人提供")
    COURT_INQUIRY = "court_inquiry", _("法院查询结果")
    PUBLIC_REGISTER = "public_register", _("公开登记信息")


class AssetClue(models.Model):
    """A lead to the debtor's assets from a lawful source. ``summary`` is what a document may
    show (bank and branch, district, make); the identifying detail (account, certificate or
    plate number) is AES-GCM ciphertext with a masked form for display."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="asset_clues")
    kind = models.CharField(_("财产类型"), max_length=20, choices=AssetKind.choices)
    summary = models.CharField(_("概况"), max_length=200)
    detail_enc = models.TextField(blank=True)
    detail_masked = models.CharField(_("号码（掩码）"), max_length=64, blank=True)
    estimated_value = models.DecimalField(
        _("估值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=20, choices=AssetSource.choices)
    source_date = models.DateField(_("来源日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("财产线索")
        verbose_name_plural = _("财产线索")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary}"


class InterruptionKind(models.TextChoices):
    DEMAND = "demand", _("催告送达")
    ACKNOWLEDGEMENT = "acknowledgement", _("债务人承认债务")
    PART_PAYMENT = "part_payment", _("部分履行")
    PROMISE = "promise", _("同意履行/还款承诺")
    FILING = "filing", _("起诉、申请支付令或保全")
    MEDIATION = "mediation", _("请求调解")


class LimitationEvent(models.Model):
    """An interruption recorded by hand (the others come from payments, promises and
    proceedings)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="limitation_events"
    )
    kind = models.CharField(_("中断事由"), max_length=20, choices=InterruptionKind.choices)
    day = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "day", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class CaseLimitation(models.Model):
    """The case's current limitation deadline and the event that set it (kept by
    ``limitation_refresh``; each change is audited)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="limitation")
    deadline = models.DateField(_("诉讼时效届满日"))
    reason_kind = models.CharField(max_length=20, blank=True)
    reason_day = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.deadline)


class DocumentKind(models.TextChoices):
    DEMAND_LETTER = "demand_letter", _("律师函")
    COMPLAINT = "complaint", _("民事起诉状")
    PAYMENT_ORDER_APPLICATION = "payment_order_application", _("支付令申请书")
    PRESERVATION_APPLICATION = "preservation_application", _("财产保全申请书")
    ENFORCEMENT_APPLICATION = "enforcement_application", _("强制执行申请书")
    EVIDENCE_LIST = "evidence_list", _("证据目录")
    SERVICE_ADDRESS = "service_address", _("送达地址确认书")
    POWER_OF_ATTORNEY = "power_of_attorney", _("授权委托书")


class DocumentTemplate(models.Model):
    """An administrator's version of a document's text (Django template syntax); without a
    row the packaged template is used."""

    kind = models.CharField(_("文书"), max_length=32, choices=DocumentKind.choices, unique=True)
    body = models.TextField(_("模板正文"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")

    def __str__(self) -> str:
        return self.get_kind_display()


class LitigationDocument(models.Model):
    """A draft (editable text) or a final document (frozen, its PDF hash in the case log)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="litigation_documents"
    )
    kind = models.CharField(_("文书"), max_length=32, choices=DocumentKind.choices)
    text = models.TextField(_("正文"))
    fields = models.JSONField(default=dict)
    final = models.BooleanField(_("定稿"), default=False)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class CalendarFeed(models.Model):
    """A user's calendar subscription: only the SHA-256 of the URL's token is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="litigation_feed"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed:{self.user_id}"


class LawyerProfile(models.Model):
    """What a lawyer's letter and power of attorney must show: the practice certificate
    number and the firm (the organisation's name unless set)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lawyer_profile"
    )
    practice_number = models.CharField(_("律师执业证号"), max_length=32)
    firm = models.CharField(_("律师事务所"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("律师执业信息")
        verbose_name_plural = _("律师执业信息")

    def __str__(self) -> str:
        return f"{self.user} {self.practice_number}"
