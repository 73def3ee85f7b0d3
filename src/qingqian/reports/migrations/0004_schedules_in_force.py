"""Put a fee schedule in force on every date the product runs.

The first presets were announced for 2027-01-01 (``seed-centre-2027``,
``law-firm-contingency-2027``), so before that day no schedule was in force, and the centre's
was banded by the amount recovered (a fen more recovered could lower the fee). They never
took effect: they are withdrawn on the day they would have (kept, so the record of what was
announced stays), and the 2026 presets, in force from 2026-01-01 and banded by the claim, are
seeded where missing. Agreements keep the snapshot they were signed on."""

import datetime as dt
from typing import Any

from django.db import migrations

ANNOUNCED = {
    "seed-centre-2027": dt.date(2027, 1, 1),
    "law-firm-contingency-2027": dt.date(2027, 1, 1),
}


def forward(apps: Any, schema_editor: Any) -> None:
    from qingqian.fees.presets import preset_fields

    row = apps.get_model("reports", "FeeScheduleRow")
    for key, valid_from in ANNOUNCED.items():
        row.objects.filter(key=key, valid_from=valid_from, withdrawn_on__isnull=True).update(
            withdrawn_on=valid_from
        )
    for fields in preset_fields():
        if not row.objects.filter(key=fields["key"], valid_from=fields["valid_from"]).exists():
            row.objects.create(**fields)


def backward(apps: Any, schema_editor: Any) -> None:
    row = apps.get_model("reports", "FeeScheduleRow")
    for key, valid_from in ANNOUNCED.items():
        row.objects.filter(key=key, valid_from=valid_from, withdrawn_on=valid_from).update(
            withdrawn_on=None
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_fee_agreements")]

    operations = [migrations.RunPython(forward, backward)]
