from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "qingqian.ledger"
    label = "ledger"
    verbose_name = _("案件日志（默克尔日志）")

    def ready(self) -> None:
        from qingqian.ledger import checks  # noqa: F401 (registers the deploy checks)
