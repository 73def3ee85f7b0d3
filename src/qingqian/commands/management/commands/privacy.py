"""``qingqian privacy purge [--dry-run] [--today YYYY-MM-DD] [--json]``: anonymise the people
whose retention period has passed (``cases.retention``; also run by ``qingqian daily``).
``qingqian privacy record``: the record of processing with each organisation's periods."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.cases.retention import privacy_purge, processing_record
from qingqian.commands.base import SystemCommand


class Command(SystemCommand):
    help = "Personal-information retention (个人信息保存期限): purge, record of processing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="Anonymise people past their retention period.")
        purge.add_argument("--dry-run", action="store_true", help="count, change nothing")
        purge.add_argument("--today", help="YYYY-MM-DD (default: today in Suzhou)")
        purge.add_argument("--json", action="store_true", help="print JSON")
        sub.add_parser("record", help="Print the record of processing (JSON).")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "record":
            self.stdout.write(json.dumps(processing_record(), ensure_ascii=False, indent=2))
            return
        try:
            today = dt.date.fromisoformat(opts["today"]) if opts.get("today") else None
        except ValueError:
            raise CommandError(
                f"日期格式应为 YYYY-MM-DD：{opts['today']} / The date must be YYYY-MM-DD",
                returncode=2,
            ) from None
        report = privacy_purge(today=today, dry_run=opts["dry_run"])
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        verb = "将匿名化 / would anonymise" if report.dry_run else "已匿名化 / anonymised"
        self.stdout.write(f"{verb}: {len(report.parties)}")
        for code, row in report.per_organisation.items():
            self.stdout.write(f"  {code}: {row['years']} 年/years, {row['due']}")
