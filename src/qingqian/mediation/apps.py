from django.apps import AppConfig


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.mediation"
    verbose_name = "调解"
