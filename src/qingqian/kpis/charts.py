"""The dashboard's charts: the assembled figures turned into server-drawn SVG with labels in
the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from qingqian.kpis import svg


def grain_labels() -> dict[str, str]:
    return {"day": _("按日"), "week": _("按周"), "month": _("按月"), "quarter": _("按季度")}


def drill_labels() -> dict[str, str]:
    return {"period": _("按期间"), "creditor": _("按债权人"), "team": _("按团队")}


def short_date(day: dt.date, grain: str) -> str:
    if grain == "month":
        return _("%(y)s年%(m)s月") % {"y": day.year % 100, "m": day.month}
    if grain == "quarter":
        return _("%(y)s年Q%(q)s") % {"y": day.year % 100, "q": (day.month - 1) // 3 + 1}
    return _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}


def _safe(text: str) -> SafeString:
    return mark_safe(text)  # noqa: S308 - kpis.svg escapes every text it writes


def dashboard_charts(d: dict[str, Any]) -> dict[str, SafeString]:
    grain = d["grain"]
    labels = [short_date(r["start"], grain) for r in d["series"]]
    out: dict[str, SafeString] = {}
    out["collected"] = _safe(
        svg.bars(
            _("回款趋势"),
            labels,
            [
                svg.Series(_("回款（毛额）"), [float(r["gross"]) for r in d["series"]]),
                svg.Series(
                    _("扣除佣金后"), [float(r["gross"] - r["commission"]) for r in d["series"]]
                ),
            ],
            unit="",
        )
    )
    out["contact"] = _safe(
        svg.lines(
            _("联系趋势"),
            labels,
            [
                svg.Series(_("联系次数"), [r["attempts"] for r in d["series"]]),
                svg.Series(_("本人接通"), [r["rpc"] for r in d["series"]]),
                svg.Series(_("新接案件"), [r["accepted"] for r in d["series"]]),
            ],
        )
    )
    f = d["head"]["funnel"]
    out["funnel"] = _safe(
        svg.funnel(
            _("联系→承诺→回款"),
            [(_("已联系"), f["contacted"]), (_("已承诺"), f["promised"]), (_("已回款"), f["paid"])],
        )
    )
    cohorts = d["cohorts"][-8:]  # the latest eight: more lines than that cannot be told apart
    if cohorts:
        width = max(len(c["curve"]) for c in cohorts)
        out["cohorts"] = _safe(
            svg.lines(
                _("按接案月份的回收曲线"),
                [_("第%(n)s月") % {"n": i} for i in range(width)],
                [
                    svg.Series(
                        short_date(c["month"], "month"),
                        [float(v) if v is not None else None for v in c["curve"]],
                    )
                    for c in cohorts
                ],
                unit="%",
            )
        )
    if d["waterfall"]:
        out["waterfall"] = _safe(
            svg.waterfall(
                _("账龄瀑布（未收余额）"),
                [(w["label"], float(w["amount"])) for w in d["waterfall"]],
                _("合计"),
            )
        )
    return out


def drill_chart(d: dict[str, Any]) -> SafeString:
    return _safe(
        svg.bars(
            _("回款"),
            [str(r["label"])[:10] for r in d["rows"]],
            [
                svg.Series(_("回款（毛额）"), [float(r["gross"]) for r in d["rows"]]),
                svg.Series(_("扣除佣金后"), [float(r["net"]) for r in d["rows"]]),
            ],
        )
    )
