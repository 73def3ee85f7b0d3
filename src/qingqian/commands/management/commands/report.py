"""``qingqian report feasibility CASE_ID [--out REPORT.pdf] [--json] [--regenerate]`` and
``qingqian report sweep`` (generate every report due; run it every few minutes).

Uses the case's latest report when its inputs are unchanged today, else generates a new
version (as the system, like the automatic generation at intake completion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.cases.models import Case
from qingqian.commands.base import SystemCommand
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.reports.models import FeasibilityReport
from qingqian.reports.pdf import report_pdf
from qingqian.reports.selectors import case_facts, inputs_digest
from qingqian.reports.services import (
    feasibility_report_generate,
    feasibility_report_pdf_record,
    feasibility_reports_sweep,
)

FIGURES = (
    "as_of",
    "evidence_strength",
    "missing_evidence",
    "limitation_deadline",
    "probability",
    "recommended_route",
    "expected_gross_recovery",
    "expected_net_recovery",
)


class Command(SystemCommand):
    help = "Reports: the feasibility report (可行性报告) of a case, as PDF and/or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        feas = sub.add_parser("feasibility", help="The case's feasibility report.")
        feas.add_argument("case_id", type=int)
        feas.add_argument("--out", help="write the PDF here")
        feas.add_argument("--json", action="store_true", help="print the figures as JSON")
        feas.add_argument("--regenerate", action="store_true", help="always make a new version")
        feas.add_argument("--lang", choices=("zh", "en"), default="zh")
        sweep = sub.add_parser("sweep", help="Generate every feasibility report that is due.")
        sweep.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["report"] == "sweep":
            made = feasibility_reports_sweep()
            refs = [f"{r.case.reference} v{r.version}" for r in made]
            if opts["json"]:
                self.stdout.write(json.dumps({"generated": refs}, ensure_ascii=False))
            else:
                self.stdout.write(f"{len(made)}: {', '.join(refs)}")
            return
        case = Case.objects.select_related("creditor").filter(pk=opts["case_id"]).first()
        if case is None:
            raise CommandError(
                f"案件不存在：{opts['case_id']} / No case with id {opts['case_id']}",
                returncode=2,
            )
        try:
            report = self._report(case, regenerate=opts["regenerate"])
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        pdf_sha = None
        if opts.get("out"):
            pdf = report_pdf(report, en=opts["lang"] == "en")
            Path(opts["out"]).write_bytes(pdf)
            pdf_sha = feasibility_report_pdf_record(report=report, pdf=pdf)
        data = report.data
        if opts["json"]:
            out: dict[str, Any] = {
                "case_id": case.pk,
                "reference": case.reference,
                "version": report.version,
                "inputs_digest": report.inputs_digest,
                "decision": report.decision,
            }
            out |= {k: data.get(k) for k in FIGURES}
            out["routes"] = {
                r["route"]: {
                    "open": r["open"],
                    "court_fees": r["court_fees"],
                    "expected_days": r["expected_days"],
                    "expected_net_recovery": r["expected_net_recovery"],
                }
                for r in data.get("routes", [])
            }
            out["to_provide"] = [n["code"] for n in data.get("to_provide", [])]
            out["missing_inputs"] = [n["code"] for n in data.get("missing_inputs", [])]
            out["pdf"] = opts.get("out")
            out["pdf_sha256"] = pdf_sha
            self.stdout.write(json.dumps(out, ensure_ascii=False, sort_keys=True))
        else:
            self.stdout.write(
                f"{case.reference} v{report.version}: "
                f"{data.get('recommended_route')} / {data.get('expected_net_recovery')}"
                + (f" → {opts['out']}" if opts.get("out") else "")
            )

    def _report(self, case: Case, *, regenerate: bool) -> FeasibilityReport:
        latest = FeasibilityReport.objects.filter(case=case).order_by("-version").first()
        if latest is not None and not regenerate:
            today = clock.today()
            facts, context = case_facts(case, today=today)
            if inputs_digest(facts, context, today) == latest.inputs_digest:
                return latest
        return feasibility_report_generate(case=case, actor=None)
