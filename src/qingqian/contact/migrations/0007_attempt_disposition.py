from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contact", "0006_attempt_indexes_for_the_gate")]

    operations = [
        migrations.AddField(
            model_name="contactattempt",
            name="disposition",
            field=models.CharField(
                blank=True,
                db_default="",
                choices=[
                    ("rpc", "本人接听"),
                    ("third_party", "他人接听"),
                    ("wrong_number", "号码错误"),
                    ("no_answer", "无人接听"),
                    ("refused", "拒绝沟通"),
                    ("promise", "承诺还款"),
                    ("dispute", "提出异议"),
                    ("callback", "约定回电"),
                ],
                max_length=16,
                verbose_name="通话结果",
            ),
        ),
        migrations.AddField(
            model_name="contactattempt",
            name="callback_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="约定回电时间"),
        ),
    ]
