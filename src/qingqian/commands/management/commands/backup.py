"""``qingqian backup --out FILE [--json]``: the database, the object store and the case log's
state in one file sealed with ``QINGQIAN_BACKUP_KEY`` (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.ops.backup import backup_create


class Command(SystemCommand):
    help = "Back up the database, stored files and log state, encrypted (加密备份)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the backup file to write")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = backup_create(Path(opts["out"]))
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}", returncode=2) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
        else:
            self.stdout.write(
                f"备份完成 / backed up: {result.path} ({result.bytes} bytes, {result.objects} "
                f"objects, log checkpoint {result.checkpoint_size} {result.checkpoint_root})"
            )
