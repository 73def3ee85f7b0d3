"""Contact policies belong to an organisation (issue 15, finding 15).

Existing rows: the presets (and any version published by a system job, with no author) stay
the platform's, the legal floor every organisation falls back to. A version a person
published goes to that person's organisation: it was their compliance officer's revision.
When the database holds exactly one organisation, every version with an author goes to it,
so nothing that governed its gate changes. Reversing puts every row back on the platform.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def assign(apps, schema_editor):
    ContactPolicy = apps.get_model("contact", "ContactPolicy")
    Organisation = apps.get_model("accounts", "Organisation")
    orgs = list(Organisation.objects.values_list("pk", flat=True)[:2])
    only = orgs[0] if len(orgs) == 1 else None
    for row in ContactPolicy.objects.filter(created_by__isnull=False).select_related(
        "created_by"
    ):
        org = row.created_by.organisation_id or only
        if org is not None:
            row.organisation_id = org
            row.save(update_fields=["organisation"])


def unassign(apps, schema_editor):
    ContactPolicy = apps.get_model("contact", "ContactPolicy")
    ContactPolicy.objects.update(organisation=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_h18_community_mediator_role'),
        ('contact', '0007_attempt_disposition'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contactpolicy',
            name='contact_policy_version_once',
        ),
        migrations.AddField(
            model_name='contactpolicy',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='所属机构'),
        ),
        migrations.RunPython(assign, unassign),
        migrations.AddConstraint(
            model_name='contactpolicy',
            constraint=models.UniqueConstraint(fields=('organisation', 'name', 'version'), name='contact_policy_org_version_once'),
        ),
        migrations.AddConstraint(
            model_name='contactpolicy',
            constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('name', 'version'), name='contact_policy_platform_version_once'),
        ),
    ]
