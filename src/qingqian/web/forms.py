from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qingqian.cases.lifecycle import Outcome, State
from qingqian.cases.models import DebtType
from qingqian.parties.models import Party, PartyKind

SUZHOU_DISTRICTS = [
    "姑苏区",
    "虎丘区",
    "吴中区",
    "相城区",
    "吴江区",
    "苏州工业园区",
    "常熟市",
    "张家港市",
    "昆山市",
    "太仓市",
]


class DateInput(forms.DateInput):
    input_type = "date"


class CaseForm(forms.Form):
    creditor = forms.ModelChoiceField(queryset=Party.objects.none(), label=_("债权人"))
    debt_type = forms.ChoiceField(choices=DebtType.choices, label=_("债务类型"))
    debtor_kind = forms.ChoiceField(choices=PartyKind.choices, label=_("债务人类型"))
    debtor_name = forms.CharField(max_length=200, label=_("债务人名称/姓名"))
    debtor_credit_code = forms.CharField(
        max_length=30, required=False, label=_("统一社会信用代码（企业）")
    )
    debtor_id_number = forms.CharField(
        max_length=30, required=False, label=_("身份证号码（自然人）")
    )
    debtor_phone = forms.CharField(max_length=30, required=False, label=_("债务人电话"))
    debtor_city = forms.CharField(max_length=50, required=False, initial="苏州市", label=_("城市"))
    debtor_district = forms.CharField(
        max_length=50,
        required=False,
        label=_("区/县"),
        widget=forms.TextInput(attrs={"list": "districts"}),
    )
    principal = forms.CharField(
        max_length=40, label=_("本金（元）"), help_text=_("可填 12,000.50 或 壹万贰仟元")
    )
    interest_rate = forms.DecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        min_value=0,
        max_value=100,
        label=_("约定年利率（%）"),
    )
    interest_terms = forms.CharField(max_length=300, required=False, label=_("利息约定"))
    contract_date = forms.DateField(required=False, widget=DateInput, label=_("合同日期"))
    funds_transfer_date = forms.DateField(required=False, widget=DateInput, label=_("款项交付日期"))
    due_date = forms.DateField(required=False, widget=DateInput, label=_("到期日"))
    last_payment_date = forms.DateField(required=False, widget=DateInput, label=_("最后还款日"))
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("案情摘要")
    )

    def __init__(self, *args: object, creditors: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if creditors is not None:
            self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]


class HotlineForm(forms.Form):
    caller_name = forms.CharField(max_length=100, label=_("来电人"))
    callback_phone = forms.CharField(max_length=30, label=_("回拨电话"))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("通话摘要"))
    consent_to_record = forms.BooleanField(required=False, label=_("来电人同意通话录音"))


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=[(s.value, s.value) for s in State], label=_("转到"))
    outcome = forms.ChoiceField(
        choices=[("", "—")] + [(o.value, o.value) for o in Outcome],
        required=False,
        label=_("结案结果"),
    )
    note = forms.CharField(max_length=500, required=False, label=_("说明"))


class ImportForm(forms.Form):
    creditor = forms.ModelChoiceField(queryset=Party.objects.none(), label=_("债权人"))
    file = forms.FileField(label=_("台账文件（CSV 或 XLSX）"))
    dry_run = forms.BooleanField(required=False, label=_("只校验，不导入"))

    def __init__(self, *args: object, creditors: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if creditors is not None:
            self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]
