"""Seed the two fee-schedule presets of ``fees.rules`` (seed centre, law firm)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from qingqian.fees.presets import preset_fields

    row = apps.get_model("reports", "FeeScheduleRow")
    for fields in preset_fields():
        if not row.objects.filter(key=fields["key"], valid_from=fields["valid_from"]).exists():
            row.objects.create(**fields)


def unseed(apps: Any, schema_editor: Any) -> None:
    from qingqian.fees.presets import preset_fields

    row = apps.get_model("reports", "FeeScheduleRow")
    for fields in preset_fields():
        row.objects.filter(key=fields["key"], valid_from=fields["valid_from"]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
