from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail every other app writes to: one model, two writers, no pages.

    It sits just above ``accounts`` in the layering (docs/architecture.md): everything that
    changes data records it here, so it may import nothing but ``common``. The compliance
    officer's pages that read it live in ``compliance``, above the case book.
    """

    name = "qingqian.audit"
    label = "audit"
    verbose_name = _("审计记录")
