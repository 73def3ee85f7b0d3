from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "qingqian.reports"
    label = "reports"
    verbose_name = _("可行性报告与收费标准")

    def ready(self) -> None:
        from qingqian.cases.signals import case_state_changed
        from qingqian.reports.tasks import on_case_state_changed

        case_state_changed.connect(on_case_state_changed, dispatch_uid="reports.intake_completed")
