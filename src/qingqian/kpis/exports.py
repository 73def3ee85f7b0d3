"""Every table of the dashboard and the drill-downs as XLSX. Money is written as numbers
with two decimals (number format ``#,##0.00``), rates as numbers with the unit in the
header; text cells that look like formulas are stored as text
(``common.spreadsheet.xlsx_append``)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from qingqian.accounts.models import User
from qingqian.common.spreadsheet import xlsx_append
from qingqian.contact.templatetags.contact_tags import rule_words
from qingqian.kpis import selectors
from qingqian.kpis.periods import Window


def _recovery(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = [
        str(selectors.GROUP_LABELS[d["group_by"]]),
        _("接案数"),
        _("本金"),
        _("回款（毛额）"),
        _("佣金"),
        _("回款（净额）"),
        _("有回款案件"),
        _("金额回收率（毛，%）"),
        _("金额回收率（净，%）"),
        _("案件回收率（%）"),
    ]
    rows = [
        [
            r["label"],
            r["cases"],
            r["principal"],
            r["recovered"],
            r["commission"],
            r["net"],
            r["cases_recovered"],
            r["rate_gross"],
            r["rate_net"],
            r["rate_cases"],
        ]
        for r in d["recovery"]["rows"]
    ]
    return head, rows


def _people(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = [
        _("姓名"),
        _("团队"),
        _("在办案件"),
        _("联系次数"),
        _("本人接通率（%）"),
        _("承诺"),
        _("回款"),
        _("接案至首笔回款中位数（天）"),
        _("合规拦截"),
    ]
    rows = [
        [
            r["name"],
            r["role"],
            r["open"],
            r["attempts"],
            r["rpc_rate"],
            r["promises"],
            r["recovered"],
            r["cycle"]["median"],
            r["incidents"],
        ]
        for r in d["people"]
    ]
    return head, rows


def _series(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = [_("期间起"), _("回款（毛额）"), _("佣金"), _("联系次数"), _("本人接通"), _("新接案件")]
    rows = [
        [r["start"], r["gross"], r["commission"], r["attempts"], r["rpc"], r["accepted"]]
        for r in d["series"]
    ]
    return head, rows


def _cohorts(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    width = max((len(c["curve"]) for c in d["cohorts"]), default=0)
    head = [_("接案月份"), _("案件数"), _("本金"), _("累计回款")] + [
        _("第%(n)s月（%%）") % {"n": i} for i in range(width)
    ]
    rows = [
        [c["month"], c["cases"], c["principal"], c["recovered"], *c["curve"]] for c in d["cohorts"]
    ]
    return head, rows


def _refusals(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return [_("拦截规则"), _("说明"), _("次数")], [
        [r["rule"], rule_words(r["rule"]), r["count"]] for r in d["head"]["contact"]["refusals"]
    ]


def _cycle(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = [_("节点"), _("案件"), _("中位数"), "P75", "P90"]
    names = {"first_payment": _("首笔回款"), "settled": _("全额回收或和解"), "closed": _("结案")}
    rows = [
        [names[k], v["n"], v["median"], v["p75"], v["p90"]] for k, v in d["head"]["cycle"].items()
    ]
    return head, rows


def _dispositions(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return [_("通话结果"), _("次数")], [
        [r["label"], r["count"]] for r in d["head"]["contact"]["dispositions"]
    ]


def _outcomes(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    return [_("结果"), _("次数")], [[r["label"], r["count"]] for r in d["litigation"]["outcomes"]]


def _drill(d: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = [
        _("分组"),
        _("回款（毛额）"),
        _("佣金"),
        _("回款（净额）"),
        _("收款笔数"),
        _("接案数"),
        _("接案本金"),
        _("接案回款"),
        _("金额回收率（毛，%）"),
        _("金额回收率（净，%）"),
        _("联系次数"),
        _("本人接通率（%）"),
        _("承诺"),
    ]
    rows = [
        [
            r["label"],
            r["gross"],
            r["commission"],
            r["net"],
            r["payments"],
            r["accepted"],
            r["principal"],
            r["recovered"],
            r["rate_gross"],
            r["rate_net"],
            r["attempts"],
            r["rpc_rate"],
            r["promises"],
        ]
        for r in d["rows"]
    ]
    return head, rows


_DASH: dict[str, Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]] = {
    "recovery": _recovery,
    "people": _people,
    "series": _series,
    "cohorts": _cohorts,
    "refusals": _refusals,
    "cycle": _cycle,
    "dispositions": _dispositions,
    "outcomes": _outcomes,
}
TABLES = (*_DASH, "drill-period", "drill-creditor", "drill-team")


def workbook(title: str, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    xlsx_append(ws, list(head))
    for row in rows:
        xlsx_append(ws, [float(v) if isinstance(v, Decimal) else v for v in row])
        for cell, value in zip(ws[ws.max_row], row, strict=False):
            if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
                cell.number_format = "#,##0.00"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx(
    user: User,
    table: str,
    *,
    window: Window,
    grain: str | None,
    creditor_id: int | None,
    team: str | None,
    group_by: str,
) -> bytes:
    if table.startswith("drill-"):
        by = table.removeprefix("drill-")
        d = selectors.drill(user, window, by=by, grain=grain, creditor_id=creditor_id, team=team)
        head, rows = _drill(d)
    else:
        d = selectors.dashboard(
            user, window, grain=grain, group_by=group_by, creditor_id=creditor_id, team=team
        )
        head, rows = _DASH[table](d)
    return workbook(table, head, rows)
