from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    """Fee schedules, legal caps, commission and the fee agreement's terms
    (docs/architecture.md)."""

    name = "qingqian.fees"
    label = "fees"
    verbose_name = _("收费")
