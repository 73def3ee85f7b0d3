"""``qingqian restore FILE [--json]``: a backup back into a fresh database and object store,
then the log checked against the checkpoint the backup recorded (docs/operations.md).

Exit 0 restored and the log agrees; 1 restored but the log does not agree; 2 refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.ops.backup import backup_restore


class Command(SystemCommand):
    help = "Restore a backup into a fresh database and store (恢复备份)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = backup_restore(Path(opts["file"]))
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}", returncode=2) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            verdict = "一致 / agrees" if result["log_ok"] else "不一致 / DISAGREES"
            self.stdout.write(
                f"已恢复 / restored: {result['objects']} objects, log checkpoint "
                f"{result['checkpoint_size']} {verdict}"
            )
        if not result["log_ok"]:
            raise CommandError(
                "日志与备份记录不符 / The log does not match the backup.", returncode=1
            )
