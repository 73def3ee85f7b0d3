"""Seed version 1 of the two preset policies (cn-default, us-reg-f) from the pure kernel."""

from django.db import migrations


def seed(apps, schema_editor):
    from qingqian.contact.presets import PRESETS

    ContactPolicy = apps.get_model("contact", "ContactPolicy")
    for name, policy in PRESETS.items():
        ContactPolicy.objects.get_or_create(
            name=name,
            version=policy.version,
            defaults={"data": policy.to_dict(), "note": "preset"},
        )


def unseed(apps, schema_editor):
    ContactPolicy = apps.get_model("contact", "ContactPolicy")
    ContactPolicy.objects.filter(note="preset", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("contact", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
