from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.portal"
    verbose_name = "债务人自助页面"
