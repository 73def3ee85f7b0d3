from django.contrib import admin

from qingqian.cases.models import Case, HotlineCall, ImportJob, Invoice


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "debtor_name", "creditor", "debt_type", "state", "outstanding")
    list_filter = ("state", "debt_type", "channel")
    search_fields = ("reference", "debtor_name")
    raw_id_fields = ("creditor", "handler")
    readonly_fields = ("state", "outcome")  # moves go through the lifecycle, never the admin


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "creditor", "amount", "outstanding", "due_date")
    search_fields = ("number",)
    raw_id_fields = ("case", "creditor")


@admin.register(HotlineCall)
class HotlineCallAdmin(admin.ModelAdmin):
    list_display = ("received_at", "caller_name", "callback_phone_masked", "agent", "case")
    exclude = ("callback_phone_enc", "callback_phone_hash")
    raw_id_fields = ("case",)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "filename", "creditor", "status", "imported", "duplicates")
    readonly_fields = ("errors",)
