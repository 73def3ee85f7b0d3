from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    """The strategy engine: playbooks, strategy runs and steps, dunning, invoice disputes.

    The label stays ``intake`` (the app's first name): its tables, migrations and content
    types keep their names (ADR 0008).
    """

    name = "qingqian.strategy"
    label = "intake"
    verbose_name = _("催收策略")
