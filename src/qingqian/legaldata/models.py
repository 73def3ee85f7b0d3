"""Dated tables an administrator extends without a code change.

The calculators ship packaged tables (chinesecalendar's published years, the LPR quotes and
Jiangsu small-claims limits known at release); rows here are added on top: next year's
holiday notice, this month's LPR quote, a new small-claims limit.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HolidayDay(models.Model):
    day = models.DateField(_("日期"), unique=True)
    workday = models.BooleanField(
        _("调休上班日"), default=False, help_text=_("勾选：周末调休上班；不勾选：法定节假日休息。")
    )
    name = models.CharField(_("名称"), max_length=50, blank=True)
    source = models.CharField(_("依据（国务院办公厅通知）"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class LprQuoteRow(models.Model):
    day = models.DateField(_("报价日"), unique=True)
    one_year = models.DecimalField(_("1年期 LPR（%）"), max_digits=5, decimal_places=2)
    five_year = models.DecimalField(
        _("5年期以上 LPR（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("来源等级"), max_length=1, default="A")
    source = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("LPR 报价")
        verbose_name_plural = _("LPR 报价")
        ordering = ["-day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(one_year__gt=0) & Q(one_year__lt=20), name="lpr_one_year_plausible"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.one_year}%"


class SmallClaimsLimitRow(models.Model):
    province = models.CharField(_("省份"), max_length=20, default="jiangsu")
    valid_from = models.DateField(_("起用日"))
    limit = models.DecimalField(_("小额诉讼标的上限（元）"), max_digits=12, decimal_places=2)
    agreed_ceiling = models.DecimalField(
        _("当事人约定适用上限（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    wage_year = models.PositiveIntegerField(_("平均工资年度"), null=True, blank=True)
    average_wage = models.DecimalField(
        _("上年度就业人员年平均工资（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("小额诉讼标的额")
        verbose_name_plural = _("小额诉讼标的额")
        ordering = ["province", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["province", "valid_from"], name="smallclaims_unique")
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.valid_from} {self.limit}"
