"""Indexes the performance pages read by (``docs/kpis.md``, "Speed"): promises by the day
they fall due and the day they were made (with the case, for the scope), and the open
cases per organisation and handler with their outstanding (headline and workload, read
from the index alone), and the timeline's entries into evidence review (the 24 h SLA). Same SQL on PostgreSQL and SQLite; additive."""

from django.db import migrations

INDEXES = {
    "kpis_promise_due": "negotiation_promise (due_date, case_id)",
    "kpis_promise_made": "negotiation_promise (made_on, case_id)",
    "kpis_case_open": "cases_case (organisation_id, handler_id, outstanding) "
    "WHERE state <> 'closed'",
    "kpis_timeline_review": "cases_timelineevent (at, case_id) WHERE to_state = 'evidence_review'",
}


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0004_case_facts"),
        ("negotiation", "0001_promises_plans_offers"),
        ("cases", "0004_fillfactor_for_hot_updates"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
