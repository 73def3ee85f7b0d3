"""The funnel's facts (``docs/kpis.md``, "Funnel facts"): per case and calendar month, the
days on which it was contacted (an allowed attempt), promised (a promise made) and paid
(a positive payment received), as bit masks of the month's days
(:class:`~qingqian.kpis.models.CaseMonth`).

The funnel of a window — cases contacted in it → of those, promised in it → of those, paid
in it — is then one pass over a row per case and month: a row's flag is "its mask has a
day of the window". For a window inside one month that is a single index range scan with
no ``DISTINCT`` (each case has one row a month); longer windows group the rows by case.

Freshness and scope as the daily rollup: days up to ``RollupState.built_through`` are read
from the rows, later days (today) from the records; the rows carry the case's creditor
and handler, so the same scopes apply. ``rollup.build`` re-derives every row of the
organisation; an attempt, promise or payment written through the ORM, a case moved to
another creditor or handler and the bulk payment import re-derive their case's rows when
the transaction commits (``kpis.signals``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from qingqian.cases.models import Case
from qingqian.contact.models import ContactAttempt
from qingqian.kpis import rollup
from qingqian.kpis.models import CaseMonth
from qingqian.kpis.periods import BUSINESS_TZ, Window, month_add
from qingqian.negotiation.models import Promise
from qingqian.payments.models import Payment

_CHUNK = 2000
#: The masks' columns, in the order of the funnel's steps.
STEPS = ("contacted", "promised", "paid")


# --------------------------------------------------------------------------- deriving


def rebuild(organisation_id: int, *, since: dt.date | None = None) -> int:
    """Re-derive every row of an organisation from the records (``since``: only the rows
    of that day's month and later); returns the rows written."""
    first = None if since is None else since.replace(day=1)
    with transaction.atomic():
        old = CaseMonth.objects.filter(organisation_id=organisation_id)
        if first is not None:
            old = old.filter(month__gte=first)
        old.delete()
        written = _derive(organisation_id, None, first)
    if connection.vendor == "postgresql" and first is None:
        with connection.cursor() as cur:  # half a million new rows: plan with their figures
            cur.execute("ANALYZE kpis_casemonth")
    return written


def refresh(case_ids: Iterable[int]) -> int:
    """Re-derive the rows of ``case_ids`` (each for its organisation)."""
    by_org: dict[int, list[int]] = defaultdict(list)
    for pk, org in Case.objects.filter(pk__in=set(case_ids)).values_list("pk", "organisation_id"):
        by_org[org].append(pk)
    written = 0
    with transaction.atomic():
        for org, ids in by_org.items():
            for i in range(0, len(ids), _CHUNK):
                part = sorted(ids)[i : i + _CHUNK]
                CaseMonth.objects.filter(case_id__in=part).delete()
                written += _derive(org, part)
    return written


def _derive(organisation_id: int, case_ids: list[int] | None, first: dt.date | None = None) -> int:
    if connection.vendor == "postgresql":
        return _derive_pg(organisation_id, case_ids, first)
    return _derive_records(organisation_id, case_ids, first)


def _derive_pg(organisation_id: int, case_ids: list[int] | None, first: dt.date | None) -> int:
    """Set-based: the (case, business day, step) of the records, then one row per case and
    month with the days' bits OR-ed together, written
    month by month (a month's rows lie together: the funnel reads one month at a time)."""
    only = "" if case_ids is None else " AND case_id = ANY(%(ids)s::bigint[])"
    since = "" if first is None else " AND {0} >= %(lo)s"
    sql = f"""
        WITH d AS (
          SELECT case_id, (at AT TIME ZONE %(tz)s)::date AS day, 1 AS step
            FROM contact_contactattempt WHERE organisation_id = %(org)s AND allowed{only}
                 {since.format("at")}
          UNION ALL
          SELECT p.case_id, p.made_on, 2 FROM negotiation_promise p
            JOIN cases_case c ON c.id = p.case_id
           WHERE c.organisation_id = %(org)s{only.replace("case_id", "p.case_id")}
                 {since.format("p.made_on").replace("%(lo)s", "%(first)s")}
          UNION ALL
          SELECT case_id, (received_at AT TIME ZONE %(tz)s)::date, 3
            FROM payments_payment WHERE organisation_id = %(org)s AND amount > 0{only}
                 {since.format("received_at")}
        )
        INSERT INTO kpis_casemonth
          (organisation_id, case_id, month, creditor_id, handler_id, contacted, promised, paid)
        SELECT %(org)s, d.case_id, date_trunc('month', d.day)::date, c.creditor_id,
               c.handler_id,
               COALESCE(BIT_OR(1 << (EXTRACT(DAY FROM d.day)::int - 1)) FILTER (WHERE step = 1), 0),
               COALESCE(BIT_OR(1 << (EXTRACT(DAY FROM d.day)::int - 1)) FILTER (WHERE step = 2), 0),
               COALESCE(BIT_OR(1 << (EXTRACT(DAY FROM d.day)::int - 1)) FILTER (WHERE step = 3), 0)
          FROM d JOIN cases_case c ON c.id = d.case_id
         GROUP BY date_trunc('month', d.day)::date, d.case_id, c.creditor_id, c.handler_id
         ORDER BY date_trunc('month', d.day)::date, d.case_id
    """  # noqa: S608 - our own fragments; values are parameters
    params: dict[str, Any] = {"tz": str(BUSINESS_TZ), "org": organisation_id}
    if case_ids is not None:
        params["ids"] = "{" + ",".join(map(str, case_ids)) + "}"
    if first is not None:  # the month's first instant in business time
        params["lo"] = dt.datetime.combine(first, dt.time(), tzinfo=BUSINESS_TZ)
        params["first"] = first
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.rowcount)


def _derive_records(organisation_id: int, case_ids: list[int] | None, first: dt.date | None) -> int:
    """The same rows computed in Python (other databases)."""
    own = Q() if case_ids is None else Q(case_id__in=case_ids)
    lo = None if first is None else dt.datetime.combine(first, dt.time(), tzinfo=BUSINESS_TZ)
    at_since = Q() if lo is None else Q(at__gte=lo)
    made_since = Q() if first is None else Q(made_on__gte=first)
    received_since = Q() if lo is None else Q(received_at__gte=lo)
    masks: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])

    def mark(case_id: int, day: dt.date, step: int) -> None:
        masks[(case_id, day.replace(day=1))][step] |= 1 << (day.day - 1)

    for case_id, at in ContactAttempt.objects.filter(
        own, at_since, organisation_id=organisation_id, allowed=True
    ).values_list("case_id", "at"):
        mark(case_id, at.astimezone(BUSINESS_TZ).date(), 0)
    for case_id, made in Promise.objects.filter(
        own, made_since, case__organisation_id=organisation_id
    ).values_list("case_id", "made_on"):
        mark(case_id, made, 1)
    for case_id, at in Payment.objects.filter(
        own, received_since, organisation_id=organisation_id, amount__gt=0
    ).values_list("case_id", "received_at"):
        mark(case_id, at.astimezone(BUSINESS_TZ).date(), 2)
    dims: dict[int, tuple[Any, Any]] = {}
    ids = sorted({case_id for case_id, _ in masks})
    for i in range(0, len(ids), _CHUNK):
        for pk, creditor, handler in Case.objects.filter(pk__in=ids[i : i + _CHUNK]).values_list(
            "pk", "creditor_id", "handler_id"
        ):
            dims[pk] = (creditor, handler)
    rows = [
        CaseMonth(
            organisation_id=organisation_id,
            case_id=case_id,
            month=month,
            creditor_id=dims[case_id][0],
            handler_id=dims[case_id][1],
            contacted=m[0],
            promised=m[1],
            paid=m[2],
        )
        for (case_id, month), m in masks.items()
    ]
    CaseMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --------------------------------------------------------------------------- reading


def _months(window: Window) -> list[tuple[dt.date, int]]:
    """The months ``window`` touches, each with the mask of its days in the window."""
    out = []
    month = window.start.replace(day=1)
    while month <= window.end:
        first = max(window.start, month)
        last = min(window.end, month_add(month, 1) - dt.timedelta(days=1))
        mask = 0
        for day in range(first.day, last.day + 1):
            mask |= 1 << (day - 1)
        out.append((month, mask))
        month = month_add(month, 1)
    return out


def rows_sql(cases: QuerySet[Any], window: Window) -> tuple[str, list[Any], bool]:
    """SQL of ``(case_id, c, p, y)`` — 1 when the case was contacted / promised / paid on a
    day of ``window`` (built days) — for the marked ``cases``, its parameters, and whether
    a case may appear on more than one row (the window spans months)."""
    spec = rollup.spec_of(cases)
    assert spec is not None
    months = _months(window)
    qs = rollup.scoped(
        CaseMonth.objects.filter(
            organisation_id=spec["organisation"], month__in=[m for m, _ in months]
        ),
        spec,
    )
    inner, inner_params = (
        qs.order_by().values_list("case_id", "month", *STEPS).query.sql_with_params()
    )
    flags: list[str] = []
    params: list[Any] = []
    for step, alias in zip(STEPS, "cpy", strict=True):
        if len(months) == 1:
            flags.append(f"CASE WHEN (r.{step} & %s) <> 0 THEN 1 ELSE 0 END AS {alias}")
            params.append(months[0][1])
        else:
            whens = " ".join("WHEN %s THEN %s" for _ in months)
            flags.append(
                f"CASE WHEN (r.{step} & (CASE r.month {whens} END)) <> 0 THEN 1 ELSE 0 END "
                f"AS {alias}"
            )
            for month, mask in months:
                params += [month, mask]
    sql = f"SELECT r.case_id, {', '.join(flags)} FROM ({inner}) r"  # noqa: S608 - our SQL
    return sql, [*params, *inner_params], len(months) > 1
