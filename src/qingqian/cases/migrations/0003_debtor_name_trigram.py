"""On PostgreSQL, a trigram index serves the case list's debtor-name search (icontains).

SQLite has no such index; the search there is a scan, which is fine at its scale.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_debtor_name_trgm ON cases_case "
        "USING gin (UPPER(debtor_name::text) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_debtor_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_import_writing_status")]

    operations = [migrations.RunPython(forwards, backwards)]
