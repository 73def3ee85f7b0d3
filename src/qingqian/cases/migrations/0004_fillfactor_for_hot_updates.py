"""On PostgreSQL, leave room in every page of the case and invoice tables so that a payment's
update of ``outstanding`` and ``last_payment_date`` (columns no index covers) can be a HOT
update: the new row version stays on its page and none of the table's indexes is touched.

With the default fill factor (100) a bulk-loaded page is full, so every update writes a new
version elsewhere and a new entry into each of ``cases_case``'s fifteen indexes. The setting
applies to pages written from now on; SQLite has no such knob.
"""

from django.db import migrations

TABLES = ("cases_case", "cases_invoice")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_debtor_name_trigram")]

    operations = [migrations.RunPython(forwards, backwards)]
