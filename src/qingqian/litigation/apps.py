from django.apps import AppConfig


class LitigationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.litigation"
    verbose_name = "诉讼与执行"
