"""``qingqian mediation match CASE_ID [--json] [--lang zh|en]``: the mediators a case should
go to, best first.

``--json`` prints ``{"case": ID, "candidates": [{"mediator": ID, "name": "…", "score": 0-100,
"reasons": ["…"]}]}``; conflicts of interest and full diaries are left out. Reasons are in
Chinese, or English with ``--lang en``. An unknown case exits with code 2 and a bilingual
message. See ``docs/mediation.md``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.cases.models import Case
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.mediation.services import mediation_match


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


class Command(SystemCommand):
    help = "Mediation (调解): `mediation match CASE_ID` ranks mediators for a case."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="Rank the roster's mediators for a case.")
        match.add_argument("case_id", help="the case's id")
        match.add_argument("--json", action="store_true", help="print JSON")
        match.add_argument("--lang", choices=["zh", "en"], default="zh", help="reasons' language")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            case_id = int(opts["case_id"])
        except ValueError:
            raise _bad(
                f"案件编号须为整数：{opts['case_id']!r}", "CASE_ID must be an integer"
            ) from None
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            raise _bad(f"案件不存在：{case_id}", f"No such case: {case_id}")
        try:
            ranked = mediation_match(case)
        except ApplicationError as exc:
            raise _bad(exc.message_zh, exc.message_en) from None
        en = opts["lang"] == "en"
        if opts["json"]:
            out = {"case": case.pk, "candidates": [m.as_dict(en=en) for m in ranked]}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(f"{case.reference} {case.debtor_name}")
        for m in ranked:
            reasons = "; ".join(r.text(en) for r in m.reasons)
            self.stdout.write(f"{m.score:>3}  #{m.candidate.id} {m.candidate.name}  {reasons}")
