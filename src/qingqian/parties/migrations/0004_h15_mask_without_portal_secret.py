"""Security finding 7: masked ID numbers no longer show their last four characters (the
debtor portal's identity check); re-mask the rows stored before."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def remask(apps: Any, schema_editor: Any) -> None:
    Party = apps.get_model("parties", "Party")
    batch = []
    for party in Party.objects.exclude(id_number_masked="").only("pk", "id_number_masked"):
        masked = party.id_number_masked
        party.id_number_masked = masked[:6] + "*" * (len(masked) - 6)
        batch.append(party)
        if len(batch) >= 1000:
            Party.objects.bulk_update(batch, ["id_number_masked"])
            batch = []
    Party.objects.bulk_update(batch, ["id_number_masked"])


class Migration(migrations.Migration):
    dependencies = [("parties", "0003_party_timezone")]
    operations = [migrations.RunPython(remask, migrations.RunPython.noop)]
