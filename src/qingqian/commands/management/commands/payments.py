"""``qingqian payments …``: money operations from the command line.

* ``remit --period YYYY-MM [--basis net|gross] [--org ID] [--json]``: the month's remittance
  batches (one per creditor; running it again creates nothing new);
* ``reconcile [--org ID] [--bank-balance AMOUNT] [--json]``: the trust ledger checked to the
  fen; exit code 1 and every difference listed when it does not reconcile;
* ``import-bank FILE.csv [--org ID] [--json]``: match a bank statement's incoming transfers
  by payment reference; unmatched rows are listed for a human;
* ``statement --creditor ID --from YYYY-MM-DD --to YYYY-MM-DD --out FILE.csv|FILE.xlsx``.

Bad input exits with code 2 and prints ``中文 / English``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import Organisation
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.parties.models import Party
from qingqian.payments.bankimport import bank_statement_import
from qingqian.payments.remittance import reconciliation_report, remittance_run
from qingqian.payments.statements import creditor_statement, statement_csv, statement_xlsx


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _org(raw: int | None) -> Organisation:
    qs = Organisation.objects.order_by("pk")
    org = qs.filter(pk=raw).first() if raw else qs.first()
    if org is None:
        raise _bad("找不到机构。", "No such organisation.")
    return org


def _date(raw: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(
            f"{name} 应为 YYYY-MM-DD：{raw!r}", f"{name} must be YYYY-MM-DD: {raw!r}"
        ) from None


class Command(SystemCommand):
    help = "Payments: remittance, reconciliation, bank-statement import, creditor statements."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("remit", help="Create the month's remittance batches.")
        p.add_argument("--period", required=True)
        p.add_argument("--basis", default="net", choices=["net", "gross"])
        p.add_argument("--org", type=int)
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("reconcile", help="Check the trust ledger to the fen.")
        p.add_argument("--org", type=int)
        p.add_argument("--bank-balance")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("import-bank", help="Import a bank statement CSV.")
        p.add_argument("file")
        p.add_argument("--org", type=int)
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("statement", help="Export a creditor statement.")
        p.add_argument("--creditor", type=int, required=True)
        p.add_argument("--from", dest="start", required=True)
        p.add_argument("--to", dest="end", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--org", type=int)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["action"].replace("-", "_"))(opts)
        except ApplicationError as exc:
            raise _bad(exc.message_zh, exc.message_en) from exc

    def _emit(self, opts: dict[str, Any], data: dict[str, Any], text: str) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False) if opts.get("json") else text)

    def _remit(self, opts: dict[str, Any]) -> None:
        batches = remittance_run(
            organisation=_org(opts["org"]), period=opts["period"], basis=opts["basis"], actor=None
        )
        data = {
            "period": opts["period"],
            "batches": [
                {"creditor": b.creditor_id, "amount": str(b.amount), "cases": b.cases}
                for b in batches
            ],
            "total": str(sum((b.amount for b in batches), Decimal("0.00"))),
        }
        self._emit(opts, data, f"{len(batches)} 个汇付批次 / batches, {data['total']}")

    def _reconcile(self, opts: dict[str, Any]) -> None:
        bank = None
        if opts["bank_balance"]:
            try:
                bank = Decimal(opts["bank_balance"])
            except InvalidOperation:
                raise _bad("银行余额不是数字。", "The bank balance is not a number.") from None
        report = reconciliation_report(organisation=_org(opts["org"]), bank_statement=bank)
        t = report.trust.total
        data = {
            "ok": report.ok,
            "received": str(t.received),
            "remitted": str(t.remitted),
            "commission": str(t.commission),
            "held": str(t.held),
            "bank_book": str(report.trust.bank_book),
            "differences": report.differences,
        }
        text = "\n".join(
            [f"{'平账 / reconciled' if report.ok else '不平 / NOT reconciled'}: "
             f"received {t.received} = remitted {t.remitted} + commission {t.commission}"
             f" + held {t.held}"]
            + [f"  {d['scope']} {d['key']}: {d['check']} expected {d['expected']}"
               f" actual {d['actual']}" for d in report.differences]
        )  # fmt: skip
        self._emit(opts, data, text)
        if not report.ok:
            raise CommandError("对账不平 / The trust ledger does not reconcile.", returncode=1)

    def _import_bank(self, opts: dict[str, Any]) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise _bad(f"文件不存在：{path}", f"No such file: {path}")
        result = bank_statement_import(
            organisation=_org(opts["org"]), filename=path.name, content=path.read_bytes(),
            actor=None,
        )  # fmt: skip
        data = {
            "matched": result.matched,
            "duplicates": result.duplicates,
            "unmatched": [
                {"row": x.row, "date": x.booked_on.isoformat(), "amount": str(x.amount),
                 "counterparty": x.counterparty, "memo": x.memo}
                for x in result.lines if x.status == "unmatched"
            ],
        }  # fmt: skip
        self._emit(
            opts, data,
            f"匹配 {result.matched}，重复 {result.duplicates}，未匹配 {result.unmatched} / "
            f"matched {result.matched}, duplicates {result.duplicates}, "
            f"unmatched {result.unmatched}",
        )  # fmt: skip

    def _statement(self, opts: dict[str, Any]) -> None:
        org = _org(opts["org"])
        creditor = Party.objects.filter(pk=opts["creditor"], organisation=org).first()
        if creditor is None:
            raise _bad("找不到该债权人。", "No such creditor.")
        statement = creditor_statement(
            organisation=org, creditor=creditor,
            start=_date(opts["start"], "--from"), end=_date(opts["end"], "--to"),
        )  # fmt: skip
        out = Path(opts["out"])
        content = statement_xlsx(statement) if out.suffix == ".xlsx" else statement_csv(statement)
        out.write_bytes(content)
        self.stdout.write(f"{len(statement.rows)} 行 / rows → {out}")
