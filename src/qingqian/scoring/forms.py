from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qingqian.scoring.models import DebtorProfile


class DebtorProfileForm(forms.ModelForm[DebtorProfile]):
    class Meta:
        model = DebtorProfile
        fields = [
            "registry_status",
            "judgments",
            "last_judgment_on",
            "dishonest_listed_on",
            "checked_on",
            "source_note",
        ]
        widgets = {
            "last_judgment_on": forms.DateInput(attrs={"type": "date"}),
            "dishonest_listed_on": forms.DateInput(attrs={"type": "date"}),
            "checked_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "registry_status": _("按国家企业信用信息公示系统填写；自然人不适用。"),
            "dishonest_listed_on": _("按中国执行信息公开网填写；未列入则留空。"),
        }


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(label=_("优先处理阈值"), min_value=0, max_value=100)


class ExperimentForm(forms.Form):
    fifo_share = forms.DecimalField(
        label=_("先进先出组比例（0 表示不开展实验）"),
        min_value=0,
        max_value=Decimal("0.9"),
        max_digits=3,
        decimal_places=2,
    )
    salt = forms.CharField(label=_("分组盐值"), max_length=40, required=False)
    started_on = forms.DateField(label=_("实验开始日期"), required=False)
