from django.contrib import admin

from qingqian.common.admin import ReadOnlyAdmin
from qingqian.evidence.models import EvidenceItem, EvidenceVersion, StoredFile


class VersionInline(admin.TabularInline):
    model = EvidenceVersion
    fk_name = "item"
    extra = 0
    can_delete = False
    readonly_fields = ["number", "kind", "file", "filename", "previous", "reason", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "evidence_type", "title", "collected_at"]
    list_filter = ["evidence_type"]
    readonly_fields = ["case", "created_by", "created_at"]
    inlines = [VersionInline]


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "size", "content_type", "created_at"]
    readonly_fields = ["sha256", "size", "content_type", "storage_name", "created_at"]
