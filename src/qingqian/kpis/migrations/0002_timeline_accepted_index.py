"""A partial index on the case timeline's acceptances, so a window's cohort is found by an
index range scan (``kpis.measures.cohort``). Same SQL on PostgreSQL and SQLite."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0001_initial"),
        ("cases", "0004_fillfactor_for_hot_updates"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS kpis_timeline_accepted "
            "ON cases_timelineevent (at, case_id) WHERE to_state = 'accepted'",
            "DROP INDEX IF EXISTS kpis_timeline_accepted",
        ),
    ]
