from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "qingqian.reports"
    label = "reports"
    verbose_name = _("可行性报告与收费标准")
