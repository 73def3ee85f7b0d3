"""The fee schedules and agreements, moved here from ``reports`` without touching their
tables: the state gains the models, the database is left as it is (``reports_feeschedulerow``,
``reports_agreement``)."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0005_import_column_mapping'),
        ('reports', '0004_schedules_in_force'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FeeScheduleRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.SlugField(max_length=64, verbose_name='代号')),
                        ('name_zh', models.CharField(max_length=200, verbose_name='名称（中文）')),
                        ('name_en', models.CharField(max_length=200, verbose_name='名称（英文）')),
                        ('organisation_type', models.CharField(choices=[('law_firm', 'law_firm'), ('mediation_centre', 'mediation_centre'), ('in_house', 'in_house')], max_length=20, verbose_name='机构类型')),
                        ('valid_from', models.DateField(verbose_name='生效日期')),
                        ('withdrawn_on', models.DateField(blank=True, null=True, verbose_name='停止适用日期')),
                        ('bands', models.JSONField(verbose_name='费率表')),
                        ('recovered_counts', models.JSONField(default=list, verbose_name='计费的回收形式')),
                        ('court_costs_borne_by', models.CharField(choices=[('creditor', 'creditor'), ('organisation', 'organisation')], default='creditor', max_length=20, verbose_name='诉讼费用承担')),
                        ('prepayment', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='预付费用')),
                        ('covers_litigation', models.BooleanField(default=False, verbose_name='包含诉讼代理')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': '收费标准',
                        'verbose_name_plural': '收费标准',
                        'db_table': 'reports_feeschedulerow',
                        'ordering': ['valid_from', 'key'],
                        'constraints': [models.UniqueConstraint(fields=('key', 'valid_from'), name='feeschedule_key_date')],
                    },
                ),
                migrations.CreateModel(
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(verbose_name='版本')),
                        ('kind', models.CharField(max_length=20, verbose_name='协议类型')),
                        ('schedule_key', models.CharField(max_length=64, verbose_name='收费标准代号')),
                        ('schedule_snapshot', models.JSONField(verbose_name='收费标准快照')),
                        ('terms', models.JSONField(verbose_name='协议条款')),
                        ('terms_sha256', models.CharField(max_length=64, verbose_name='条款摘要（SHA-256）')),
                        ('state', models.CharField(choices=[('draft', '草稿'), ('sent', '已发送待签'), ('signed', '已签署')], default='draft', max_length=10, verbose_name='状态')),
                        ('created_at', models.DateTimeField(verbose_name='起草时间')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                        ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='签署时间')),
                        ('signed_name', models.CharField(blank=True, max_length=100, verbose_name='签署人姓名')),
                        ('signed_pdf', models.BinaryField(blank=True, null=True, verbose_name='已签署 PDF')),
                        ('signed_sha256', models.CharField(blank=True, max_length=64, verbose_name='已签署文件摘要（SHA-256）')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agreements', to='cases.case')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '委托协议',
                        'verbose_name_plural': '委托协议',
                        'db_table': 'reports_agreement',
                        'ordering': ['case', '-version'],
                        'constraints': [models.UniqueConstraint(fields=('case', 'version'), name='agreement_version_unique'), models.CheckConstraint(condition=models.Q(models.Q(('state', 'signed'), _negated=True), models.Q(models.Q(('signed_sha256', ''), _negated=True), models.Q(('signed_name', ''), _negated=True)), _connector='OR'), name='agreement_signed_has_hash_and_name')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
