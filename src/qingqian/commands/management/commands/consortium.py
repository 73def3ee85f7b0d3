"""``qingqian consortium …``: this member's key, the member list, asking and withdrawing.

* ``key`` prints this member's name, URL and verifier key (what the convener lists);
* ``publish --version N --member NAME URL KEY …`` (the convener) prints the signed list;
* ``adopt FILE --convener-key KEY`` checks and adopts a signed list (logged);
* ``ask CASE_REFERENCE`` asks the other members about the case's company debtors;
* ``answers CASE_REFERENCE [--json]`` prints the answers received, with their sources;
* ``withdraw CASE_REFERENCE`` withdraws the answers given about the case's debtors;
* ``deliver`` retries withdrawals not yet delivered;
* ``netting open|list|show|consent|submit|run|accept|reject|deliver …``: consortium netting rounds
  (docs/consortium.md, "Consortium netting rounds").
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
from qingqian.consortium import rounds, selectors, services
from qingqian.consortium.models import GivenAnswer, SharedRound
from qingqian.parties.models import Party


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
        # h23r: consortium netting rounds
        netting = sub.add_parser("netting", help="consortium netting rounds")
        nsub = netting.add_subparsers(dest="netting_action", required=True)
        opened = nsub.add_parser("open", help="convene a round (prints its id)")
        opened.add_argument("--title", required=True)
        opened.add_argument("--member", action="append", required=True)
        nsub.add_parser("list", help="the rounds, as JSON")
        for name in ("show", "submit", "run", "accept", "reject", "consent", "deliver"):
            p = nsub.add_parser(name)
            p.add_argument("round_id")
            if name == "consent":
                p.add_argument("--creditor", required=True, help="the firm's credit code")
            if name == "reject":
                p.add_argument("--reason", required=True)

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
        elif action == "netting":
            self._netting(opts)

    def _netting(self, opts: dict[str, Any]) -> None:
        """h23r: consortium netting rounds (the operator acts for the firm: actor None)."""
        act = opts["netting_action"]
        if act == "open":
            opened = rounds.round_open(title=opts["title"], members=opts["member"], actor=None)
            self.stdout.write(opened.round_id)
            return
        if act == "list":
            out = [_round_json(r) for r in SharedRound.objects.select_related("convener")]
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        found = SharedRound.objects.filter(round_id=opts["round_id"]).first()
        if found is None:
            raise CommandError(f"没有该轮次 / No such round: {opts['round_id']}", returncode=2)
        round_ = found
        if act == "consent":
            firm = Party.objects.filter(credit_code=opts["creditor"], kind="company").first()
            if firm is None:
                raise CommandError(f"没有该企业 / No such firm: {opts['creditor']}", returncode=2)
            round_ = rounds.round_consent(round_=round_, creditor=firm, actor=None)
        elif act == "submit":
            round_ = rounds.round_submit(round_=round_, actor=None)
        elif act == "run":
            round_ = rounds.round_run(round_=round_, actor=None)
        elif act in ("accept", "reject"):
            round_ = rounds.round_decide(
                round_=round_, actor=None, accept=act == "accept", reason=opts.get("reason") or ""
            )
        elif act == "deliver":
            rounds.final_deliver(round_=round_)
        round_.refresh_from_db()
        self.stdout.write(json.dumps(_round_json(round_, lines=True), ensure_ascii=False))

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


def _round_json(round_: SharedRound, *, lines: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "round_id": round_.round_id,
        "title": round_.title,
        "convener": round_.convener.name,
        "is_convener": round_.is_convener,
        "participants": round_.participants,
        "state": round_.state,
        "input_root": round_.input_root,
        "result_root": round_.result_root,
        "result_digest": round_.result_digest,
        "size": round_.size,
        "cleared": str(round_.cleared),
    }
    if round_.is_convener:
        out["seats"] = [
            {
                "member": s.member.name,
                "invited": s.invited_at is not None,
                "submitted": s.submitted_at is not None,
                "result_sent": s.result_sent_at is not None,
                "decision": s.decision,
                "final_sent": s.final_sent_at is not None,
            }
            for s in round_.seats.select_related("member")
        ]
    elif lines:
        out["lines"] = [
            {
                "line_id": x.line_id,
                "invoice": x.invoice.number if x.invoice else "",
                "debtor": x.debtor_code,
                "amount": str(x.amount),
                "setoff": None if x.setoff is None else str(x.setoff),
                "remaining": None if x.remaining is None else str(x.remaining),
                "applied": x.applied_at is not None,
            }
            for x in round_.lines.select_related("invoice")
        ]
    return out
