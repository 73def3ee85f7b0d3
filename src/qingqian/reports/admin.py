from __future__ import annotations

from django.contrib import admin

from qingqian.common.admin import ReadOnlyAdmin
from qingqian.reports.models import FeasibilityReport


@admin.register(FeasibilityReport)
class FeasibilityReportAdmin(ReadOnlyAdmin):
    list_display = ("case", "version", "generated_at", "decision", "decided_by")
    list_filter = ("decision",)
    readonly_fields = tuple(f.name for f in FeasibilityReport._meta.fields)
