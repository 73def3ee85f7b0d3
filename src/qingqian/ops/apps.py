from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "qingqian.ops"
    label = "ops"
    verbose_name = _("运行")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from qingqian.ops import sqlite_wal

        connection_created.connect(sqlite_wal.on_connection_created, dispatch_uid="sqlite_wal")
