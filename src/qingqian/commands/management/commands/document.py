"""``qingqian document render KIND CASE_ID --out FILE.docx|FILE.pdf [--json] [--as-of D]``:
fill a litigation document from the case and write it as Word or PDF.

``--json`` prints ``{"kind", "case", "sha256", "fields"}`` (the SHA-256 of the file written;
the complaint's fields include ``claim_total`` and ``court_fee``). Rendered as the system:
a person's ID number stays masked. Unknown kind, unknown case or a case in the wrong state:
exit 2 with a bilingual message."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.cases.models import Case
from qingqian.commands.base import SystemCommand
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.litigation.documents import document_render, to_docx, to_pdf


class Command(SystemCommand):
    help = "Litigation documents (诉讼文书): 律师函, 起诉状, 支付令/保全/执行申请书, 证据目录."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        render = sub.add_parser("render", help="Fill a document from a case and write it.")
        render.add_argument("kind")
        render.add_argument("case_id")
        render.add_argument("--out", required=True, help="FILE.docx or FILE.pdf")
        render.add_argument("--json", action="store_true")
        render.add_argument("--as-of", help="interest to this date (default: today)")
        render.add_argument("--lawyer", help="username of the signing lawyer (name, licence)")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("docx", "pdf"):
            raise CommandError(
                "输出文件须以 .docx 或 .pdf 结尾 / --out must end in .docx or .pdf", returncode=2
            )
        try:
            as_of = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else clock.today()
        except ValueError:
            raise CommandError(
                f"日期无效：{opts['as_of']} / Invalid date: {opts['as_of']}", returncode=2
            ) from None
        case = None
        if str(opts["case_id"]).isdigit():
            case = Case.objects.filter(pk=int(opts["case_id"])).first()
        if case is None:
            raise CommandError(
                f"案件不存在：{opts['case_id']} / No such case: {opts['case_id']}", returncode=2
            )
        lawyer = None
        if opts["lawyer"]:
            lawyer = User.objects.filter(
                username=opts["lawyer"], organisation_id=case.organisation_id
            ).first()
            if lawyer is None:
                raise CommandError(
                    f"没有该律师用户：{opts['lawyer']} / No such lawyer: {opts['lawyer']}",
                    returncode=2,
                )
        try:
            rendered = document_render(
                case=case, kind=opts["kind"], as_of=as_of, actor=None, lawyer=lawyer
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        title = str(rendered.kind.label)
        data = (
            to_docx(rendered.text, title=title, as_of=as_of)
            if fmt == "docx"
            else to_pdf(rendered.text, title=title)
        )
        out.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        if opts["json"]:
            payload = {
                "kind": rendered.kind.value,
                "case": case.reference,
                "sha256": digest,
                "fields": rendered.fields,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            self.stdout.write(f"{out} {digest}")
