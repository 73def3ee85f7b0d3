"""The audit trail's model moved to ``audit`` (its ``0001_initial``); the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_regulatory_records"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
