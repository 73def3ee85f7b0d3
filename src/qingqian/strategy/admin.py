"""Read-only views of the strategy engine's rows (edit playbooks at /strategy/, which
validates the whole set; runs and steps are written only by the services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from qingqian.strategy.models import InvoiceDispute, PlaybookRow, StrategyRun, StrategyStep


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PlaybookRow)
class PlaybookRowAdmin(_ReadOnly):
    list_display = ("key", "organisation", "position", "active", "updated_at")


@admin.register(StrategyRun)
class StrategyRunAdmin(_ReadOnly):
    list_display = ("debtor", "case", "playbook_key", "arm", "status", "started_on")
    list_filter = ("status", "arm", "playbook_key")


@admin.register(StrategyStep)
class StrategyStepAdmin(_ReadOnly):
    list_display = ("run", "index", "kind", "due_on", "state")
    list_filter = ("state", "kind")


@admin.register(InvoiceDispute)
class InvoiceDisputeAdmin(_ReadOnly):
    list_display = ("invoice", "opened_at", "resolved_at")
