"""Per-case facts for the cohort measures (``docs/kpis.md``, "Case facts").

One :class:`~qingqian.kpis.models.CaseFact` row per accepted case: its first acceptance,
first positive payment, first closing and the sums of all its payments. The cohort of a
window is then an index range scan on ``(organisation, accepted_at)`` joined to the cases,
read once per request (:func:`cohort_rows`), and recovery, cycle times, the trend's
acceptances, the people table's cycle time and the cohort curves' sizes are added up from
those rows instead of correlated sub-queries over the payments and the timeline.

Exactness: a fact holds *all* payments; recovery "up to the end of the window" is either the
sum of the cohort's payments received before the window's end, or the fact's sum less those
received after it — whichever span is shorter, read by the payments' (case, time) index.

Freshness: facts are used only for an organisation whose rollup has been built (the same
marking and ``RollupState`` as ``kpis.rollup``); ``rollup.build`` (``qingqian daily``,
``qingqian kpis --rebuild-rollup``) re-derives every fact of the organisation, and a
payment, timeline entry or case written through the ORM (or the bulk payment import)
re-derives its case's fact when the transaction commits (``kpis.signals``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Min, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock
from qingqian.kpis import rollup
from qingqian.kpis.models import CaseFact
from qingqian.kpis.periods import AGING_EDGES, BUSINESS_TZ, Window
from qingqian.payments.models import Payment

ZERO = Decimal("0.00")

_CHUNK = 2000


# --------------------------------------------------------------------------- deriving


def _derive(case_filter: Q, pay_filter: Q, case_q: Q) -> list[CaseFact]:
    accepted = dict(
        TimelineEvent.objects.filter(case_filter, to_state="accepted")
        .order_by()
        .values("case_id")
        .annotate(a=Min("at"))
        .values_list("case_id", "a")
    )
    if not accepted:
        return []
    closed = dict(
        TimelineEvent.objects.filter(case_filter, to_state="closed")
        .order_by()
        .values("case_id")
        .annotate(a=Min("at"))
        .values_list("case_id", "a")
    )
    paid = {
        r["case_id"]: r
        for r in Payment.objects.filter(pay_filter)
        .order_by()
        .values("case_id")
        .annotate(
            rec=Sum("amount"),
            com=Sum("commission"),
            first=Min("received_at", filter=Q(amount__gt=0)),
        )
    }
    orgs = dict(Case.objects.filter(case_q).values_list("pk", "organisation_id"))
    out = []
    for case_id, acc in accepted.items():
        p = paid.get(case_id) or {}
        out.append(
            CaseFact(
                case_id=case_id,
                organisation_id=orgs[case_id],
                accepted_at=acc,
                first_paid_at=p.get("first"),
                closed_at=closed.get(case_id),
                recovered=_m(p.get("rec")),
                commission=_m(p.get("com")),
            )
        )
    return out


def _m(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def rebuild(organisation_id: int) -> int:
    """Re-derive every fact of an organisation from the records; returns the rows."""
    rows = _derive(
        Q(case__organisation_id=organisation_id),
        Q(organisation_id=organisation_id),
        Q(organisation_id=organisation_id),
    )
    # in order of acceptance: a window's cohort then lies on a few pages of the table
    rows.sort(key=lambda f: (f.accepted_at, f.case_id))
    with transaction.atomic():
        CaseFact.objects.filter(organisation_id=organisation_id).delete()
        CaseFact.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def refresh(case_ids: Iterable[int]) -> int:
    """Re-derive the facts of ``case_ids`` (a case no longer accepted loses its row)."""
    ids = sorted(set(case_ids))
    written = 0
    with transaction.atomic():
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            rows = _derive(Q(case_id__in=part), Q(case_id__in=part), Q(pk__in=part))
            CaseFact.objects.filter(case_id__in=part).delete()
            CaseFact.objects.bulk_create(rows)
            written += len(rows)
    return written


# --------------------------------------------------------------------------- reading


def usable(cases: QuerySet[Any], window: Window) -> bool:
    """Whether the cohort of ``window`` over ``cases`` may be read from the facts: the cases
    are marked for the rollup and the organisation's facts are built."""
    del window  # any window: see ``cohort_rows`` for how recovery up to its end is read
    return rollup.built_through(cases) is not None


def cohort_rows(cases: QuerySet[Any], window: Window) -> list[dict[str, Any]]:
    """The cases of ``cases`` first accepted in ``window``, one dict each: ``pk``,
    ``accepted_at``, ``first_paid_at`` and ``closed_at`` (``None`` unless before the
    window's end), ``recovered`` and ``commission`` up to the window's end, and the case's
    ``principal``, ``state``, ``outcome``, ``creditor_id``, ``handler_id``, ``debt_type``,
    ``oldest_due_date``. Read once per ``cases`` and window."""
    memo: dict[tuple[Any, ...], list[dict[str, Any]]] = cases.__dict__.setdefault(
        "kpi_cohort_memo", {}
    )
    key = (window.start, window.end)
    if key in memo:
        return memo[key]
    if "kpi_parent" in cases.__dict__:  # a slice of a scope already read: filter its rows
        parent, keep = cases.__dict__["kpi_parent"]
        memo[key] = [r for r in cohort_rows(parent, window) if keep(r)]
        return memo[key]
    for (start, end), read in list(memo.items()):  # a part of a window already read
        if start <= window.start and window.end <= end:
            memo[key] = _part_of(read, window, Window(start, end))
            return memo[key]
    spec = rollup.spec_of(cases)
    assert spec is not None
    if connection.vendor == "postgresql":
        memo[key] = _cohort_rows_pg(cases, spec["organisation"], window)
        return memo[key]
    # the window's facts by their index, then the cases of the scope among them by primary
    # key (a join would read the whole case book), then their payments after the window
    fact = {
        r["case_id"]: r
        for r in CaseFact.objects.filter(
            organisation_id=spec["organisation"],
            accepted_at__gte=window.lo,
            accepted_at__lt=window.hi,
        )
        .order_by()
        .values("case_id", "accepted_at", "first_paid_at", "closed_at", "recovered", "commission")
    }
    ids = sorted(fact)
    rows: list[dict[str, Any]] = []
    part_sums: dict[int, tuple[Decimal, Decimal]] = {}
    # Recovery up to the window's end: the payments before it, or the fact's sum less the
    # payments after it, whichever span is shorter (the cohort's payments follow its
    # acceptance, so that reads fewer rows); both give the same sum.
    before = window.hi - window.lo <= clock.now() - window.hi
    step = (len(ids) or 1) if connection.vendor == "postgresql" else _CHUNK
    for i in range(0, len(ids), step):
        part = ids[i : i + step]
        found = list(
            _among(cases, '"cases_case"."id"', "pk", part)
            .order_by()
            .values(
                "pk",
                "principal",
                "state",
                "outcome",
                "creditor_id",
                "handler_id",
                "debt_type",
                "oldest_due_date",
            )
        )
        rows += found
        if found:
            side = Q(received_at__lt=window.hi) if before else Q(received_at__gte=window.hi)
            for r in (
                _among(
                    Payment.objects.filter(side),
                    '"payments_payment"."case_id"',
                    "case_id",
                    [r["pk"] for r in found],
                )
                .order_by()
                .values("case_id")
                .annotate(s=Sum("amount"), c=Sum("commission"))
            ):
                part_sums[r["case_id"]] = (r["s"] or ZERO, r["c"] or ZERO)
    hi = _utc(window.hi)
    out = []
    for r in rows:
        f = fact[r["pk"]]
        amount, commission = part_sums.get(r["pk"], (ZERO, ZERO))
        if not before:
            amount, commission = f["recovered"] - amount, f["commission"] - commission
        first = f["first_paid_at"]
        closed = f["closed_at"]
        out.append(
            {
                "pk": r["pk"],
                "principal": r["principal"],
                "state": r["state"],
                "outcome": r["outcome"],
                "creditor_id": r["creditor_id"],
                "handler_id": r["handler_id"],
                "debt_type": r["debt_type"],
                "oldest_due_date": r["oldest_due_date"],
                "accepted_at": f["accepted_at"],
                "accepted_day": f["accepted_at"].astimezone(BUSINESS_TZ).date(),
                "first_paid_at": first if first is not None and first < hi else None,
                "closed_at": closed if closed is not None and closed < hi else None,
                "recovered": _m(amount),
                "commission": _m(commission),
            }
        )
    memo[key] = out
    return out


#: Instants and days travel as integers (microseconds and days since 1970-01-01 UTC) and
#: money as integer fen: the driver's text parsing of 8,000 timestamps and decimals cost
#: more than the queries (``docs/kpis.md``, "Figures measured").
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DAY0 = dt.date(1970, 1, 1)
_US = "(EXTRACT(EPOCH FROM {0}) * 1000000)::bigint"  # numeric since PostgreSQL 14: exact
_FEN = "({0} * 100)::bigint"


def _id_array(ids: list[int]) -> str:
    """``ids`` as one PostgreSQL array literal (``%s::bigint[]``): joining the text is far
    cheaper than the driver's dumping of a list element by element."""
    return "{" + ",".join(map(str, ids)) + "}"


def _cohort_rows_pg(cases: QuerySet[Any], organisation_id: int, window: Window) -> list[Any]:
    """``cohort_rows`` on PostgreSQL: the same three reads, integers on the wire."""
    tz = str(BUSINESS_TZ)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT case_id, {_US.format('accepted_at')}, {_US.format('first_paid_at')}, "  # noqa: S608
            f"{_US.format('closed_at')}, {_FEN.format('recovered')}, "
            f"{_FEN.format('commission')}, "
            "(accepted_at AT TIME ZONE %s)::date - DATE '1970-01-01' "
            "FROM kpis_casefact WHERE organisation_id = %s "
            "AND accepted_at >= %s AND accepted_at < %s",
            [tz, organisation_id, window.lo, window.hi],
        )
        fact = {r[0]: r for r in cur.fetchall()}
    if not fact:
        return []
    found = list(
        cases.filter(
            RawSQL(
                '"cases_case"."id" = ANY(%s::bigint[])', (_id_array(sorted(fact)),), BooleanField()
            )
        )
        .order_by()
        .annotate(
            kpi_p=RawSQL(_FEN.format('"cases_case"."principal"'), ()),  # noqa: S611 - our column
            kpi_d=RawSQL('"cases_case"."oldest_due_date" - DATE \'1970-01-01\'', ()),
        )
        .values_list(
            "pk", "kpi_p", "state", "outcome", "creditor_id", "handler_id", "debt_type", "kpi_d"
        )
    )
    if not found:
        return []
    # Recovery up to the window's end: the payments before it, or the fact's sum less the
    # payments after it, whichever span is shorter (see ``cohort_rows``).
    before = window.hi - window.lo <= clock.now() - window.hi
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT case_id, {_FEN.format('SUM(amount)')}, {_FEN.format('SUM(commission)')} "  # noqa: S608
            "FROM payments_payment WHERE case_id = ANY(%s::bigint[]) "
            f"AND received_at {'<' if before else '>='} %s GROUP BY case_id",
            [_id_array([r[0] for r in found]), window.hi],
        )
        part_sums = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    hi_us = (window.hi - _EPOCH) // dt.timedelta(microseconds=1)
    epoch, us, money = _EPOCH, dt.timedelta(microseconds=1), Decimal
    days: dict[int, dt.date] = {}  # a few hundred distinct days among thousands of rows

    def day_of(n: int) -> dt.date:
        found = days.get(n)
        if found is None:
            found = days[n] = _DAY0 + dt.timedelta(days=n)
        return found

    out = []
    for pk, principal, state, outcome, creditor, handler, debt_type, due in found:
        _, acc, first, closed, rec, com, day = fact[pk]
        amount, commission = part_sums.get(pk, (0, 0))
        if not before:
            amount, commission = rec - amount, com - commission
        out.append(
            {
                "pk": pk,
                "principal": money(principal).scaleb(-2),  # fen → yuan, two places
                "state": state,
                "outcome": outcome,
                "creditor_id": creditor,
                "handler_id": handler,
                "debt_type": debt_type,
                "oldest_due_date": None if due is None else day_of(due),
                "accepted_at": epoch + acc * us,
                "accepted_day": day_of(day),
                "first_paid_at": epoch + first * us
                if first is not None and first < hi_us
                else None,
                "closed_at": epoch + closed * us if closed is not None and closed < hi_us else None,
                "recovered": money(amount).scaleb(-2),
                "commission": money(commission).scaleb(-2),
            }
        )
    return out


def _among(qs: QuerySet[Any], column: str, field: str, ids: list[int]) -> QuerySet[Any]:
    """``qs`` narrowed to ``field`` in ``ids``: one array parameter on PostgreSQL (a list of
    thousands of placeholders costs more to send than to run), ``IN`` elsewhere."""
    if connection.vendor == "postgresql":
        return qs.filter(
            RawSQL(f"{column} = ANY(%s::bigint[])", (_id_array(ids),), BooleanField())  # noqa: S611 - our column
        )
    return qs.filter(**{f"{field}__in": ids})


def _utc(at: dt.datetime) -> dt.datetime:
    """The same instant in UTC: comparing instants of one zone skips the offset look-ups."""
    return at.astimezone(dt.UTC)


def _part_of(rows: list[dict[str, Any]], window: Window, enclosing: Window) -> list[dict[str, Any]]:
    """The cohort rows of ``window`` from those of an ``enclosing`` window: its cases, with
    recovery up to ``window``'s end (less the payments between the two ends, one query) and
    the first payment and closing cut at that end."""
    lo, hi = _utc(window.lo), _utc(window.hi)  # compared with the rows' UTC instants
    part = [r for r in rows if lo <= r["accepted_at"] < hi]
    between: dict[int, tuple[Decimal, Decimal]] = {}
    if part and hi < enclosing.hi:
        for r in (
            _among(
                Payment.objects.filter(received_at__gte=hi, received_at__lt=enclosing.hi),
                '"payments_payment"."case_id"',
                "case_id",
                [r["pk"] for r in part],
            )
            .order_by()
            .values("case_id")
            .annotate(s=Sum("amount"), c=Sum("commission"))
        ):
            between[r["case_id"]] = (r["s"] or ZERO, r["c"] or ZERO)
    out = []
    for r in part:
        amount, commission = between.get(r["pk"], (ZERO, ZERO))
        first, closed = r["first_paid_at"], r["closed_at"]
        out.append(
            r
            | {
                "first_paid_at": first if first is not None and first < hi else None,
                "closed_at": closed if closed is not None and closed < hi else None,
                "recovered": _m(r["recovered"] - amount),
                "commission": _m(r["commission"] - commission),
            }
        )
    return out


def slice_of(
    parent: QuerySet[Any], part: QuerySet[Any], keep: Callable[[dict[str, Any]], bool]
) -> QuerySet[Any]:
    """Mark ``part`` (a filter of ``parent``) so that its cohort rows are ``parent``'s that
    ``keep`` accepts; ``keep`` must select exactly the cases the filter selects."""
    part.__dict__["kpi_parent"] = (parent, keep)
    return part


def in_scope(cases: QuerySet[Any], ids: Iterable[int]) -> set[int]:
    """Those of ``ids`` that are cases of ``cases``, looked up by primary key."""
    wanted = sorted(set(ids))
    step = (len(wanted) or 1) if connection.vendor == "postgresql" else _CHUNK
    found: set[int] = set()
    for i in range(0, len(wanted), step):
        part = wanted[i : i + step]
        found.update(
            _among(cases, '"cases_case"."id"', "pk", part).order_by().values_list("pk", flat=True)
        )
    return found


def aging_key(row: dict[str, Any]) -> str:
    """The aging bucket at acceptance (acceptance's business day − oldest due day)."""
    due: dt.date | None = row["oldest_due_date"]
    if due is None:
        return "unknown"
    lag = (row["accepted_day"] - due).days
    for key, high in AGING_EDGES:
        if high is not None and lag <= high:
            return key
    return AGING_EDGES[-1][0]
