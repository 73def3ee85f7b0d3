"""``qingqian evidence export CASE_ID --user NAME --out PACKAGE.zip`` and
``qingqian evidence strength CASE_ID --user NAME [--json]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.evidence.package import package_build
from qingqian.evidence.selectors import evidence_strength_for_case
from qingqian.ledger.errors import LedgerError


class Command(SystemCommand):
    help = "The evidence vault (证据库): export packages, score the evidence."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write the case's evidence package (zip).")
        export.add_argument("case_id", type=int)
        export.add_argument("--out", required=True)
        export.add_argument("--user", required=True, help="act as this user (access check)")
        export.add_argument(
            "--wait",
            type=float,
            default=0.0,
            help="seconds to wait for a witness-cosigned checkpoint covering the whole case",
        )
        export.add_argument("--json", action="store_true")
        strength = sub.add_parser("strength", help="The evidence checklist score of a case.")
        strength.add_argument("case_id", type=int)
        strength.add_argument("--user", required=True)
        strength.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"], is_active=True).first()
        if user is None:
            raise CommandError(
                f"用户不存在或已停用：{opts['user']} / No active user named {opts['user']}",
                returncode=2,
            )
        try:
            if opts["action"] == "export":
                data = package_build(user=user, case_id=opts["case_id"], wait=opts["wait"])
                Path(opts["out"]).write_bytes(data)
                result: dict[str, Any] = {"out": opts["out"], "bytes": len(data)}
                text = f"证据包已写入 / Package written: {opts['out']} ({len(data)} bytes)"
            else:
                strength = evidence_strength_for_case(user, opts["case_id"])
                result = strength.as_dict()
                missing = "; ".join(f"{m.label_zh} / {m.label_en}" for m in strength.missing)
                text = (
                    f"证据强度 / Evidence strength: {strength.score}/100; "
                    f"缺少 / missing: {missing or '—'}"
                )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        except LedgerError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False) if opts["json"] else text)
