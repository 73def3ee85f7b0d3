from django.contrib import admin

from qingqian.ledger.models import Checkpoint, Cosignature, LogEntry


class ReadOnly(admin.ModelAdmin):
    """The log is append-only: nothing is added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnly):
    list_display = ["index", "kind", "case_id", "created_at"]
    list_filter = ["kind"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnly):
    list_display = ["size", "created_at"]


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnly):
    list_display = ["checkpoint", "witness", "timestamp"]
