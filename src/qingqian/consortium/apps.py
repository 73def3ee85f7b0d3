from django.apps import AppConfig


class ConsortiumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.consortium"
    verbose_name = "同业共享"
