from django.contrib import admin

from qingqian.litigation.models import DocumentTemplate, LawyerProfile


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    """The administrator edits a document's text here (Django template syntax; lines starting
    with "# " are the title, "## " a heading). Deleting the row restores the packaged text."""

    list_display = ("kind", "updated_at")


@admin.register(LawyerProfile)
class LawyerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "practice_number", "firm")
