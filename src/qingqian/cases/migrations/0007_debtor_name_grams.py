"""On PostgreSQL, an index for debtor-name searches of one or two characters.

The trigram index (0003) cannot answer a term shorter than three characters, and a
person's name in Chinese is often two (吴勇): such a search read all 100,000 cases, 130–220
ms each, three times per list page. ``qq_grams`` gives a text's single characters and
adjacent pairs; a term of one or two characters occurs in a name exactly when it is one of
the name's grams, so the array index finds the candidates and ``LIKE`` keeps its meaning.
SQLite has neither index; the search there is a scan, which is fine at its scale.
"""

from django.db import migrations

GRAMS = """
CREATE OR REPLACE FUNCTION qq_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(t, i, 1) FROM generate_series(1, length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
  ) AS grams(g)
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GRAMS)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_debtor_name_grams ON cases_case "
        "USING gin (qq_grams(UPPER(debtor_name::text)))"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_debtor_name_grams")
        schema_editor.execute("DROP FUNCTION IF EXISTS qq_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_open_cases_by_handler")]

    operations = [migrations.RunPython(forwards, backwards)]
