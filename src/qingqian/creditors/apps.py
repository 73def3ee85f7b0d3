from django.apps import AppConfig


class CreditorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.creditors"
    verbose_name = "债权人工作台"
