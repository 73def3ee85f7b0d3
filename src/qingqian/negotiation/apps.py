from django.apps import AppConfig


class NegotiationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.negotiation"
    verbose_name = "协商与还款计划"
