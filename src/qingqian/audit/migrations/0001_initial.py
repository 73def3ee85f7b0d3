"""The audit trail's model, moved here from ``compliance`` without touching the table: the
state gains the model, the database is left as it is (``compliance_auditevent``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0004_h15_token_expiry_and_scope"),
        ("compliance", "0002_regulatory_records"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("actor_label", models.CharField(blank=True, max_length=150)),
                        ("action", models.CharField(db_index=True, max_length=64, verbose_name="操作")),
                        ("object_type", models.CharField(max_length=64)),
                        ("object_id", models.CharField(max_length=64)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        ("at", models.DateTimeField(db_index=True, verbose_name="时间")),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "审计记录",
                        "verbose_name_plural": "审计记录",
                        "ordering": ["-at", "-id"],
                        "db_table": "compliance_auditevent",
                        "indexes": [
                            models.Index(
                                fields=["object_type", "object_id"], name="compliance__object__53cfe7_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
