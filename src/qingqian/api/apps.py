from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qingqian.api"
    label = "api"
    verbose_name = "API"
