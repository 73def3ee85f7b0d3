"""Evidence items on a case, their versions, and content-addressed stored files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceType(models.TextChoices):
    IOU = "iou", _("借条")
    LOAN_CONTRACT = "loan_contract", _("借款合同")
    SALES_CONTRACT = "sales_contract", _("买卖合同")
    SUPPLY_CONTRACT = "supply_contract", _("购销合同")
    CONSTRUCTION_CONTRACT = "construction_contract", _("建设工程施工合同")  # h19d
    PURCHASE_ORDER = "purchase_order", _("订单/采购单")  # h19d
    TRANSFER_RECORD = "transfer_record", _("转账记录")
    CALL_RECORDING = "call_recording", _("通话录音")
    CHAT_RECORD = "chat_record", _("聊天记录")
    DELIVERY_NOTE = "delivery_note", _("送货单")
    INVOICE = "invoice", _("发票")
    RECONCILIATION = "reconciliation", _("对账单")
    IDENTITY_DOCUMENT = "identity_document", _("身份证件")
    OTHER = "other", _("其他")


class VersionKind(models.TextChoices):
    ORIGINAL = "original", _("原件")
    REDACTION = "redaction", _("脱敏版本")
    CONVERSION = "conversion", _("格式转换")


class StoredFile(models.Model):
    """One blob, stored once under a path derived from its SHA-256, kept bit-exact."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    storage_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("存储文件")
        verbose_name_plural = _("存储文件")

    def __str__(self) -> str:
        return self.sha256


class EvidenceItem(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence")
    evidence_type = models.CharField(_("证据类型"), max_length=24, choices=EvidenceType.choices)
    title = models.CharField(_("名称"), max_length=200, blank=True)
    collected_by = models.CharField(_("收集人"), max_length=200)
    collected_at = models.DateTimeField(_("收集时间"))
    capture_method = models.CharField(_("收集方式/设备"), max_length=300)
    original_location = models.CharField(_("原件存放处"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_evidence_type_display()} {self.title}".strip()


class EvidenceVersion(models.Model):
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=VersionKind.choices)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="versions")
    filename = models.CharField(max_length=255)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="derived"
    )
    reason = models.CharField(max_length=300, blank=True)
    log_entry = models.ForeignKey(
        "ledger.LogEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证据版本")
        verbose_name_plural = _("证据版本")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="evidence_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"


class DocumentKind(models.TextChoices):
    FEE_AGREEMENT = "fee_agreement", _("委托/风险代理协议")
    PLAN_TERMS = "plan_terms", _("还款计划条款")
    NOTICE = "notice", _("通知书")
    MEDIATION_AGREEMENT = "mediation_agreement", _("调解协议")
    COURT_DOCUMENT = "court_document", _("诉讼文书")


class SignedDocument(models.Model):
    """A document signed on the platform, logged as its own entry by content hash
    (``evidence.services.document_register``) and shipped in evidence packages."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("文书类型"), max_length=24, choices=DocumentKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="documents")
    signed_at = models.DateTimeField(_("签署时间"))
    log_entry = models.ForeignKey(
        "ledger.LogEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已签署文书")
        verbose_name_plural = _("已签署文书")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"
