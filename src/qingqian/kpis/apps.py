from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "qingqian.kpis"
    label = "kpis"
    verbose_name = _("经营指标")

    def ready(self) -> None:
        from qingqian.kpis import signals

        signals.connect()
