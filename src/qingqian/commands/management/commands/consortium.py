"""``qingqian consortium …``: this member's key, the member list, asking and withdrawing.

* ``key`` prints this member's name, URL and verifier key (what the convener lists);
* ``publish --version N --member NAME URL KEY …`` (the convener) prints the signed list;
* ``adopt FILE --convener-key KEY`` checks and adopts a signed list (logged);
* ``ask CASE_REFERENCE`` asks the other members about the case's company debtors;
* ``answers CASE_REFERENCE [--json]`` prints the answers received, with their sources;
* ``withdraw CASE_REFERENCE`` withdraws the answers given about the case's debtors;
* ``deliver`` retries withdrawals not yet delivered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from qingqian.cases.models import Case
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.consortium import selectors, services
from qingqian.consortium.models import GivenAnswer


class Command(SystemCommand):
    help = "The consortium: keys, member list, queries, withdrawals (同业共享)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("key", help="print this member's name, URL and verifier key")
        publish = sub.add_parser("publish", help="sign a member list (the convener)")
        publish.add_argument("--version", type=int, required=True)
        publish.add_argument(
            "--member", nargs=3, action="append", required=True, metavar=("NAME", "URL", "KEY")
        )
        adopt = sub.add_parser("adopt", help="check and adopt a signed member list")
        adopt.add_argument("file")
        adopt.add_argument("--convener-key", required=True)
        for name in ("ask", "answers", "withdraw"):
            p = sub.add_parser(name)
            p.add_argument("reference", help="the case reference")
            p.add_argument("--json", action="store_true")
        sub.add_parser("deliver", help="retry withdrawals not yet delivered")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            self._run(opts)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        except OSError as exc:
            raise CommandError(f"无法读取输入 / Cannot read the input: {exc}") from exc

    def _case(self, reference: str) -> Case:
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise CommandError(f"没有该案件 / No such case: {reference}", returncode=2)
        return case

    def _run(self, opts: dict[str, Any]) -> None:
        action = opts["action"]
        if action == "key":
            key = services.own_signer().verifier()
            self.stdout.write(f"{key.name} {settings.QINGQIAN_PUBLIC_URL} {key.encode()}")
        elif action == "publish":
            members = [tuple(m) for m in opts["member"]]
            note = services.member_list_publish(version=opts["version"], members=members)
            self.stdout.write(note, ending="")
        elif action == "adopt":
            note = Path(opts["file"]).read_text(encoding="utf-8")
            row = services.member_list_adopt(note=note, convener_key=opts["convener_key"])
            self.stdout.write(f"adopted version {row.version} ({row.digest[:12]})")
        elif action == "ask":
            case = self._case(opts["reference"])
            services.consortium_ask(case=case, actor=None)
            self._answers(case, opts["json"])
        elif action == "answers":
            self._answers(self._case(opts["reference"]), opts["json"])
        elif action == "withdraw":
            case = self._case(opts["reference"])
            parties = selectors.case_company_debtors(case)
            given = GivenAnswer.objects.filter(party__in=parties, withdrawn_at__isnull=True)
            delivered = 0
            for answer in given:
                delivered += services.answer_withdraw(given=answer, actor=None)
            self.stdout.write(json.dumps({"delivered": delivered}))
        elif action == "deliver":
            self.stdout.write(json.dumps({"delivered": services.withdrawals_deliver()}))

    def _answers(self, case: Case, as_json: bool) -> None:
        out = []
        for query in selectors.case_queries(case):
            for a in query.answers.all():
                out.append(
                    {
                        "query": query.pk,
                        "debtor": query.party.name,
                        "member": a.member.name,
                        "status": a.status,
                        "facts": a.facts,
                        "error": a.error_code,
                        "withdrawn": a.withdrawn_at is not None,
                    }
                )
        if as_json:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for row in out:
            self.stdout.write(
                f"{row['debtor']}\t{row['member']}\t{row['status']}"
                f"{' withdrawn' if row['withdrawn'] else ''}\t{row['facts'].get('since', '')}"
            )
