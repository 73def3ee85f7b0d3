from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from qingqian.common.exceptions import ApplicationError
from qingqian.fees.models import FeeScheduleRow
from qingqian.fees.services import fee_schedule_check


class FeeScheduleRowForm(forms.ModelForm):
    class Meta:
        model = FeeScheduleRow
        fields = (
            "key",
            "name_zh",
            "name_en",
            "organisation_type",
            "valid_from",
            "withdrawn_on",
            "bands",
            "recovered_counts",
            "court_costs_borne_by",
            "prepayment",
            "covers_litigation",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = FeeScheduleRow(**data)
        try:
            fee_schedule_check(candidate)
        except ApplicationError as exc:
            rule = exc.details.get("rule") or {}
            cited = f" [{rule.get('zh', '')} / {rule.get('en', '')}]" if rule else ""
            raise forms.ValidationError(f"{exc.message}{cited}", code=exc.code) from None
        return data


@admin.register(FeeScheduleRow)
class FeeScheduleRowAdmin(admin.ModelAdmin):
    form = FeeScheduleRowForm
    list_display = ("key", "name_zh", "organisation_type", "valid_from", "withdrawn_on")
    list_filter = ("organisation_type",)
