from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The collector's desk: the day plan, the queue and the contact actions on a case page.

    Above ``contact``, ``scoring`` and ``strategy``, whose work it puts in one order for the
    day (docs/architecture.md, ADR 0008). No models of its own.
    """

    name = "qingqian.desk"
    label = "desk"
    verbose_name = _("催收工作台")
