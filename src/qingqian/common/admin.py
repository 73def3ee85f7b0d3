"""The admin's rule for financial and evidential records (security finding 10).

Admin edits skip the services, so they would skip the audit trail, the case timeline and the
log. Cases, invoices, parties, hotline calls, imports and evidence are therefore read-only
here: they change only through the services (web, API, CLI), which write all three.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
