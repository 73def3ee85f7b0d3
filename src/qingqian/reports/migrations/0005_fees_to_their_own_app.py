"""The fee schedules and agreements moved to ``fees`` (its ``0001_initial``); the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0004_schedules_in_force'),
        ('fees', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='agreement',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='agreement',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='agreement',
                    name='signed_by',
                ),
                migrations.DeleteModel(
                    name='FeeScheduleRow',
                ),
                migrations.DeleteModel(
                    name='Agreement',
                ),
            ],
            database_operations=[],
        ),
    ]
