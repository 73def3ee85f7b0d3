from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from qingqian.accounts.models import ApiToken, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_code", "org_type", "city")
    list_filter = ("org_type",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "organisation",
        "role",
        "cert_expires",
        "is_active",
    )
    list_filter = ("role", "organisation", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "清欠",
            {
                "fields": (
                    "organisation",
                    "role",
                    "creditor",
                    "cert_number",
                    "cert_issuer",
                    "cert_expires",
                )
            },
        ),
    )
    raw_id_fields = ("creditor",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")
