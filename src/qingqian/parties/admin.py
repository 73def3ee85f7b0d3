from django.contrib import admin

from qingqian.common.admin import ReadOnlyAdmin
from qingqian.parties.models import Party


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
