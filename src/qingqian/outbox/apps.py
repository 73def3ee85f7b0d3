from django.apps import AppConfig


class OutboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.outbox"
    verbose_name = "演示发件箱"
