"""``qingqian daily [--today YYYY-MM-DD] [--json]``: the day's scheduled work, in order.

Run it once a day after midnight (Asia/Shanghai), e.g. from cron
``10 0 * * * cd /srv/qingqian && .venv/bin/qingqian daily --json``. Every step is idempotent,
so running it twice, or after a missed day, does no harm:

1. promises kept or broken, plan breaches and their agreed consequences, expired offers;
2. strategy steps whose day has come (through the contact gate);
3. feasibility reports due (cases in evidence review without one);
4. the debt radar: every organisation's open cases re-scored as at today, then the live
   learned model monitored (PSI of score and features, calibration on arrived outcomes);
5. on the 1st of the month, every organisation's remittance batches for the month before;
6. the day's contact plan per organisation, as totals (a forecast: nothing is recorded; see
   ``qingqian contact plan`` for the slots);
7. ``qingqian ledger verify``: the log and the rows it covers are re-checked; a failure is
   reported (first bad index) and makes the command exit 1 after the day's work is done.
8. uploaded ledger files past their retention period are deleted.
9. on the 1st of the month, every creditor's monthly report (PDF) for the month before,
   delivered to the creditor's reports page (``kpis.reports``).
10. follow-up levels that fell due today (``strategy.dunning_services.followups_run``, queued
   for 09:00 when the task backend can defer: the gate's quiet hours last till 08:00).
11. regulatory records: the liability insurance, licences and collectors' certificates that
   have expired or expire within 60 days, per organisation (also on the compliance dashboard).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import Organisation
from qingqian.cases.imports import import_files_purge
from qingqian.cases.retention import privacy_purge
from qingqian.commands.base import SystemCommand
from qingqian.common import clock
from qingqian.compliance.selectors import expiry_warnings
from qingqian.desk.dayplan import day_plan
from qingqian.kpis import rollup as kpi_rollup
from qingqian.kpis.reports import creditor_reports_monthly
from qingqian.ledger.integrity import ledger_verify
from qingqian.negotiation.services import negotiation_daily
from qingqian.payments.remittance import remittance_run
from qingqian.reports.services import feasibility_reports_sweep
from qingqian.scoring.services import monitor_current_model, rescore_organisation
from qingqian.strategy.services import strategy_step_execute, strategy_steps_due
from qingqian.strategy.tasks import followups_enqueue


def _plan_totals(organisation: Organisation, day: dt.date) -> dict[str, Any]:
    totals = day_plan(organisation, day).as_dict()["totals"]
    return {k: totals[k] for k in ("planned", "per_channel", "left_out", "left_out_by_category")}


class Command(SystemCommand):
    help = "Run the day's scheduled work (每日任务): plans, strategy, reports, scores, remittance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the business day (default: today in Asia/Shanghai)")
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            today = dt.date.fromisoformat(opts["today"]) if opts["today"] else clock.today()
        except ValueError:
            raise CommandError(
                f"日期格式应为 YYYY-MM-DD：{opts['today']} / The date must be YYYY-MM-DD",
                returncode=2,
            ) from None
        out: dict[str, Any] = {"today": today.isoformat()}
        out["negotiation"] = negotiation_daily(today=today)
        due = strategy_steps_due()
        out["strategy_steps"] = {
            "run": len(due),
            "states": [str(strategy_step_execute(step_id=i).state) for i in due],
        }
        if today == clock.today():  # sent now or at 09:00: never for a day gone by
            followups_enqueue(today)
            out["followups"] = "queued"
        out["feasibility_reports"] = len(feasibility_reports_sweep())
        organisations = list(Organisation.objects.order_by("pk"))
        out["scores"] = {o.short_code: rescore_organisation(o.pk, at=today) for o in organisations}
        monitor = monitor_current_model(today=today)
        out["model_monitoring"] = (
            None
            if monitor is None
            else {"model": monitor.model.version, "alerts": len(monitor.alerts)}
        )
        if today.day == 1:
            period = (today - dt.timedelta(days=1)).strftime("%Y-%m")
            out["remittance"] = {
                "period": period,
                "batches": {
                    o.short_code: len(
                        remittance_run(
                            organisation=o, period=period, basis="net", actor=None, today=today
                        )
                    )
                    for o in organisations
                },
            }
        if today >= clock.today():
            out["contact_plan"] = {o.short_code: _plan_totals(o, today) for o in organisations}
        integrity = ledger_verify()
        out["ledger_verify"] = {
            "ok": integrity.ok,
            "size": integrity.size,
            "first_bad_index": integrity.first_bad_index,
            "problem_count": len(integrity.problems),
        }
        out["import_files_purged"] = import_files_purge()
        out["kpi_rollup"] = {  # h20b: the daily rollup of the performance figures
            o.short_code: kpi_rollup.build(o.pk, through=today - dt.timedelta(days=1))
            for o in organisations
        }
        if today.day == 1:  # h20: monthly creditor reports
            out["creditor_reports"] = creditor_reports_monthly(today=today)
        out["privacy_anonymised"] = privacy_purge(today=today).as_dict()["anonymised"]  # h15b
        out["expiry_warnings"] = {
            o.short_code: [
                {
                    "what": w.what_en,
                    "holder": w.holder,
                    "number": w.number,
                    "valid_until": w.valid_until.isoformat() if w.valid_until else None,
                    "days_left": w.days_left,
                }
                for w in expiry_warnings(o, today)
            ]
            for o in organisations
        }
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, default=str))
        else:
            for key, value in out.items():
                self.stdout.write(f"{key}: {value}")
            for code, warnings in out["expiry_warnings"].items():
                for w in warnings:
                    self.stderr.write(
                        f"提醒 / warning [{code}] {w['what']}: {w['holder']} {w['number']} "
                        f"{w['valid_until'] or '—'}"
                    )
        if not integrity.ok:
            raise CommandError(
                f"日志校验失败：第一个有问题的序号 {integrity.first_bad_index} / The log failed "
                f"verification: first bad index {integrity.first_bad_index}",
                returncode=1,
            )
