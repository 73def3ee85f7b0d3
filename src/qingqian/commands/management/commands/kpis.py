"""``qingqian kpis [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--organisation CODE] [--json]``:
the headline measures of one organisation over a window (default: everything up to today),
beside the figures the seed reports (``docs/kpis.md``).

``qingqian kpis --rebuild-rollup [--through YYYY-MM-DD] [--organisation CODE]`` re-derives
the daily rollup (``kpis.rollup``) from the records, e.g. after a bulk load by SQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case
from qingqian.commands.base import SystemCommand
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.evidence.selectors import evidence_standard_share
from qingqian.kpis import measures, rollup
from qingqian.kpis.periods import plain
from qingqian.kpis.selectors import parse_window

#: The seed's figures (PRODUCT.md) and the measure each is compared with.
SEED = (
    ("effective contact rate", "67%", "contact.rpc_rate"),
    ("recovery cycle (days)", "22", "cycle.settled.median"),
    ("litigation evidence standard", "98%", "evidence_standard.share_percent"),
    ("chain debts cleared in cycles", "41%", "netting.share"),
    ("installment default rate", "2.3%", "plans.default_rate"),
    ("mediation agreement rate", "81%", "mediation.agreement_rate"),
)


def _through(raw: str | None) -> dt.date:
    if not raw:
        return clock.today() - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError("日期格式应为 YYYY-MM-DD。/ Dates must be YYYY-MM-DD.") from None


def _dig(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class Command(SystemCommand):
    help = "Print the headline performance figures (经营指标) beside the seed's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="first day (default 2018-01-01)")
        parser.add_argument("--to", dest="end", help="last day (default today)")
        parser.add_argument("--organisation", help="short code (default: the first)")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--rebuild-rollup",
            action="store_true",
            help="re-derive the daily rollup of every (or --organisation's) organisation",
        )
        parser.add_argument("--through", help="last day of the rollup (default yesterday)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["rebuild_rollup"]:
            self._rebuild(opts)
            return
        try:
            window = parse_window(opts["start"] or "2018-01-01", opts["end"], today=clock.today())
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_for('zh')} / {exc.message_for('en')}") from None
        orgs = Organisation.objects.order_by("pk")
        org = (
            orgs.filter(short_code=opts["organisation"]).first()
            if opts["organisation"]
            else orgs.first()
        )
        if org is None:
            raise CommandError("没有该机构。/ No such organisation.")
        cases = measures.whole_organisation(Case.objects.filter(organisation=org), org.pk)
        admin = User.objects.filter(organisation=org, role="admin", is_active=True).first()
        out: dict[str, Any] = {
            "organisation": org.short_code,
            "window": window,
            "collections": measures.collections(cases, window),
            "recovery": measures.recovery(cases, window)["total"],
            "cycle": measures.cycle_times(cases, window),
            "contact": measures.contact(cases, window),
            "promises": measures.promises(cases, window),
            "plans": measures.plans(cases, window),
            "sla": measures.feasibility_sla(cases, window),
            "litigation": measures.litigation(cases, window),
            "netting": measures.netting(org.pk, window),
            "mediation": measures.mediation(cases, window),
            "evidence_standard": evidence_standard_share(admin) if admin else None,
        }
        out["contact"].pop("by_disposition")
        out["seed"] = [
            {"figure": name, "seed": seed, "measured": _dig(out, path)} for name, seed, path in SEED
        ]
        data = plain(out)
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
            return
        for row in data["seed"]:
            measured = "—" if row["measured"] is None else row["measured"]
            self.stdout.write(f"{row['figure']}: seed {row['seed']}, measured {measured}")

    def _rebuild(self, opts: dict[str, Any]) -> None:
        through = _through(opts["through"])
        orgs = Organisation.objects.order_by("pk")
        if opts["organisation"]:
            orgs = orgs.filter(short_code=opts["organisation"])
            if not orgs.exists():
                raise CommandError("没有该机构。/ No such organisation.")
        for org in orgs:
            result = rollup.build(org.pk, through=through, rebuild=True)
            self.stdout.write(
                f"{org.short_code}: {result['from']} → {result['through']}, {result['rows']} rows, "
                f"{result['facts']} case facts"
            )
