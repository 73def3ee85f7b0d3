"""The feasibility report as a PDF: the page's content rendered by WeasyPrint (Pango finds
Debian's Noto CJK fonts through fontconfig and embeds the subset used)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from qingqian.reports.models import FeasibilityReport
from qingqian.reports.present import decision_label, view_model


def report_html(report: FeasibilityReport, *, en: bool) -> str:
    with translation.override("en" if en else "zh-hans"):
        return render_to_string(
            "reports/pdf.html",
            {
                "report": report,
                "vm": view_model(report.data, en=en),
                "decision": decision_label(report.decision, en=en),
            },
        )


def report_pdf(report: FeasibilityReport, *, en: bool = False) -> bytes:
    """The PDF bytes (deterministic for the same report and language)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    pdf: bytes = HTML(string=report_html(report, en=en)).write_pdf()
    return pdf
