from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "qingqian.contact"
    label = "contact"
    verbose_name = _("联系合规闸门")
