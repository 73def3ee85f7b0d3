from django.contrib import admin

from qingqian.cases.models import Case, HotlineCall, ImportJob, Invoice
from qingqian.common.admin import ReadOnlyAdmin


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("reference", "debtor_name", "creditor", "debt_type", "state", "outstanding")
    list_filter = ("state", "debt_type", "channel")
    search_fields = ("reference", "debtor_name")
    raw_id_fields = ("creditor", "handler")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "creditor", "amount", "outstanding", "due_date")
    search_fields = ("number",)
    raw_id_fields = ("case", "creditor")


@admin.register(HotlineCall)
class HotlineCallAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "caller_name", "callback_phone_masked", "agent", "case")
    exclude = ("callback_phone_enc", "callback_phone_hash")
    raw_id_fields = ("case",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "filename", "creditor", "status", "imported", "duplicates")
    readonly_fields = ("errors",)
