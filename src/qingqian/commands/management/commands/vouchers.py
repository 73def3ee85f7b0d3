"""``qingqian vouchers list|show|issue|pdf``: electronic debt vouchers (债权凭证) from the
console, acting as a named user (the same access checks and audit as the pages)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.vouchers import services


class Command(SystemCommand):
    help = "Electronic debt vouchers (债权凭证): list, show, issue, write the PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="The vouchers the user may see.")
        show = sub.add_parser("show", help="A voucher and its derived state (JSON).")
        show.add_argument("voucher_id", type=int)
        issue = sub.add_parser("issue", help="Issue a voucher for a case.")
        issue.add_argument("case_id", type=int)
        issue.add_argument("--amount", required=True, help="yuan, to the fen")
        issue.add_argument("--due", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        pdf = sub.add_parser("pdf", help="Write the voucher PDF (QR code, attached package).")
        pdf.add_argument("voucher_id", type=int)
        pdf.add_argument("--out", required=True)
        for p in (listing, show, issue, pdf):
            p.add_argument("--user", required=True, help="act as this user (access check)")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"], is_active=True).first()
        if user is None:
            raise CommandError(
                f"用户不存在或已停用：{opts['user']} / No active user named {opts['user']}",
                returncode=2,
            )
        action = opts["action"]
        try:
            if action == "list":
                for v in services.vouchers_visible_to(user).order_by("pk"):
                    state = services.voucher_state(v)
                    self.stdout.write(
                        f"{v.pk}\t{v.number}\t{state.amount:,.2f}\t{state.remaining:,.2f}\t"
                        f"{state.status}"
                    )
            elif action == "show":
                data = services.voucher_json(services.voucher_read(user, opts["voucher_id"]))
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            elif action == "issue":
                voucher = services.voucher_issue(
                    actor=user, case_id=opts["case_id"], amount=opts["amount"], due_date=opts["due"]
                )
                self.stdout.write(
                    f"凭证已签发 / Voucher issued: {voucher.number} (id {voucher.pk})"
                )
            else:
                voucher = services.voucher_get_for_user(user, opts["voucher_id"])
                pdf = services.voucher_pdf(voucher, actor=user)
                Path(opts["out"]).write_bytes(pdf)
                self.stdout.write(
                    f"凭证 PDF 已写入 / Voucher PDF written: {opts['out']} ({len(pdf)} bytes)"
                )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
