"""Read-only admin views: policies change through the editor, decisions and holds through the
services (which write the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingqian.contact.models import ContactAttempt, ContactHold, ContactPolicy


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ContactPolicy)
class ContactPolicyAdmin(ReadOnly):
    list_display = ("name", "version", "organisation", "note", "created_by", "created_at")
    list_filter = ("organisation",)


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnly):
    list_display = ("at", "channel", "party", "allowed", "rule", "policy_version", "outcome")
    list_filter = ("allowed", "channel", "rule")
    raw_id_fields = ("case", "party", "actor", "policy")


@admin.register(ContactHold)
class ContactHoldAdmin(ReadOnly):
    list_display = ("kind", "case", "party", "placed_at", "lifted_at")
    list_filter = ("kind",)
    raw_id_fields = ("case", "party", "placed_by", "lifted_by")
