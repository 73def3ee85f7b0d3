"""Seed the shared playbooks from the kernel's defaults (organisations copy them on first
edit). Over 180 days overdue goes down the judicial route by default."""

from typing import Any

from django.db import migrations
from django.utils import timezone


def seed(apps: Any, schema_editor: Any) -> None:
    from qingqian.strategy.playbooks import DEFAULT_PLAYBOOK_DATA, load_playbooks

    load_playbooks(DEFAULT_PLAYBOOK_DATA)  # the defaults must validate
    row = apps.get_model("intake", "PlaybookRow")
    for position, data in enumerate(DEFAULT_PLAYBOOK_DATA):
        row.objects.get_or_create(
            organisation=None,
            key=data["key"],
            defaults={"position": position, "data": data, "updated_at": timezone.now()},
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("intake", "PlaybookRow").objects.filter(organisation__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_strategy_engine")]
    operations = [migrations.RunPython(seed, unseed)]
