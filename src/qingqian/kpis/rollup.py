"""The daily rollup of the period measures (``docs/kpis.md``, "Daily rollup").

For every organisation, business day (Asia/Shanghai), creditor and handler of the case, one
:class:`~qingqian.kpis.models.DayFigure` row per metric and key: payments received by kind
(count, Σ amount, Σ commission), contact attempts allowed by disposition, refused by rule,
and promises made. Collections, contact and the trend buckets of a window then add up a few
hundred rows instead of reading tens of thousands of payments and attempts.

Freshness: the days up to ``RollupState.built_through`` (yesterday, set by
``qingqian daily``) are read from the rollup; later days — today — are read from the
records, so today's figures are always current. A write through the ORM that lands on an
already built day (a back-dated payment or attempt, a promise, a case moved to another
handler or creditor) re-derives that day's rows when its transaction commits
(``kpis.signals``). Writes that bypass the ORM are caught by the daily job, which
re-derives the last ``REDERIVE_DAYS`` days, and by ``qingqian kpis --rebuild-rollup``.

Every read answers exactly what the direct SQL path (``kpis.measures``) answers
(property-tested in ``tests/kpis/test_rollup.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncDate

from qingqian.common import clock
from qingqian.contact.models import ContactAttempt
from qingqian.kpis.models import DayFigure, RollupState
from qingqian.kpis.periods import BUSINESS_TZ, Window
from qingqian.negotiation.models import Promise
from qingqian.payments.models import Payment

#: Days before yesterday that ``qingqian daily`` re-derives (writes that bypass the ORM).
REDERIVE_DAYS = 7

ZERO = Decimal("0.00")

M = TypeVar("M", bound=models.Model)


# --------------------------------------------------------------------------- scope


def mark(cases: QuerySet[Any], **spec: Any) -> QuerySet[Any]:
    """Mark ``cases`` as the cases of ``spec`` — ``organisation`` and at most: ``creditor``
    (id), ``handler`` (id), ``team`` (the handler's role) or ``unassigned`` (True) — so the
    period measures may read the rollup for them."""
    cases.kpi_rollup = spec  # type: ignore[attr-defined]
    cases.__dict__.pop("kpi_built", None)
    cases.__dict__.pop("kpi_cohort_memo", None)
    return cases


def spec_of(cases: QuerySet[Any]) -> dict[str, Any] | None:
    spec: dict[str, Any] | None = getattr(cases, "kpi_rollup", None)
    return spec


def split(cases: QuerySet[Any], window: Window) -> tuple[Window | None, Window | None]:
    """``window`` cut into the part read from the rollup and the part read from the records
    (either may be ``None``); all of it from the records when ``cases`` are not marked."""
    built = built_through(cases)
    if built is None or built < window.start:
        return None, window
    if built >= window.end:
        return window, None
    return Window(window.start, built), Window(built + dt.timedelta(days=1), window.end)


def built_through(cases: QuerySet[Any]) -> dt.date | None:
    """The last day built of the marked ``cases``' organisation (``None``: not marked, or
    never built); looked up once per query set, that is once per request."""
    spec = spec_of(cases)
    if spec is None:
        return None
    if "kpi_built" not in cases.__dict__:
        cases.__dict__["kpi_built"] = (
            RollupState.objects.filter(organisation_id=spec["organisation"])
            .values_list("built_through", flat=True)
            .first()
        )
    built: dt.date | None = cases.__dict__["kpi_built"]
    return built


def figures(cases: QuerySet[Any], window: Window) -> QuerySet[DayFigure]:
    spec = spec_of(cases)
    assert spec is not None
    qs = DayFigure.objects.filter(
        organisation_id=spec["organisation"], day__gte=window.start, day__lte=window.end
    )
    return scoped(qs, spec).order_by()


def scoped(qs: QuerySet[M], spec: dict[str, Any]) -> QuerySet[M]:
    """Rows with ``creditor`` and ``handler`` dimensions (the rollup's days, the funnel's
    months) kept to a marked scope: one creditor, one handler, a team, the unassigned."""
    if spec.get("creditor") is not None:
        qs = qs.filter(creditor_id=spec["creditor"])
    if spec.get("handler") is not None:
        qs = qs.filter(handler_id=spec["handler"])
    if spec.get("team"):
        qs = qs.filter(handler__role=spec["team"])
    if spec.get("unassigned"):
        qs = qs.filter(handler__isnull=True)
    return qs


# --------------------------------------------------------------------------- building


def _ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] + dt.timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def refresh(organisation_id: int, days: Iterable[dt.date]) -> int:
    """Re-derive the rows of ``days`` from the records; returns the rows written."""
    written = 0
    with transaction.atomic():
        for first, last in _ranges(days):
            written += _derive(organisation_id, Window(first, last))
    return written


def _derive(organisation_id: int, window: Window) -> int:
    DayFigure.objects.filter(
        organisation_id=organisation_id, day__gte=window.start, day__lte=window.end
    ).delete()
    rows: list[DayFigure] = []

    def add(r: dict[str, Any], metric: str, key: str) -> None:
        rows.append(
            DayFigure(
                organisation_id=organisation_id,
                day=r["d"],
                creditor_id=r["case__creditor_id"],
                handler_id=r["case__handler_id"],
                metric=metric,
                key=key or "",
                n=r["n"],
                amount=r.get("amount") or ZERO,
                commission=r.get("commission") or ZERO,
            )
        )

    dims = ("d", "case__creditor_id", "case__handler_id")
    pay = (
        Payment.objects.filter(
            organisation_id=organisation_id, received_at__gte=window.lo, received_at__lt=window.hi
        )
        .annotate(d=TruncDate("received_at", tzinfo=BUSINESS_TZ))
        .order_by()
        .values(*dims, "kind")
        .annotate(n=Count("pk"), amount=Sum("amount"), commission=Sum("commission"))
    )
    for r in pay:
        add(r, "pay", r["kind"])
    att = (
        ContactAttempt.objects.filter(
            organisation_id=organisation_id,
            allowed__in=[True, False],
            at__gte=window.lo,
            at__lt=window.hi,
        )
        .annotate(d=TruncDate("at", tzinfo=BUSINESS_TZ))
        .order_by()
        .values(*dims, "allowed", "disposition", "rule")
        .annotate(n=Count("pk"))
    )
    for r in att:
        if r["allowed"]:
            add(r, "att", r["disposition"])
        else:
            add(r, "ref", r["rule"])
    # per person (the attempt's actor), for the people table
    by_actor = (
        ContactAttempt.objects.filter(
            organisation_id=organisation_id,
            allowed__in=[True, False],
            at__gte=window.lo,
            at__lt=window.hi,
            actor__isnull=False,
        )
        .annotate(d=TruncDate("at", tzinfo=BUSINESS_TZ))
        .order_by()
        .values(*dims, "actor_id", "allowed", "disposition", "rule")
        .annotate(n=Count("pk"))
    )
    for r in by_actor:
        code = r["disposition"] if r["allowed"] else "!" + r["rule"]
        add(r, "act", f"{r['actor_id']}:{code}")
    prom = (
        Promise.objects.filter(
            case__organisation_id=organisation_id,
            made_on__gte=window.start,
            made_on__lte=window.end,
        )
        .annotate(d=F("made_on"))
        .order_by()
        .values(*dims)
        .annotate(n=Count("pk"))
    )
    for r in prom:
        add(r, "prom", "")
    # promises falling due, by state: count, Σ promised (amount) and Σ paid (commission)
    due = (
        Promise.objects.filter(
            case__organisation_id=organisation_id,
            due_date__gte=window.start,
            due_date__lte=window.end,
        )
        .annotate(d=F("due_date"))
        .order_by()
        .values(*dims, "state")
        .annotate(n=Count("pk"), amount=Sum("amount"), commission=Sum("paid"))
    )
    for r in due:
        add(r, "due", r["state"])
    # Refused attempts differ in rule only; merge rows that share every dimension.
    merged: dict[tuple[Any, ...], DayFigure] = {}
    for f in rows:
        k = (f.day, f.creditor_id, f.handler_id, f.metric, f.key)
        if k in merged:
            merged[k].n += f.n
        else:
            merged[k] = f
    DayFigure.objects.bulk_create(merged.values(), batch_size=2000)
    return len(merged)


def build(organisation_id: int, *, through: dt.date, rebuild: bool = False) -> dict[str, Any]:
    """Bring an organisation's rollup up to ``through`` (inclusive): every day since the
    first record when ``rebuild`` or never built, else the days after the last build plus
    the last ``REDERIVE_DAYS`` days before it. ``through`` is capped at yesterday."""
    # never past yesterday: today's rows (the gate writes attempts behind the ORM) stay live
    through = min(through, clock.today() - dt.timedelta(days=1))
    state = RollupState.objects.filter(organisation_id=organisation_id).first()
    if rebuild or state is None:
        start = _first_day(organisation_id) or through
        if rebuild:
            DayFigure.objects.filter(organisation_id=organisation_id).delete()
    else:
        start = min(state.built_through, through) - dt.timedelta(days=REDERIVE_DAYS)
    written = 0
    with transaction.atomic():
        if start <= through:
            written = refresh(
                organisation_id,
                (start + dt.timedelta(days=i) for i in range((through - start).days + 1)),
            )
        from qingqian.kpis import facts, funnel

        facts_rows = facts.rebuild(organisation_id)
        # the funnel's rows: every month on a rebuild, else from the first day re-derived
        month_rows = funnel.rebuild(
            organisation_id, since=None if rebuild or state is None else start
        )
        RollupState.objects.update_or_create(
            organisation_id=organisation_id,
            defaults={"built_through": through, "built_at": clock.now()},
        )
    return {
        "from": start.isoformat(),
        "through": through.isoformat(),
        "rows": written,
        "facts": facts_rows,
        "months": month_rows,
    }


def _first_day(organisation_id: int) -> dt.date | None:
    firsts: list[dt.date] = []
    for value in (
        Payment.objects.filter(organisation_id=organisation_id)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first(),
        ContactAttempt.objects.filter(organisation_id=organisation_id)
        .order_by("at")
        .values_list("at", flat=True)
        .first(),
    ):
        if value is not None:
            firsts.append(value.astimezone(BUSINESS_TZ).date())
    for field in ("made_on", "due_date"):
        made = (
            Promise.objects.filter(case__organisation_id=organisation_id)
            .order_by(field)
            .values_list(field, flat=True)
            .first()
        )
        if made is not None:
            firsts.append(made)
    return min(firsts) if firsts else None


# --------------------------------------------------------------------------- reading


def collections_raw(cases: QuerySet[Any], window: Window) -> dict[str, Any]:
    out: dict[str, Any] = {
        "gross": ZERO,
        "commission": ZERO,
        "payments": 0,
        "setoff": ZERO,
        "court": ZERO,
        "by_kind": {},
    }
    for r in (
        figures(cases, window)
        .filter(metric="pay")
        .values("key")
        .annotate(n=Sum("n"), amount=Sum("amount"), commission=Sum("commission"))
    ):
        kind, amount = r["key"], r["amount"] or ZERO
        out["gross"] += amount
        out["commission"] += r["commission"] or ZERO
        if kind != "reversal":
            out["payments"] += r["n"]
        if kind in ("setoff", "court"):
            out[kind] += amount
        out["by_kind"][kind] = amount
    return out


def contact_raw(cases: QuerySet[Any], window: Window, right_party: Iterable[str]) -> dict[str, Any]:
    rpc_codes = set(right_party)
    out: dict[str, Any] = {
        "attempts": 0,
        "refused": 0,
        "dispositioned": 0,
        "rpc": 0,
        "by_disposition": {},
        "by_rule": {},
        "promises": 0,
    }
    for r in (
        figures(cases, window)
        .filter(metric__in=["att", "ref", "prom"])
        .values("metric", "key")
        .annotate(n=Sum("n"))
    ):
        metric, key, n = r["metric"], r["key"], int(r["n"])
        if metric == "att":
            out["attempts"] += n
            if key:
                out["dispositioned"] += n
                out["by_disposition"][key] = n
            if key in rpc_codes:
                out["rpc"] += n
        elif metric == "ref":
            out["refused"] += n
            out["by_rule"][key] = n
        else:
            out["promises"] += n
    return out


def promises_due_raw(cases: QuerySet[Any], window: Window) -> dict[str, Any]:
    """Promises falling due in the window: per state, the count, Σ promised, Σ paid."""
    out: dict[str, Any] = {}
    for r in (
        figures(cases, window)
        .filter(metric="due")
        .values("key")
        .annotate(n=Sum("n"), amount=Sum("amount"), paid=Sum("commission"))
    ):
        out[r["key"]] = (int(r["n"]), r["amount"] or ZERO, r["paid"] or ZERO)
    return out


def days_raw(
    cases: QuerySet[Any], window: Window, right_party: Iterable[str]
) -> dict[dt.date, dict[str, Any]]:
    """Per business day: gross, commission, allowed attempts and right-party contacts."""
    rpc_codes = set(right_party)
    out: dict[dt.date, dict[str, Any]] = {}
    for r in (
        figures(cases, window)
        .filter(metric__in=["pay", "att"])
        .values("day", "metric", "key")
        .annotate(n=Sum("n"), amount=Sum("amount"), commission=Sum("commission"))
    ):
        row = out.setdefault(r["day"], {"gross": ZERO, "commission": ZERO, "attempts": 0, "rpc": 0})
        if r["metric"] == "pay":
            row["gross"] += r["amount"] or ZERO
            row["commission"] += r["commission"] or ZERO
        else:
            row["attempts"] += int(r["n"])
            if r["key"] in rpc_codes:
                row["rpc"] += int(r["n"])
    return out


def people_raw(
    cases: QuerySet[Any],
    window: Window,
    right_party: Iterable[str],
    user_ids: list[int] | None,
) -> dict[int, dict[str, Any]]:
    """Per person: attempts they made (allowed, right-party, refused; ``act`` rows keyed
    ``<actor id>:<disposition or !rule>``), promises made and money received on the cases
    they handle."""
    rpc_codes = set(right_party)
    out: dict[int, dict[str, Any]] = {}

    def row(pk: int) -> dict[str, Any]:
        return out.setdefault(
            pk,
            {
                "attempts": 0,
                "rpc": 0,
                "refused": 0,
                "promises": 0,
                "recovered": ZERO,
                "recovered_n": 0,
            },
        )

    figs = figures(cases, window)
    for r in figs.filter(metric="act").values("key").annotate(n=Sum("n")):
        actor_s, _, code = r["key"].partition(":")
        actor = int(actor_s)
        if user_ids is not None and actor not in user_ids:
            continue
        n = int(r["n"])
        if code.startswith("!"):
            row(actor)["refused"] += n
        else:
            row(actor)["attempts"] += n
            if code in rpc_codes:
                row(actor)["rpc"] += n
    handled = figs.filter(handler__isnull=False, metric__in=["prom", "pay"])
    if user_ids is not None:
        handled = handled.filter(handler_id__in=user_ids)
    for r in handled.values("handler_id", "metric").annotate(n=Sum("n"), amount=Sum("amount")):
        if r["metric"] == "prom":
            row(r["handler_id"])["promises"] += int(r["n"])
        else:
            row(r["handler_id"])["recovered"] += r["amount"] or ZERO
            row(r["handler_id"])["recovered_n"] += int(r["n"])
    return out
