from typing import Any

from django.contrib import admin
from django.db import transaction

from qingqian.audit.services import audit_record
from qingqian.common.admin import ReadOnlyAdmin
from qingqian.parties.models import Party, RetentionRule


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    """Identifiers appear masked only; clear values are read in the case page (audited).
    Read-only: a party changes through its services, which write the audit trail."""

    list_display = (
        "name",
        "kind",
        "credit_code",
        "id_number_masked",
        "phone_masked",
        "city",
        "district",
        "is_client",
    )
    list_filter = ("kind", "is_client", "city")
    search_fields = ("name", "credit_code")
    exclude = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")
    readonly_fields = ("id_number_masked", "phone_masked")


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """An organisation's retention periods (h15b; docs/pipl.md). Every change is audited."""

    list_display = ("organisation", "kind", "years")
    list_filter = ("kind",)

    def save_model(self, request: Any, obj: RetentionRule, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                organisation=obj.organisation,
                action="retention.rule_set",
                obj=obj,
                after={"kind": obj.kind, "years": obj.years},
            )

    def delete_model(self, request: Any, obj: RetentionRule) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                organisation=obj.organisation,
                action="retention.rule_delete",
                obj=obj,
                before={"kind": obj.kind, "years": obj.years},
            )
            super().delete_model(request, obj)
