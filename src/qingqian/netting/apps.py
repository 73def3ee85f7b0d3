from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NettingConfig(AppConfig):
    name = "qingqian.netting"
    label = "netting"
    verbose_name = _("供应链清欠（多边抵销）")
