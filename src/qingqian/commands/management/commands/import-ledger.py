"""``qingqian import-ledger FILE --creditor ID [--dry-run] [--user NAME] --json``.

Validates every row first; imports nothing if any row is bad (exit code 2) and prints
``{"rows", "imported", "duplicates", "errors": [{"line", "code", "message"}]}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.cases.imports import ledger_import
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.common.middleware import set_request_id
from qingqian.parties.models import Party


class Command(SystemCommand):
    help = "Import a creditor's receivables ledger (CSV or XLSX) (导入应收台账)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX ledger")
        parser.add_argument("--creditor", required=True, type=int, help="creditor party id")
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--user", help="username recorded as the actor in the audit trail")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path} / No such file: {path}", returncode=2)
        creditor = Party.objects.select_related("organisation").filter(pk=opts["creditor"]).first()
        if creditor is None:
            raise CommandError(
                f"债权人不存在：{opts['creditor']} / Unknown creditor: {opts['creditor']}",
                returncode=2,
            )
        actor = None
        if opts.get("user"):
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户不存在：{opts['user']} / Unknown user", returncode=2)
        set_request_id(f"cli-import-{path.name}"[:64])
        try:
            result = ledger_import(
                organisation=creditor.organisation,
                creditor=creditor,
                actor=actor,
                path=path,
                filename=path.name,
                dry_run=opts["dry_run"],
            )
        except ApplicationError as exc:
            if opts["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "rows": 0,
                            "imported": 0,
                            "duplicates": 0,
                            "errors": [{"line": 0, "code": exc.code, "message": exc.message}],
                        },
                        ensure_ascii=False,
                    )
                )
            raise CommandError(exc.message, returncode=2) from None
        data = result.as_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(
                f"行数 rows: {result.rows}  导入 imported: {result.imported}  "
                f"重复 duplicates: {result.duplicates}  新案件 cases: {result.cases_created}"
            )
            for e in result.errors:
                self.stderr.write(f"第 {e.line} 行 line {e.line}: [{e.code}] {e.message}")
            if result.errors_truncated:
                self.stderr.write(
                    f"错误过多，已在第 {len(result.errors)} 个错误处停止检查 / too many errors: "
                    f"stopped checking after {len(result.errors)}"
                )
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} 行有错误，未导入 / {len(result.errors)} bad row(s); "
                "nothing imported",
                returncode=2,
            )
