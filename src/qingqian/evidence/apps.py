from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "qingqian.evidence"
    label = "evidence"
    verbose_name = _("证据库")

    def ready(self) -> None:
        from qingqian.evidence.integrity import evidence_rows_check
        from qingqian.ledger.integrity import register_row_check

        register_row_check(evidence_rows_check)
