"""What a reader may see of the measures, and the one assembly of them that the dashboard,
the drill-downs, the API, the XLSX exports and the creditor's monthly report all use, so
they always show the same numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.aging import BUCKETS
from qingqian.cases.models import Case, DebtType
from qingqian.cases.selectors import aging_report, cases_visible_to
from qingqian.common import bounds
from qingqian.common.exceptions import PermissionDenied, ValidationFailed
from qingqian.contact.models import Disposition
from qingqian.kpis import facts, measures, rollup
from qingqian.kpis.periods import GRAINS, MAX_DAYS, Window, buckets, default_grain, month_add
from qingqian.litigation.models import Outcome as CourtOutcome
from qingqian.parties.models import Party
from qingqian.payments.models import PaymentKind

#: The roles whose people are measured (handlers of cases), as the ``team`` filter.
TEAMS: dict[str, Any] = {
    Role.COLLECTOR.value: gettext_lazy("催收组"),
    Role.LAWYER.value: gettext_lazy("律师组"),
    Role.MEDIATOR.value: gettext_lazy("调解组"),
}

GROUP_LABELS: dict[str, Any] = {
    "creditor": gettext_lazy("债权人"),
    "debt_type": gettext_lazy("债务类型"),
    "aging": gettext_lazy("接案时账龄"),
    "arm": gettext_lazy("策略实验组"),
    "handler": gettext_lazy("承办人"),
}

ARM_LABELS: dict[str, Any] = {
    "champion": gettext_lazy("冠军组（现行策略）"),
    "challenger": gettext_lazy("挑战组（试验策略）"),
    "": gettext_lazy("未进入策略"),
}


def can_see_team(user: User) -> bool:
    """Managers see every person's performance; everyone else only their own."""
    return user.has_perm_code(Perm.KPI_TEAM)


def scope(user: User, *, creditor_id: int | None = None, team: str | None = None) -> QuerySet[Case]:
    """The cases the measures read: what the user may see, narrowed to a creditor or a team
    (the handlers of one role)."""
    if not user.has_perm_code(Perm.KPI_VIEW):
        raise PermissionDenied(
            "无权查看经营指标。", "You may not view the performance figures.", code="forbidden"
        )
    cases = cases_visible_to(user)
    if creditor_id is not None:
        cases = cases.filter(creditor_id=creditor_id)
    if team:
        cases = cases.filter(handler__role=team)
    whole = (
        creditor_id is None
        and not team
        and user.role != Role.CREDITOR
        and user.has_perm_code(Perm.CASE_VIEW_ALL)
        and user.organisation_id is not None
    )
    if whole:
        assert user.organisation_id is not None
        measures.whole_organisation(cases, user.organisation_id)
    spec = _rollup_spec(user, creditor_id=creditor_id, team=team)
    if spec is not None:
        rollup.mark(cases, **spec)
    return cases


def creditor_ids(cases: QuerySet[Case]) -> list[int]:
    """The creditors of ``cases``. For a whole organisation on PostgreSQL, by skipping along
    the index ``(organisation, creditor, …)`` — one descent per creditor instead of a
    ``DISTINCT`` over the whole case book."""
    org = getattr(cases, "kpi_organisation_id", None)
    if org is None or connection.vendor != "postgresql":
        return list(cases.order_by().values_list("creditor_id", flat=True).distinct())
    with connection.cursor() as cur:
        cur.execute(
            "WITH RECURSIVE t(c) AS ("
            "(SELECT creditor_id FROM cases_case WHERE organisation_id = %s "
            "ORDER BY creditor_id LIMIT 1) UNION ALL "
            "SELECT (SELECT creditor_id FROM cases_case WHERE organisation_id = %s "
            "AND creditor_id > t.c ORDER BY creditor_id LIMIT 1) FROM t WHERE t.c IS NOT NULL"
            ") SELECT c FROM t WHERE c IS NOT NULL",
            [org, org],
        )
        return [row[0] for row in cur.fetchall()]


def _rollup_spec(user: User, *, creditor_id: int | None, team: str | None) -> dict[str, Any] | None:
    """The cases of ``scope`` as rollup dimensions (the same rules as
    ``cases_visible_to``), or ``None`` when they cannot be put so."""
    if user.organisation_id is None or not user.has_perm_code(Perm.CASE_VIEW):
        return None
    spec: dict[str, Any] = {"organisation": user.organisation_id}
    if user.role == Role.CREDITOR:
        if user.creditor_id is None:
            return None
        spec["creditor"] = user.creditor_id
    elif not user.has_perm_code(Perm.CASE_VIEW_ALL):
        spec["handler"] = user.pk
    if creditor_id is not None:
        if spec.get("creditor") not in (None, creditor_id):
            return None
        spec["creditor"] = creditor_id
    if team:
        spec["team"] = team
    return spec


def _narrow(cases: QuerySet[Case], part: QuerySet[Case], **extra: Any) -> QuerySet[Case]:
    """``part`` (a filter of ``cases``) keeps the rollup marking of ``cases``, narrowed."""
    spec = rollup.spec_of(cases)
    if spec is None:
        return part
    if "creditor" in extra and spec.get("creditor") not in (None, extra["creditor"]):
        return part
    if "team" in extra and spec.get("team") not in (None, extra["team"]):
        return part
    marked = rollup.mark(part, **(spec | extra))
    if "kpi_built" in cases.__dict__:  # the same organisation's build, looked up once
        marked.__dict__["kpi_built"] = cases.__dict__["kpi_built"]
    return marked


def parse_window(raw_from: str | None, raw_to: str | None, *, today: dt.date) -> Window:
    """``from``/``to`` (ISO dates, inclusive); by default the twelve months to ``to`` (or to
    today; from the first day of the month eleven months back), so that the trends and the cohort
    curves have months to show on the first visit. A 400 with a
    code for a bad date, an inverted range or one longer than ten years."""
    end = _date(raw_to, "to") if raw_to else today
    start = _date(raw_from, "from") if raw_from else month_add(end.replace(day=1), -11)
    if end < start:
        raise ValidationFailed(
            "结束日期不能早于开始日期。",
            "The end date cannot be before the start date.",
            code="invalid_range",
            details={"from": start.isoformat(), "to": end.isoformat()},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            "统计期间不能超过十年。",
            "The period cannot be longer than ten years.",
            code="range_too_long",
            details={"max_days": MAX_DAYS},
        )
    return Window(start, end)


def _date(raw: str, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(
            "日期格式应为 YYYY-MM-DD。",
            "Dates must be written YYYY-MM-DD.",
            code="invalid_date",
            details={"field": field, "value": raw[:40]},
        ) from None
    return bounds.check_date(day, field=field)


def parse_choice(raw: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    if not raw:
        return None
    if raw not in allowed:
        raise ValidationFailed(
            f"{field} 只能是：{'、'.join(allowed)}。",
            f"{field} must be one of: {', '.join(allowed)}.",
            code=f"invalid_{field}",
            details={"field": field, "allowed": list(allowed)},
        )
    return raw


def parse_id(raw: str | None, field: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(
            f"{field} 应为数字编号。",
            f"{field} must be a numeric id.",
            code=f"invalid_{field}",
            details={"field": field},
        )
    return int(raw)


# --------------------------------------------------------------------------- labels


def group_label(group_by: str, key: Any, names: dict[Any, str]) -> str:
    if group_by == "creditor" or group_by == "handler":
        return names.get(key) or (_("未分派") if key is None else str(key))
    if group_by == "debt_type":
        try:
            return str(DebtType(key).label)
        except ValueError:
            return str(key)
    if group_by == "aging":
        for b in BUCKETS:
            if b.key == key:
                return _(b.label_zh)
        return _("无到期日")
    if group_by == "arm":
        return str(ARM_LABELS.get(key, key))
    return str(key)


def _names(group_by: str, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if group_by == "creditor":
        return dict(Party.objects.filter(pk__in=ids).values_list("pk", "name"))
    if group_by == "handler":
        return {u.pk: person_name(u) for u in User.objects.filter(pk__in=ids)}
    return {}


def person_name(user: User) -> str:
    return user.get_full_name() or user.username


def disposition_label(code: str) -> str:
    try:
        return str(Disposition(code).label)
    except ValueError:
        return code


def outcome_label(code: str) -> str:
    if not code:
        return _("未填写")
    try:
        return str(CourtOutcome(code).label)
    except ValueError:
        return code


def kind_label(code: str) -> str:
    try:
        return str(PaymentKind(code).label)
    except ValueError:
        return code


# --------------------------------------------------------------------------- assembly


def recovery_table(cases: QuerySet[Case], window: Window, group_by: str) -> dict[str, Any]:
    out = measures.recovery(cases, window, group_by)
    names = _names(group_by, [r["key"] for r in out["rows"]])
    for r in out["rows"]:
        r["label"] = group_label(group_by, r["key"], names)
    return out


def people_table(user: User, cases: QuerySet[Case], window: Window) -> list[dict[str, Any]]:
    """One row per handler: everyone for a manager, only the reader's own row otherwise
    (and nothing for a creditor's user)."""
    if user.role == Role.CREDITOR:
        return []
    team = can_see_team(user)
    rows = measures.people(cases, window, None if team else [user.pk])
    staff = User.objects.filter(organisation_id=user.organisation_id or 0).filter(pk__in=list(rows))
    if team:
        staff = staff | User.objects.filter(
            organisation_id=user.organisation_id or 0, role__in=list(TEAMS), is_active=True
        )
    out = []
    for person in staff.distinct().order_by("role", "username"):
        r = rows.get(person.pk) or {
            "open": 0,
            "attempts": 0,
            "rpc": 0,
            "incidents": 0,
            "promises": 0,
            "recovered": Decimal("0.00"),
            "cycle": {"n": 0, "median": None, "p75": None, "p90": None},
            "rpc_rate": None,
        }
        out.append(
            r
            | {
                "user_id": person.pk,
                "name": person_name(person),
                "role": str(TEAMS.get(person.role, person.get_role_display())),
            }
        )
    out.sort(key=lambda r: (-r["recovered"], r["name"]))
    return out


def series(cases: QuerySet[Case], window: Window, grain: str) -> list[dict[str, Any]]:
    data = measures.trend(cases, window, grain)
    out = []
    for start in buckets(window, grain):
        row = data.get(start) or {
            "gross": Decimal("0.00"),
            "commission": Decimal("0.00"),
            "attempts": 0,
            "rpc": 0,
            "accepted": 0,
        }
        out.append({"start": start} | row)
    return out


def waterfall(user: User, cases: QuerySet[Case], as_of: dt.date) -> list[dict[str, Any]]:
    """Open receivables by aging bucket as of ``as_of`` (the cumulative steps of the aging
    waterfall); from the same aggregate as the aging page."""
    del cases  # the aging report applies the user's scope itself
    report = aging_report(user, as_of)
    return [
        {
            "key": b.key,
            "label": _(b.label_zh),
            "amount": report["totals"][b.key]["amount"],
            "count": report["totals"][b.key]["count"],
        }
        for b in BUCKETS
    ]


def dashboard(
    user: User,
    window: Window,
    *,
    grain: str | None = None,
    group_by: str = "creditor",
    creditor_id: int | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Every figure of the dashboard for ``user`` over ``window``."""
    cases = scope(user, creditor_id=creditor_id, team=team)
    grain = grain or default_grain(window)
    recovery = recovery_table(cases, window, group_by)
    head = measures.overview(cases, window, recovery_total=recovery["total"])
    contact = head["contact"]
    contact["refusals"] = [
        {"rule": rule, "count": n} for rule, n in contact.pop("refusals_by_rule")
    ]
    contact["dispositions"] = [
        {"code": k, "label": disposition_label(k), "count": v}
        for k, v in sorted(contact.pop("by_disposition").items(), key=lambda kv: -kv[1])
    ]
    head["collections"]["kinds"] = [
        {"code": k, "label": kind_label(k), "amount": v}
        for k, v in sorted(head["collections"].pop("by_kind").items())
    ]
    lit = measures.litigation(cases, window, court=head["collections"]["court"])
    lit["outcomes"] = [
        {"code": k, "label": outcome_label(k), "count": v}
        for k, v in sorted(lit.pop("by_outcome").items(), key=lambda kv: -kv[1])
    ]
    return {
        "window": window,
        "grain": grain,
        "group_by": group_by,
        "creditor_id": creditor_id,
        "team": team,
        "head": head,
        "recovery": recovery,
        "series": series(cases, window, grain),
        "cohorts": measures.cohorts(cases, window),
        "waterfall": waterfall(user, cases, window.end) if creditor_id is None and not team else [],
        "litigation": lit,
        "netting": measures.netting(user.organisation_id, window)
        if user.role != Role.CREDITOR
        else None,
        "mediation": measures.mediation(cases, window),
        "people": people_table(user, cases, window),
        "team_view": can_see_team(user),
    }


def drill(
    user: User,
    window: Window,
    *,
    by: str,
    grain: str | None = None,
    creditor_id: int | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """The drill-down rows: per period bucket (``by="period"``), per creditor or per team;
    each row carries collections, the cohort's recovery and contact for its slice."""
    cases = scope(user, creditor_id=creditor_id, team=team)
    rollup.built_through(cases)  # looked up once, handed to every slice
    rows: list[dict[str, Any]] = []
    grain = grain or default_grain(window)
    if by == "period":
        if facts.usable(cases, window):  # the window's cohort once; each bucket is a part
            facts.cohort_rows(cases, window)
        for start in buckets(window, grain):
            from qingqian.kpis.periods import next_start

            end = min(next_start(start, grain) - dt.timedelta(days=1), window.end)
            part = Window(max(start, window.start), end)
            rows.append(_slice(cases, part, label=_period_label(start, grain), key=start))
    elif by == "creditor":
        ids = creditor_ids(cases)
        names = dict(Party.objects.filter(pk__in=ids).values_list("pk", "name"))
        for pk in sorted(ids, key=lambda i: names.get(i, "")):
            sub = _narrow(cases, cases.filter(creditor_id=pk), creditor=pk)
            if rollup.spec_of(sub) is not None:
                facts.slice_of(cases, sub, partial(_has, "creditor_id", {pk}))
            rows.append(_slice(sub, window, label=names.get(pk, ""), key=pk))
    elif by == "team":
        for role, label in TEAMS.items():
            sub = _narrow(cases, cases.filter(handler__role=role), team=role)
            if rollup.spec_of(sub) is not None:
                members = set(User.objects.filter(role=role).values_list("pk", flat=True))
                facts.slice_of(cases, sub, partial(_has, "handler_id", members))
            rows.append(_slice(sub, window, label=str(label), key=role))
        sub = _narrow(cases, cases.filter(handler__isnull=True), unassigned=True)
        if rollup.spec_of(sub) is not None:
            facts.slice_of(cases, sub, lambda r: r["handler_id"] is None)
        rows.append(_slice(sub, window, label=_("未分派"), key=""))
    else:  # pragma: no cover - parsed before
        raise ValueError(by)
    return {"window": window, "grain": grain, "by": by, "rows": rows}


def _has(field: str, values: set[Any], row: dict[str, Any]) -> bool:
    """A cohort row's ``field`` is one of ``values`` (a drill slice's filter on its rows)."""
    return row[field] in values


def _slice(cases: QuerySet[Case], window: Window, *, label: str, key: Any) -> dict[str, Any]:
    col = measures.collections(cases, window)
    rec = measures.recovery(cases, window)["total"]
    con = measures.contact(cases, window)
    return {
        "key": key,
        "label": label,
        "gross": col["gross"],
        "commission": col["commission"],
        "net": col["net"],
        "payments": col["payments"],
        "accepted": rec["cases"],
        "principal": rec["principal"],
        "recovered": rec["recovered"],
        "rate_gross": rec["rate_gross"],
        "rate_net": rec["rate_net"],
        "attempts": con["attempts"],
        "rpc_rate": con["rpc_rate"],
        "promises": con["promises"],
    }


def _period_label(start: dt.date, grain: str) -> str:
    if grain == "day":
        return _("%(m)s月%(d)s日") % {"m": start.month, "d": start.day}
    if grain == "week":
        return _("%(y)s年%(m)s月%(d)s日当周") % {"y": start.year, "m": start.month, "d": start.day}
    if grain == "month":
        return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}
    return _("%(y)s年第%(q)s季度") % {"y": start.year, "q": (start.month - 1) // 3 + 1}


__all__ = ["GRAINS"]
