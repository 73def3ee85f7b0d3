from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "qingqian.cases"
    label = "cases"
    verbose_name = _("案件")

    def ready(self) -> None:
        from qingqian.cases.integrity import timeline_rows_check
        from qingqian.ledger.integrity import register_row_check

        register_row_check(timeline_rows_check)
