"""The monthly creditor report (债权人月度报告): the month's figures for one creditor's
cases, with charts, as a Chinese PDF; made by ``qingqian daily`` on the 1st for the month
before (and on demand), kept once per creditor and month, and shown to the creditor's
users on their reports page."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from qingqian.accounts.models import Organisation, User
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed
from qingqian.kpis import measures, svg
from qingqian.kpis.models import CreditorReport
from qingqian.kpis.periods import Window, buckets, month_add, plain
from qingqian.parties.models import Party


def month_window(period: str) -> Window:
    """``"2026-10"`` → the window of October 2026; a 400 with a code otherwise."""
    try:
        year, month = (int(x) for x in period.split("-"))
        start = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationFailed(
            "月份格式应为 YYYY-MM。",
            "The month must be written YYYY-MM.",
            code="invalid_period",
            details={"period": str(period)[:20]},
        ) from None
    return Window(start, month_add(start, 1) - dt.timedelta(days=1))


def report_figures(cases: Any, window: Window) -> dict[str, Any]:
    """Everything the report shows, from the same measures as the dashboard."""
    trend = measures.trend(cases, window, "week")
    weeks = buckets(window, "week")
    return {
        "collections": measures.collections(cases, window),
        "recovery": measures.recovery(cases, window, "debt_type"),
        "contact": measures.contact(cases, window),
        "promises": measures.promises(cases, window),
        "plans": measures.plans(cases, window),
        "cycle": measures.cycle_times(cases, window),
        "litigation": measures.litigation(cases, window),
        "cohorts": measures.cohorts(cases, window, months=6),
        "weeks": [{"start": w, "gross": (trend.get(w) or {}).get("gross", 0)} for w in weeks],
        "open": cases.exclude(state="closed").count(),
        "outstanding": sum(cases.exclude(state="closed").values_list("outstanding", flat=True)),
    }


def report_html(creditor: Party, window: Window, figures: dict[str, Any]) -> str:
    with translation.override("zh-hans"):
        chart = svg.bars(
            "每周回款",
            [f"{w['start'].month}月{w['start'].day}日" for w in figures["weeks"]],
            [svg.Series("回款", [float(w["gross"]) for w in figures["weeks"]])],
        )
        cohort_chart = ""
        if figures["cohorts"]:
            width = max(len(c["curve"]) for c in figures["cohorts"])
            cohort_chart = svg.lines(
                "按接案月份的回收曲线",
                [f"第{i}月" for i in range(width)],
                [
                    svg.Series(
                        f"{c['month'].year}年{c['month'].month}月",
                        [float(v) if v is not None else None for v in c["curve"]],
                    )
                    for c in figures["cohorts"]
                ],
                unit="%",
            )
        return render_to_string(
            "kpis/creditor_report_pdf.html",
            {
                "creditor": creditor,
                "window": window,
                "f": figures,
                "chart": chart,
                "cohort_chart": cohort_chart,
            },
        )


def report_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def creditor_report_generate(
    *, organisation: Organisation, creditor: Party, period: str, actor: User | None = None
) -> tuple[CreditorReport, bool]:
    """The report of ``creditor`` for ``period``: made once (idempotent; the stored report
    is returned again). Audited."""
    window = month_window(period)
    existing = CreditorReport.objects.filter(
        organisation=organisation, creditor=creditor, period=period
    ).first()
    if existing is not None:
        return existing, False
    cases = Case.objects.filter(organisation=organisation, creditor=creditor)
    figures = report_figures(cases, window)
    pdf = report_pdf(report_html(creditor, window, figures))
    try:
        with transaction.atomic():
            report = CreditorReport.objects.create(
                organisation=organisation,
                creditor=creditor,
                period=period,
                generated_at=clock.now(),
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                figures=plain(
                    {
                        "collections": figures["collections"],
                        "recovery": figures["recovery"]["total"],
                        "contact": {
                            k: v
                            for k, v in figures["contact"].items()
                            if k not in ("by_disposition", "refusals_by_rule")
                        },
                    }
                ),
            )
            audit_record(
                actor=actor,
                organisation=organisation,
                action="kpis.creditor_report",
                obj=report,
                after={"period": period, "sha256": report.sha256},
            )
    except IntegrityError:
        return CreditorReport.objects.get(
            organisation=organisation, creditor=creditor, period=period
        ), False
    return report, True


def creditor_reports_monthly(*, today: dt.date) -> dict[str, int]:
    """On any day, the reports of the month before for every organisation's creditors with
    cases (already made ones are kept). ``qingqian daily`` calls it on the 1st."""
    period = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    made: dict[str, int] = {}
    for org in Organisation.objects.order_by("pk"):
        creditor_ids = (
            Case.objects.filter(organisation=org).order_by().values_list("creditor_id", flat=True)
        )
        count = 0
        for creditor in Party.objects.filter(pk__in=creditor_ids.distinct()).order_by("pk"):
            _, created = creditor_report_generate(
                organisation=org, creditor=creditor, period=period
            )
            count += created
        made[org.short_code] = count
    return made
