"""Stored scores, the model registry, public-record debtor profiles and queue settings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingqian.scoring.features import REGISTRY_STATUSES


class RegistryStatus(models.TextChoices):
    ACTIVE = "active", _("存续/在业")
    ABNORMAL = "abnormal", _("经营异常")
    DEREGISTERED = "deregistered", _("注销/吊销")
    UNKNOWN = "unknown", _("未查询")


assert set(RegistryStatus.values) <= set(REGISTRY_STATUSES)


class DebtorProfile(models.Model):
    """What staff read about a debtor from public records (企业信用信息公示系统, 裁判文书网,
    中国执行信息公开网). Nothing here is inferred; each field is entered by a person."""

    party = models.OneToOneField(
        "parties.Party", on_delete=models.CASCADE, related_name="scoring_profile"
    )
    registry_status = models.CharField(
        _("企业登记状态"),
        max_length=20,
        choices=RegistryStatus.choices,
        default=RegistryStatus.UNKNOWN,
    )
    judgments = models.PositiveSmallIntegerField(_("生效判决数"), default=0)
    last_judgment_on = models.DateField(_("最近判决日期"), null=True, blank=True)
    dishonest_listed_on = models.DateField(_("列入失信被执行人日期"), null=True, blank=True)
    checked_on = models.DateField(_("查询日期"))
    source_note = models.CharField(_("来源说明"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("债务人公开信息")
        verbose_name_plural = _("债务人公开信息")

    def __str__(self) -> str:
        return f"{self.party_id} {self.registry_status}"


class ModelKind(models.TextChoices):
    EXPERT = "expert", _("专家评分卡")
    WOE_LR = "woe_lr", _("WOE 逻辑回归评分卡")
    LGBM = "lgbm", _("LightGBM 挑战者模型")
    LOGIT = "logit", _("原始特征逻辑回归")


class ScoringModel(models.Model):
    """One registered model version of an organisation, or of the platform (no organisation:
    the expert card every organisation starts with). Each organisation has at most one
    current model (the last it promoted); with none, its queue is ordered by the platform's
    current one (the expert card)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属机构"),
    )
    version = models.CharField(_("版本"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=ModelKind.choices)
    artefact = models.JSONField(_("模型文件"), null=True, blank=True)
    card = models.JSONField(_("模型卡"), default=dict)
    holdout_metrics = models.JSONField(_("留出窗口指标"), default=dict)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("评分模型")
        verbose_name_plural = _("评分模型")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_current=True),
                name="scoring_one_current_per_org",
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True, organisation__isnull=True),
                name="scoring_one_current_platform",
            ),
            models.UniqueConstraint(
                fields=["organisation", "version"], name="scoring_org_version_once"
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(organisation__isnull=True),
                name="scoring_platform_version_once",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class CaseScore(models.Model):
    """One score of one case. History is kept; ``is_latest`` marks the row queues read."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(_("评分"))
    reasons = models.JSONField(_("主要原因"), default=list)
    model_version = models.CharField(_("模型版本"), max_length=80)
    feature_digest = models.CharField(max_length=64)
    features_at = models.DateField()
    scored_at = models.DateTimeField(_("评分时间"))
    is_latest = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("案件评分")
        verbose_name_plural = _("案件评分")
        ordering = ["-scored_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="case_score_0_100"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_latest=True), name="case_score_one_latest"
            ),
        ]
        indexes = [models.Index(fields=["case", "-scored_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score}"


class ScoringSettings(models.Model):
    """Per-organisation work-queue settings."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="scoring_settings"
    )
    threshold = models.PositiveSmallIntegerField(_("优先处理阈值"), default=60)
    target_days = models.PositiveSmallIntegerField(_("训练目标天数"), default=90)
    #: the controlled experiment (docs/scoring.md): the share of each handler's queue ordered
    #: first-in-first-out (0 = no experiment), the salt of the stable assignment, its start
    experiment_fifo_share = models.DecimalField(
        _("对照组（先进先出）比例"), max_digits=3, decimal_places=2, default=Decimal("0")
    )
    experiment_salt = models.CharField(_("分组盐值"), max_length=40, blank=True)
    experiment_started_on = models.DateField(_("实验开始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分设置")
        verbose_name_plural = _("评分设置")
        constraints = [
            models.CheckConstraint(condition=Q(threshold__lte=100), name="scoring_threshold_0_100")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.threshold}"


class ModelMonitor(models.Model):
    """One day's monitoring of a learned model: PSI of the score and of each feature between
    its training window and that day's open cases, calibration on the outcomes that have
    arrived, and the alerts raised (``scoring.monitoring``)."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="monitors")
    on = models.DateField(_("监控日期"))
    report = models.JSONField(_("监控报告"), default=dict)
    alerts = models.JSONField(_("预警"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("模型监控")
        verbose_name_plural = _("模型监控")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "on"], name="scoring_monitor_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.on}"
