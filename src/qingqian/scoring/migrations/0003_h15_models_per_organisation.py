"""Scoring models belong to an organisation (issue 15, finding 15).

Existing rows: the expert card stays the platform's (the model every organisation without
one of its own is ordered by). A learned model goes to the organisation of whoever promoted
it; one nobody promoted (or promoted by a system job) goes to the only organisation when
there is exactly one, and otherwise stays the platform's. If the platform is then left with
no current model, its expert card becomes current. Reversing puts every row back on the
platform and keeps one current model (the newest promoted).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def assign(apps, schema_editor):
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    Organisation = apps.get_model("accounts", "Organisation")
    orgs = list(Organisation.objects.values_list("pk", flat=True)[:2])
    only = orgs[0] if len(orgs) == 1 else None
    for row in ScoringModel.objects.exclude(kind="expert").select_related("promoted_by"):
        org = (row.promoted_by.organisation_id if row.promoted_by else None) or only
        if org is not None:
            row.organisation_id = org
            row.save(update_fields=["organisation"])
    platform = ScoringModel.objects.filter(organisation__isnull=True)
    if not platform.filter(is_current=True).exists():
        expert = platform.filter(kind="expert").order_by("pk").first()
        if expert is not None:
            expert.is_current = True
            expert.save(update_fields=["is_current"])


def unassign(apps, schema_editor):
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    keep = ScoringModel.objects.filter(is_current=True).order_by("-promoted_at", "-pk").first()
    ScoringModel.objects.exclude(pk=getattr(keep, "pk", None)).update(is_current=False)
    ScoringModel.objects.update(organisation=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_h18_community_mediator_role'),
        ('scoring', '0002_h21_selection_monitoring_experiment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='scoringmodel',
            name='scoring_one_current',
        ),
        migrations.AddField(
            model_name='scoringmodel',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='所属机构'),
        ),
        migrations.AlterField(
            model_name='scoringmodel',
            name='version',
            field=models.CharField(max_length=80, verbose_name='版本'),
        ),
        migrations.RunPython(assign, unassign),
        migrations.AddConstraint(
            model_name='scoringmodel',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('organisation',), name='scoring_one_current_per_org'),
        ),
        migrations.AddConstraint(
            model_name='scoringmodel',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True), ('organisation__isnull', True)), fields=('is_current',), name='scoring_one_current_platform'),
        ),
        migrations.AddConstraint(
            model_name='scoringmodel',
            constraint=models.UniqueConstraint(fields=('organisation', 'version'), name='scoring_org_version_once'),
        ),
        migrations.AddConstraint(
            model_name='scoringmodel',
            constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('version',), name='scoring_platform_version_once'),
        ),
    ]
