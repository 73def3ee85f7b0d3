from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalDataConfig(AppConfig):
    name = "qingqian.legaldata"
    label = "legaldata"
    verbose_name = _("法律参数表")
