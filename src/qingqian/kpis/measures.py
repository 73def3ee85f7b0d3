"""The firm's measures, computed from the records by SQL aggregation (``docs/kpis.md``
defines each with its formula).

Every function takes the cases the reader may see (``cases.selectors.cases_visible_to``)
and a :class:`~qingqian.kpis.periods.Window`; each runs a fixed number of aggregate
queries whatever the number of cases, payments or contact attempts (one ``GROUP BY`` per
table, correlated sub-queries by index), and returns plain numbers: ``Decimal`` money,
``int`` counts, percentages as ``Decimal`` with one decimal (``None`` when the base is 0).

Definitions that every measure shares:

* a case's **acceptance** is the first time it entered ``accepted`` (its timeline); the
  **cohort** of a window is the cases accepted in it, so a case belongs to exactly one
  cohort;
* **recovered** is the sum of the case's payments (reversals are negative payments, so it
  is net of reversals); **commission** the sum of the payments' commission; **net** is
  recovered − commission;
* days are business days in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import (
    Case as When_,
)
from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncDay, TruncMonth

from qingqian.cases.models import Case, TimelineEvent
from qingqian.contact.models import ContactAttempt, Disposition
from qingqian.kpis import facts, rollup
from qingqian.kpis import funnel as kpi_funnel
from qingqian.kpis.periods import (
    AGING_EDGES,
    BUSINESS_TZ,
    Window,
    distribution,
    grain_start,
    month_add,
    rate,
)
from qingqian.litigation.models import Proceeding
from qingqian.negotiation.models import PlanVersion, Promise, PromiseState, VersionState
from qingqian.netting.models import NettingRound
from qingqian.payments.models import Payment, PaymentKind
from qingqian.reports.models import FeasibilityReport
from qingqian.reports.selectors import REPORT_SLA
from qingqian.strategy.models import StrategyRun

ZERO = Decimal("0.00")
MONEY: Any = DecimalField(max_digits=16, decimal_places=2)

#: ``group_by`` values of the recovery measures (and the API).
GROUPS = ("creditor", "debt_type", "aging", "arm", "handler")

#: Dispositions in which the debtor themself was reached (right-party contact): they
#: answered, promised, disputed, refused to talk or agreed a time to call back.
RIGHT_PARTY = frozenset(
    {
        Disposition.RIGHT_PARTY.value,
        Disposition.PROMISE.value,
        Disposition.DISPUTE.value,
        Disposition.REFUSED.value,
        Disposition.CALLBACK.value,
    }
)

SETTLED_OUTCOMES = ("paid_in_full", "settled")


# --------------------------------------------------------------------------- acceptance


def _m(value: Decimal | None) -> Decimal:
    """A sum as money: two decimals (SQLite returns ``7501`` for ``7501.00``)."""
    return (value or ZERO).quantize(Decimal("0.01"))


def whole_organisation(cases: QuerySet[Case], organisation_id: int) -> QuerySet[Case]:
    """Mark ``cases`` as *every* case of the organisation, so the measures filter the
    payment, contact and timeline rows by their organisation (an indexed column) instead of
    ``case IN (…)`` over the whole book."""
    cases.kpi_organisation_id = organisation_id  # type: ignore[attr-defined]
    return cases


def _of(cases: QuerySet[Case], path: str = "case", *, own: bool = False) -> Q:
    """The rows of ``cases``: by organisation when ``cases`` is the whole organisation
    (``own``: the row has its own ``organisation_id``), else ``<path>__in``."""
    org = getattr(cases, "kpi_organisation_id", None)
    if org is not None:
        return Q(organisation_id=org) if own else Q(**{f"{path}__organisation_id": org})
    return Q(**{f"{path}__in": cases})


def _first_entry(state: str) -> Subquery:
    return Subquery(
        TimelineEvent.objects.filter(case=OuterRef("pk"), to_state=state)
        .order_by("at", "id")
        .values("at")[:1]
    )


def with_acceptance(cases: QuerySet[Case]) -> QuerySet[Any]:
    """``cases`` annotated with ``accepted_at`` (first entry into ``accepted``)."""
    return cases.annotate(accepted_at=_first_entry("accepted"))


def cohort(cases: QuerySet[Case], window: Window) -> QuerySet[Any]:
    """The cases accepted in ``window`` (each case once: its first acceptance). Read from
    the acceptances in the window (a partial index on the timeline, migration
    ``kpis/0002``) less the cases accepted before it, so its cost follows the cohort, not
    the whole book."""
    in_window = TimelineEvent.objects.filter(
        to_state="accepted", at__gte=window.lo, at__lt=window.hi
    ).values("case_id")
    earlier = TimelineEvent.objects.filter(
        case=OuterRef("pk"), to_state="accepted", at__lt=window.lo
    )
    return with_acceptance(cases.filter(pk__in=in_window).exclude(Exists(earlier)))


def _aging_at_acceptance() -> tuple[Any, Any]:
    lag = ExpressionWrapper(
        TruncDate("accepted_at", tzinfo=BUSINESS_TZ) - F("oldest_due_date"),
        output_field=DurationField(),
    )
    whens = [When(oldest_due_date__isnull=True, then=Value("unknown"))]
    for key, high in AGING_EDGES:
        if high is not None:
            whens.append(When(Q(lag__lte=dt.timedelta(days=high)), then=Value(key)))
    return When_(*whens, default=Value(AGING_EDGES[-1][0])), lag


def _group(qs: QuerySet[Any], group_by: str) -> QuerySet[Any]:
    """``qs`` annotated with ``g``, the group key of ``group_by``."""
    if group_by == "creditor":
        return qs.annotate(g=F("creditor_id"))
    if group_by == "debt_type":
        return qs.annotate(g=F("debt_type"))
    if group_by == "handler":
        return qs.annotate(g=F("handler_id"))
    if group_by == "arm":
        arm = Subquery(
            StrategyRun.objects.filter(case=OuterRef("pk"))
            .order_by("created_at", "id")
            .values("arm")[:1]
        )
        return qs.annotate(g=Coalesce(arm, Value("")))
    if group_by == "aging":
        bucket, lag = _aging_at_acceptance()
        return qs.annotate(lag=lag).annotate(g=bucket)
    raise ValueError(group_by)


def _payments_until(hi: dt.datetime, field: str) -> Subquery:
    return Subquery(
        Payment.objects.filter(case=OuterRef("pk"), received_at__lt=hi)
        .order_by()
        .values("case")
        .annotate(s=Sum(field))
        .values("s"),
        output_field=MONEY,
    )


# --------------------------------------------------------------------------- recovery


def recovery(cases: QuerySet[Case], window: Window, group_by: str | None = None) -> dict[str, Any]:
    """Recovery of the window's cohort up to the end of the window, overall and per group.

    Per row: ``cases``, ``principal``, ``recovered`` (gross), ``commission``, ``net``,
    ``cases_recovered`` (cases with recovered > 0), ``cases_settled`` (closed paid in full
    or settled), and the rates ``rate_gross`` = recovered / principal, ``rate_net`` =
    net / principal, ``rate_cases`` = cases_recovered / cases (all %)."""
    if facts.usable(cases, window):
        return _recovery_facts(cases, window, group_by)
    qs = cohort(cases, window).annotate(
        rec=Coalesce(_payments_until(window.hi, "amount"), Value(ZERO), output_field=MONEY),
        com=Coalesce(_payments_until(window.hi, "commission"), Value(ZERO), output_field=MONEY),
    )
    aggregates = {
        "cases": Count("pk"),
        "principal": Sum("principal"),
        "recovered": Sum("rec"),
        "commission": Sum("com"),
        # At least half a fen: SQLite adds decimals as floats, so a payment and its reversal
        # can sum to 1e-13 there; any real recovery is at least a fen.
        "cases_recovered": Count("pk", filter=Q(rec__gte=Decimal("0.005"))),
        "cases_settled": Count("pk", filter=Q(state="closed", outcome__in=SETTLED_OUTCOMES)),
    }
    total = _recovery_row(qs.order_by().aggregate(**aggregates))
    rows: list[dict[str, Any]] = []
    if group_by:
        grouped = _group(qs, group_by).order_by().values("g").annotate(**aggregates)
        rows = [_recovery_row(r) | {"key": r["g"]} for r in grouped]
        rows.sort(key=lambda r: (-r["recovered"], str(r["key"])))
    return {"total": total, "rows": rows, "group_by": group_by}


def _recovery_facts(cases: QuerySet[Case], window: Window, group_by: str | None) -> dict[str, Any]:
    """``recovery`` from the cohort's fact rows (``kpis.facts``): the same figures."""
    rows = facts.cohort_rows(cases, window)
    key = _fact_group(cases, rows, group_by) if group_by else None
    members: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:  # each row once into its group; the total is the groups' sum
        members[None if key is None else key(r)].append(r)
    sums = {k: _fact_sums(rs) for k, rs in members.items()}
    total = {
        f: sum((part[f] for part in sums.values()), ZERO if f in _MONEY_SUMS else 0)
        for f in ("cases", "cases_recovered", "cases_settled", *_MONEY_SUMS)
    }
    grouped = []
    if key is not None:
        grouped = [_recovery_row(v) | {"key": k} for k, v in sums.items()]
        grouped.sort(key=lambda r: (-r["recovered"], str(r["key"])))
    return {"total": _recovery_row(total), "rows": grouped, "group_by": group_by}


_MONEY_SUMS = ("principal", "recovered", "commission")


def _fact_sums(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cases": len(rows),
        "principal": sum((r["principal"] for r in rows), ZERO),
        "recovered": sum((r["recovered"] for r in rows), ZERO),
        "commission": sum((r["commission"] for r in rows), ZERO),
        "cases_recovered": sum(1 for r in rows if r["recovered"] > 0),
        "cases_settled": sum(
            1 for r in rows if r["state"] == "closed" and r["outcome"] in SETTLED_OUTCOMES
        ),
    }


def _fact_group(cases: QuerySet[Case], rows: list[dict[str, Any]], group_by: str) -> Any:
    """The group key of a fact row for ``group_by`` (as ``_group`` computes it in SQL)."""
    if group_by in ("creditor", "handler"):
        field = f"{group_by}_id"
        return lambda r: r[field]
    if group_by == "debt_type":
        return lambda r: r["debt_type"]
    if group_by == "aging":
        return facts.aging_key
    if group_by == "arm":
        first: dict[int, str] = {}
        ids = [r["pk"] for r in rows]
        for i in range(0, len(ids), 2000):
            for case_id, arm in (
                StrategyRun.objects.filter(case_id__in=ids[i : i + 2000])
                .order_by("case_id", "created_at", "id")
                .values_list("case_id", "arm")
            ):
                first.setdefault(case_id, arm)
        return lambda r: first.get(r["pk"]) or ""
    raise ValueError(group_by)


def _recovery_row(r: dict[str, Any]) -> dict[str, Any]:
    principal = _m(r["principal"])
    recovered = _m(r["recovered"])
    commission = _m(r["commission"])
    net = recovered - commission
    return {
        "cases": r["cases"],
        "principal": principal,
        "recovered": recovered,
        "commission": commission,
        "net": net,
        "cases_recovered": r["cases_recovered"],
        "cases_settled": r["cases_settled"],
        "rate_gross": rate(recovered, principal),
        "rate_net": rate(net, principal),
        "rate_cases": rate(r["cases_recovered"], r["cases"]),
    }


def collections(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """Money received in the window (by the payment's business day), whatever the case's
    cohort: ``gross`` (reversals included with their sign), ``commission``, ``net``,
    ``payments`` (count of receipts, reversals excluded), by payment kind, and the part by
    set-off (supply-chain clearing). Built days from the daily rollup, the rest from the
    payments (``kpis.rollup``)."""
    rolled, live = rollup.split(cases, window)
    parts = []
    if rolled is not None:
        parts.append(rollup.collections_raw(cases, rolled))
    if live is not None:
        parts.append(_collections_raw(cases, live))
    total: dict[str, Any] = {
        "gross": ZERO,
        "commission": ZERO,
        "payments": 0,
        "setoff": ZERO,
        "court": ZERO,
        "by_kind": {},
    }
    for part in parts:
        for k in ("gross", "commission", "payments", "setoff", "court"):
            total[k] += part[k]
        for kind, amount in part["by_kind"].items():
            total["by_kind"][kind] = _m(total["by_kind"].get(kind, ZERO) + amount)
    gross = _m(total["gross"])
    commission = _m(total["commission"])
    setoff = _m(total["setoff"])
    return {
        "gross": gross,
        "commission": commission,
        "net": gross - commission,
        "payments": total["payments"],
        "setoff": setoff,
        "court": _m(total["court"]),
        "setoff_share": rate(setoff, gross) if gross > 0 else None,
        "by_kind": dict(sorted(total["by_kind"].items())),
    }


def _collections_raw(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    qs = Payment.objects.filter(
        _of(cases, own=True), received_at__gte=window.lo, received_at__lt=window.hi
    ).order_by()
    total = qs.aggregate(
        gross=Sum("amount"),
        commission=Sum("commission"),
        payments=Count("pk", filter=~Q(kind=PaymentKind.REVERSAL)),
        setoff=Sum("amount", filter=Q(kind=PaymentKind.SETOFF)),
        court=Sum("amount", filter=Q(kind=PaymentKind.COURT)),
    )
    by_kind = {
        r["kind"]: _m(r["s"]) for r in qs.values("kind").annotate(s=Sum("amount")).order_by("kind")
    }
    return {
        "gross": _m(total["gross"]),
        "commission": _m(total["commission"]),
        "payments": total["payments"],
        "setoff": _m(total["setoff"]),
        "court": _m(total["court"]),
        "by_kind": by_kind,
    }


# --------------------------------------------------------------------------- cycle times


def _days(delta: dt.timedelta | None) -> float | None:
    if delta is None:
        return None
    return delta.total_seconds() / 86400


def cycle_times(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """For the window's cohort: days from acceptance to the first payment, to settlement
    (closed paid in full or settled) and to closing (any outcome), each as a distribution
    (n, median, p75, p90) of the cases that reached it by the end of the window."""
    if facts.usable(cases, window):
        fact_rows = [
            (r["accepted_at"], r["first_paid_at"], r["closed_at"], r["outcome"])
            for r in facts.cohort_rows(cases, window)
        ]
        return _cycle(fact_rows)
    first_payment = Subquery(
        Payment.objects.filter(case=OuterRef("pk"), amount__gt=0, received_at__lt=window.hi)
        .order_by("received_at", "id")
        .values("received_at")[:1]
    )
    closed_at = Subquery(
        TimelineEvent.objects.filter(case=OuterRef("pk"), to_state="closed", at__lt=window.hi)
        .order_by("at", "id")
        .values("at")[:1]
    )
    rows = (
        cohort(cases, window)
        .annotate(first_paid=first_payment, closed_at=closed_at)
        .order_by()
        .values_list("accepted_at", "first_paid", "closed_at", "outcome")
    )
    return _cycle(rows.iterator(chunk_size=5000))


def _cycle(rows: Iterable[tuple[Any, Any, Any, str]]) -> dict[str, Any]:
    to_paid: list[float] = []
    to_settled: list[float] = []
    to_closed: list[float] = []
    for accepted, paid, closed, outcome in rows:
        if paid is not None:
            to_paid.append(max(_days(paid - accepted) or 0.0, 0.0))
        if closed is not None:
            days = max(_days(closed - accepted) or 0.0, 0.0)
            to_closed.append(days)
            if outcome in SETTLED_OUTCOMES:
                to_settled.append(days)
    return {
        "first_payment": distribution(to_paid),
        "settled": distribution(to_settled),
        "closed": distribution(to_closed),
    }


# --------------------------------------------------------------------------- contact


def contact(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """Contact in the window: attempts the gate allowed, right-party contacts (from the
    recorded dispositions), the right-party contact rate = right-party / attempts with a
    disposition, promises made, contacts per promise = attempts / promises, and the gate's
    refusals by rule. Built days from the daily rollup, the rest from the records."""
    rolled, live = rollup.split(cases, window)
    parts = []
    if rolled is not None:
        parts.append(rollup.contact_raw(cases, rolled, RIGHT_PARTY))
    if live is not None:
        parts.append(_contact_raw(cases, live))
    row: dict[str, Any] = {
        "attempts": 0,
        "refused": 0,
        "dispositioned": 0,
        "rpc": 0,
        "promises": 0,
    }
    by_disposition: dict[str, int] = defaultdict(int)
    by_rule: dict[str, int] = defaultdict(int)
    for part in parts:
        for k in row:
            row[k] += part[k]
        for code, n in part["by_disposition"].items():
            by_disposition[code] += n
        for rule, n in part["by_rule"].items():
            by_rule[rule] += n
    promises = row["promises"]
    per_promise = (
        (Decimal(row["attempts"]) / promises).quantize(Decimal("0.1")) if promises else None
    )
    return {
        "attempts": row["attempts"],
        "refused": row["refused"],
        "dispositioned": row["dispositioned"],
        "rpc": row["rpc"],
        "rpc_rate": rate(row["rpc"], row["dispositioned"]),
        "by_disposition": dict(by_disposition),
        "refusals_by_rule": sorted(by_rule.items(), key=lambda x: (-x[1], x[0])),
        "promises": promises,
        "contacts_per_promise": per_promise,
    }


def _contact_raw(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    attempts = ContactAttempt.objects.filter(
        # allowed IN (true, false): lets PostgreSQL use the (organisation, allowed, at) index
        _of(cases, own=True),
        allowed__in=[True, False],
        at__gte=window.lo,
        at__lt=window.hi,
    ).order_by()
    row = attempts.aggregate(
        attempts=Count("pk", filter=Q(allowed=True)),
        refused=Count("pk", filter=Q(allowed=False)),
        dispositioned=Count("pk", filter=Q(allowed=True) & ~Q(disposition="")),
        rpc=Count("pk", filter=Q(allowed=True, disposition__in=RIGHT_PARTY)),
    )
    by_disposition = {
        r["disposition"]: r["n"]
        for r in attempts.filter(allowed=True)
        .exclude(disposition="")
        .values("disposition")
        .annotate(n=Count("pk"))
    }
    by_rule = {
        r["rule"]: r["n"]
        for r in attempts.filter(allowed=False).values("rule").annotate(n=Count("pk"))
    }
    promises = Promise.objects.filter(
        _of(cases), made_on__gte=window.start, made_on__lte=window.end
    ).count()
    return row | {"by_disposition": by_disposition, "by_rule": by_rule, "promises": promises}


def funnel(cases: QuerySet[Case], window: Window) -> dict[str, int]:
    """Cases contacted in the window (an allowed attempt) → of those, promised (a promise
    made in the window) → of those, paid (a positive payment received in the window).
    Driven by the window's rows, not by the whole book: one statement, the attempts of the
    window read once (a common table expression). Built days of marked cases from the
    funnel's facts (``kpis.funnel``), one row per case and month."""
    rolled, live = rollup.split(cases, window)
    if rolled is not None:
        return _funnel_facts(cases, rolled, live)
    contacted = (
        ContactAttempt.objects.filter(
            _of(cases, own=True), allowed=True, at__gte=window.lo, at__lt=window.hi
        )
        .order_by()
        .values("case_id")
        .distinct()
    )
    paid = (
        Payment.objects.filter(
            _of(cases, own=True),
            amount__gt=0,
            received_at__gte=window.lo,
            received_at__lt=window.hi,
        )
        .order_by()
        .values("case_id")
    )
    promised = (
        Promise.objects.filter(made_on__gte=window.start, made_on__lte=window.end)
        .order_by()
        .values("case_id")
    )
    c_sql, c_params = contacted.query.sql_with_params()
    y_sql, y_params = paid.query.sql_with_params()
    p_sql, p_params = promised.query.sql_with_params()
    sql = (
        f"WITH c AS ({c_sql}), "  # noqa: S608 - SQL of our own query sets
        f"p AS (SELECT DISTINCT q.case_id FROM ({p_sql}) q WHERE q.case_id IN "
        f"(SELECT case_id FROM c)), "
        f"y AS (SELECT DISTINCT z.case_id FROM ({y_sql}) z WHERE z.case_id IN "
        f"(SELECT case_id FROM p)) "
        f"SELECT (SELECT COUNT(*) FROM c), (SELECT COUNT(*) FROM p), (SELECT COUNT(*) FROM y)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*c_params, *p_params, *y_params])
        n_contacted, n_promised, n_paid = cursor.fetchone()
    return {"contacted": n_contacted, "promised": n_promised, "paid": n_paid}


def _funnel_facts(cases: QuerySet[Case], rolled: Window, live: Window | None) -> dict[str, int]:
    """``funnel`` from the funnel's facts for the built days, and the records for the rest
    (today): per case, whether it was contacted, promised and paid on some day of the
    window, then the three counts."""
    sql, params, spread = kpi_funnel.rows_sql(cases, rolled)
    parts = [sql]
    if live is not None:
        spread = True
        for flags, qs in (
            (
                "1, 0, 0",
                ContactAttempt.objects.filter(
                    _of(cases, own=True), allowed=True, at__gte=live.lo, at__lt=live.hi
                ),
            ),
            ("0, 1, 0", Promise.objects.filter(made_on__gte=live.start, made_on__lte=live.end)),
            (
                "0, 0, 1",
                Payment.objects.filter(
                    _of(cases, own=True),
                    amount__gt=0,
                    received_at__gte=live.lo,
                    received_at__lt=live.hi,
                ),
            ),
        ):
            part_sql, part_params = qs.order_by().values("case_id").query.sql_with_params()
            parts.append(f"SELECT x.case_id, {flags} FROM ({part_sql}) x")  # noqa: S608
            params += part_params
    body = " UNION ALL ".join(parts)
    if spread:  # a case may have several rows: one per case first
        body = (
            "SELECT case_id, MAX(c) AS c, MAX(p) AS p, MAX(y) AS y "  # noqa: S608 - our SQL
            f"FROM ({body}) u GROUP BY case_id"
        )
    sums = "COALESCE(SUM(c), 0), COALESCE(SUM(c * p), 0), COALESCE(SUM(c * p * y), 0)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sums} FROM ({body}) f", params)  # noqa: S608 - our SQL
        n_contacted, n_promised, n_paid = cursor.fetchone()
    return {"contacted": int(n_contacted), "promised": int(n_promised), "paid": int(n_paid)}


# --------------------------------------------------------------------------- promises, plans


def promises(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """Promises falling due in the window: kept, broken, still open; kept rate = kept /
    (kept + broken); amounts promised and paid."""
    if rollup.spec_of(cases) is not None:
        return _promises_scoped(cases, window)
    row = (
        Promise.objects.filter(_of(cases), due_date__gte=window.start, due_date__lte=window.end)
        .order_by()
        .aggregate(
            due=Count("pk"),
            kept=Count("pk", filter=Q(state=PromiseState.KEPT)),
            broken=Count("pk", filter=Q(state=PromiseState.BROKEN)),
            open=Count("pk", filter=Q(state=PromiseState.OPEN)),
            amount=Sum("amount"),
            paid=Sum("paid"),
        )
    )
    return {
        "due": row["due"],
        "kept": row["kept"],
        "broken": row["broken"],
        "open": row["open"],
        "amount": _m(row["amount"]),
        "paid": _m(row["paid"]),
        "kept_rate": rate(row["kept"], row["kept"] + row["broken"]),
    }


def _promises_scoped(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """``promises`` for marked scopes: built days from the daily rollup (``due`` rows by
    state), the rest from the window's promises by their due-day index, kept to the
    scope's cases by primary key (no join over the whole case book)."""
    rolled, live = rollup.split(cases, window)
    due: list[tuple[Any, ...]] = []
    if rolled is not None:  # one line per state, inside the scope already
        due += [
            (None, state, n, amount, paid)
            for state, (n, amount, paid) in rollup.promises_due_raw(cases, rolled).items()
        ]
    if live is not None:
        due += [
            (case_id, state, 1, amount, paid)
            for case_id, state, amount, paid in Promise.objects.filter(
                due_date__gte=live.start, due_date__lte=live.end
            )
            .order_by()
            .values_list("case_id", "state", "amount", "paid")
        ]
    mine: set[int | None] = {None}  # the rollup's lines, and the live rows in the scope
    mine |= facts.in_scope(cases, {case_id for case_id, *_ in due if case_id is not None})
    by_state = {
        PromiseState.KEPT.value: 0,
        PromiseState.BROKEN.value: 0,
        PromiseState.OPEN.value: 0,
    }
    due_n = 0
    amount = paid = ZERO
    for case_id, state, n, promised, got in due:
        if case_id not in mine:
            continue
        due_n += n
        if state in by_state:
            by_state[state] += n
        amount += promised
        paid += got
    row = {"due": due_n, **by_state}
    return {
        **row,
        "amount": _m(amount),
        "paid": _m(paid),
        "kept_rate": rate(row["kept"], row["kept"] + row["broken"]),
    }


def plans(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """Installment plans agreed in the window: how many defaulted (breached) and, of those,
    how many were cured (a later version agreed on the same plan, or the case closed paid
    in full or settled). Default rate = breached / agreed; cure rate = cured / breached."""
    agreed = PlanVersion.objects.filter(
        _of(cases, "plan__case"), agreed_at__gte=window.lo, agreed_at__lt=window.hi
    ).order_by()
    breached = Q(state=VersionState.BREACHED) | Q(breach__isnull=False)
    later = PlanVersion.objects.filter(
        plan=OuterRef("plan"), version__gt=OuterRef("version"), agreed_at__isnull=False
    )
    cured = Exists(later) | Q(plan__case__state="closed", plan__case__outcome__in=SETTLED_OUTCOMES)
    row = agreed.aggregate(
        agreed=Count("pk", distinct=True),
        breached=Count("pk", filter=breached, distinct=True),
    )
    cured_n = agreed.filter(breached).filter(cured).values("pk").distinct().count()
    return {
        "agreed": row["agreed"],
        "breached": row["breached"],
        "cured": cured_n,
        "default_rate": rate(row["breached"], row["agreed"]),
        "cure_rate": rate(cured_n, row["breached"]),
    }


# --------------------------------------------------------------------------- intake, litigation


def feasibility_sla(cases: QuerySet[Case], window: Window) -> dict[str, Any]:
    """Cases whose intake completed (entered evidence review) in the window, and the share
    whose feasibility report was generated within 24 hours of that."""
    entries = TimelineEvent.objects.filter(
        _of(cases), to_state="evidence_review", at__gte=window.lo, at__lt=window.hi
    ).order_by()
    in_time = FeasibilityReport.objects.filter(
        case=OuterRef("case"),
        generated_at__gte=OuterRef("at"),
        generated_at__lte=ExpressionWrapper(
            OuterRef("at") + REPORT_SLA, output_field=entries.model._meta.get_field("at")
        ),
    )
    row = entries.aggregate(entered=Count("pk"), met=Count("pk", filter=Q(Exists(in_time))))
    return {"entered": row["entered"], "met": row["met"], "share": rate(row["met"], row["entered"])}


def litigation(
    cases: QuerySet[Case], window: Window, *, court: Decimal | None = None
) -> dict[str, Any]:
    """Judgments and rulings given in the window by outcome; days from filing to judgment
    (distribution); enforcement: proceedings of kind 执行 started in the window and the
    court payments received in the window (``court``: that sum when the caller already has
    it, as ``collections(cases, window)["court"]``)."""
    judged = Proceeding.objects.filter(
        _of(cases), judgment_on__gte=window.start, judgment_on__lte=window.end
    ).order_by()
    by_outcome = {
        r["outcome"] or "": r["n"] for r in judged.values("outcome").annotate(n=Count("pk"))
    }
    spans = [
        float((j - f).days)
        for f, j in judged.filter(filed_on__isnull=False).values_list("filed_on", "judgment_on")
        if f is not None and j is not None and j >= f
    ]
    enforcement = Proceeding.objects.filter(
        _of(cases),
        kind="enforcement",
        filed_on__gte=window.start,
        filed_on__lte=window.end,
    ).count()
    if court is None:
        court = _m(
            Payment.objects.filter(
                _of(cases, own=True),
                kind=PaymentKind.COURT,
                received_at__gte=window.lo,
                received_at__lt=window.hi,
            ).aggregate(s=Sum("amount"))["s"]
        )
    return {
        "judgments": sum(by_outcome.values()),
        "by_outcome": by_outcome,
        "to_judgment": distribution(spans),
        "enforcement_filed": enforcement,
        "court_recovered": court,
    }


def netting(organisation_id: int | None, window: Window) -> dict[str, Any]:
    """Netting rounds applied in the window: the receivables submitted, the part that lay
    in cycles and was cleared, and that share."""
    row = (
        NettingRound.objects.filter(
            organisation_id=organisation_id or 0,
            applied_at__gte=window.lo,
            applied_at__lt=window.hi,
        )
        .order_by()
        .aggregate(rounds=Count("pk"), total=Sum("total"), cleared=Sum("cleared"))
    )
    total = _m(row["total"])
    cleared = _m(row["cleared"])
    return {
        "rounds": row["rounds"],
        "total": total,
        "cleared": cleared,
        "share": rate(cleared, total),
    }


def mediation(cases: QuerySet[Case], window: Window) -> dict[str, Any] | None:
    """The mediation measures, when the ``mediation`` app is installed: it provides
    ``qingqian.mediation.kpis.measures(cases, window) -> dict`` (agreement rate with matched
    dialect and without, judicial confirmation rate; docs/kpis.md). ``None`` otherwise."""
    if not apps.is_installed("qingqian.mediation"):
        return None
    try:
        from importlib import import_module

        hook = import_module("qingqian.mediation.kpis")
    except ImportError:
        return None
    result: dict[str, Any] = hook.measures(cases, window)
    return result


# --------------------------------------------------------------------------- trends, cohorts


def _trunc(field: str, grain: str) -> Any:
    from django.db.models.functions import TruncQuarter, TruncWeek

    fn = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}[grain]
    return fn(field, tzinfo=BUSINESS_TZ)


def _bucket_key(value: Any, grain: str) -> dt.date:
    day = value.astimezone(BUSINESS_TZ).date() if isinstance(value, dt.datetime) else value
    return grain_start(day, grain)


def trend(cases: QuerySet[Case], window: Window, grain: str) -> dict[dt.date, dict[str, Any]]:
    """Per ``grain`` bucket of the window: money collected (gross), commission, allowed
    contact attempts, right-party contacts and cases accepted. Built days from the daily
    rollup, the rest from the records."""
    out: dict[dt.date, dict[str, Any]] = defaultdict(
        lambda: {"gross": ZERO, "commission": ZERO, "attempts": 0, "rpc": 0, "accepted": 0}
    )
    rolled, live = rollup.split(cases, window)
    if rolled is not None:
        for day, r in rollup.days_raw(cases, rolled, RIGHT_PARTY).items():
            bucket = out[grain_start(day, grain)]
            bucket["gross"] = _m(bucket["gross"] + r["gross"])
            bucket["commission"] = _m(bucket["commission"] + r["commission"])
            bucket["attempts"] += r["attempts"]
            bucket["rpc"] += r["rpc"]
    if live is not None:
        _trend_live(out, cases, live, grain)
    if facts.usable(cases, window):
        acc: Iterable[Any] = (r["accepted_day"] for r in facts.cohort_rows(cases, window))
    else:
        acc = cohort(cases, window).order_by().values_list("accepted_at", flat=True)
        acc = acc.iterator(chunk_size=5000)
    for first in acc:
        out[_bucket_key(first, grain)]["accepted"] += 1
    return dict(out)


def _trend_live(
    out: dict[dt.date, dict[str, Any]], cases: QuerySet[Case], window: Window, grain: str
) -> None:
    pay = (
        Payment.objects.filter(
            _of(cases, own=True), received_at__gte=window.lo, received_at__lt=window.hi
        )
        .annotate(b=_trunc("received_at", grain))
        .order_by()
        .values("b")
        .annotate(gross=Sum("amount"), commission=Sum("commission"))
    )
    for r in pay:
        bucket = out[_bucket_key(r["b"], grain)]
        bucket["gross"] += _m(r["gross"])
        bucket["commission"] += _m(r["commission"])
    att = (
        ContactAttempt.objects.filter(
            _of(cases, own=True), allowed=True, at__gte=window.lo, at__lt=window.hi
        )
        .annotate(b=_trunc("at", grain))
        .order_by()
        .values("b")
        .annotate(n=Count("pk"), rpc=Count("pk", filter=Q(disposition__in=RIGHT_PARTY)))
    )
    for r in att:
        bucket = out[_bucket_key(r["b"], grain)]
        bucket["attempts"] += r["n"]
        bucket["rpc"] += r["rpc"]


def cohorts(cases: QuerySet[Case], window: Window, months: int = 12) -> list[dict[str, Any]]:
    """Recovery curves by month of acceptance: for each acceptance month overlapping the
    window (at most the last ``months``), its cases and principal, and the cumulative
    recovery rate at the end of each month since acceptance (month 0 = the acceptance
    month), up to the end of the window. A case is in the cohort of its first
    acceptance only."""
    first_month = max(
        month_add(window.end.replace(day=1), -(months - 1)), window.start.replace(day=1)
    )
    sizes: dict[dt.date, tuple[int, Decimal]] = {}
    flows: dict[dt.date, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    if facts.usable(cases, window):
        _cohort_flows_facts(cases, window, first_month, sizes, flows)
        m = month_add(window.end.replace(day=1), 1)  # done
    else:
        m = first_month
    while m <= window.end:
        month = Window(m, min(month_add(m, 1) - dt.timedelta(days=1), window.end))
        members = cohort(cases, month)
        row = members.order_by().aggregate(n=Count("pk"), principal=Sum("principal"))
        if row["n"]:
            sizes[m] = (row["n"], _m(row["principal"]))
            paid = (
                Payment.objects.filter(case__in=members.values("pk"), received_at__lt=window.hi)
                .annotate(pm=TruncMonth("received_at", tzinfo=BUSINESS_TZ))
                .order_by()
                .values("pm")
                .annotate(s=Sum("amount"))
            )
            for r in paid:
                pm = _bucket_key(r["pm"], "month")
                age = max((pm.year - m.year) * 12 + pm.month - m.month, 0)
                flows[m][age] += _m(r["s"])
        m = month_add(m, 1)
    out = []
    for m in sorted(sizes):
        n, principal = sizes[m]
        last_age = (window.end.year - m.year) * 12 + window.end.month - m.month
        running = ZERO
        curve = []
        for age in range(last_age + 1):
            running += flows[m].get(age, ZERO)
            curve.append(rate(running, principal))
        out.append(
            {"month": m, "cases": n, "principal": principal, "recovered": running, "curve": curve}
        )
    return out


def _cohort_flows_facts(
    cases: QuerySet[Case],
    window: Window,
    first_month: dt.date,
    sizes: dict[dt.date, tuple[int, Decimal]],
    flows: dict[dt.date, dict[int, Decimal]],
) -> None:
    """``cohorts``' sizes and monthly flows from the fact rows: each case's recovery up to
    the window's end is known, so only the payments of the months before the window's last
    month are read (none for a one-month window)."""
    last_month = window.end.replace(day=1)
    rows = facts.cohort_rows(cases, Window(first_month, window.end))
    totals: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[dt.date, list[Any]] = defaultdict(lambda: [0, ZERO])
    for r in rows:
        m = r["accepted_day"].replace(day=1)
        counts[m][0] += 1
        counts[m][1] += r["principal"]
        totals[m] += r["recovered"]
    for m, (n, principal) in counts.items():
        sizes[m] = (n, _m(principal))
    if first_month < last_month and rows:
        spec = rollup.spec_of(cases)
        assert spec is not None
        before = Window(first_month, last_month - dt.timedelta(days=1))
        earlier = (
            Payment.objects.filter(
                organisation_id=spec["organisation"],
                received_at__lt=before.hi,
                case__in=cases.filter(
                    kpi_fact__organisation_id=spec["organisation"],
                    kpi_fact__accepted_at__gte=before.lo,
                    kpi_fact__accepted_at__lt=before.hi,
                ).values("pk"),
            )
            .annotate(
                am=TruncMonth("case__kpi_fact__accepted_at", tzinfo=BUSINESS_TZ),
                pm=TruncMonth("received_at", tzinfo=BUSINESS_TZ),
            )
            .order_by()
            .values("am", "pm")
            .annotate(s=Sum("amount"))
        )
        for r in earlier:
            m, pm = _bucket_key(r["am"], "month"), _bucket_key(r["pm"], "month")
            flows[m][max((pm.year - m.year) * 12 + pm.month - m.month, 0)] += _m(r["s"])
    for m, total in totals.items():  # the last month: the rest of the recovery to the end
        last_age = (last_month.year - m.year) * 12 + last_month.month - m.month
        flows[m][last_age] += total - sum(flows[m].values(), ZERO)


# --------------------------------------------------------------------------- people


def people(
    cases: QuerySet[Case], window: Window, user_ids: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Per handler (``Case.handler``) of the cases, in the window: workload (open cases
    now), contact attempts they made, gate refusals of their attempts (compliance
    incidents), promises made on their cases, money recovered on their cases, and the
    median days from acceptance to the first payment of their cases accepted in the window.
    ``user_ids`` limits the rows (a person sees only their own)."""
    handled = cases.filter(handler__isnull=False)
    attempts_q = ContactAttempt.objects.filter(
        _of(cases, own=True), at__gte=window.lo, at__lt=window.hi, actor__isnull=False
    )
    promises_q = Promise.objects.filter(
        _of(cases), case__handler__isnull=False, made_on__gte=window.start, made_on__lte=window.end
    )
    payments_q = Payment.objects.filter(
        _of(cases, own=True),
        case__handler__isnull=False,
        received_at__gte=window.lo,
        received_at__lt=window.hi,
    )
    if user_ids is not None:
        handled = handled.filter(handler_id__in=user_ids)
        attempts_q = attempts_q.filter(actor_id__in=user_ids)
        promises_q = promises_q.filter(case__handler_id__in=user_ids)
        payments_q = payments_q.filter(case__handler_id__in=user_ids)
    out: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "open": 0,
            "attempts": 0,
            "rpc": 0,
            "incidents": 0,
            "promises": 0,
            "recovered": ZERO,
            "cycle": distribution([]),
        }
    )
    for handler, (n, _) in open_by_handler(cases).items():
        if handler is not None and (user_ids is None or handler in user_ids):
            out[handler]["open"] = n
    rolled, live = rollup.split(cases, window)
    if rolled is not None:
        for actor, r in rollup.people_raw(cases, rolled, RIGHT_PARTY, user_ids).items():
            row = out[actor]
            row["attempts"] += r["attempts"]
            row["rpc"] += r["rpc"]
            row["incidents"] += r["refused"]
            if r["promises"]:
                row["promises"] += r["promises"]
            if r["recovered_n"]:
                row["recovered"] = _m(row["recovered"] + r["recovered"])
    if live is not None:
        attempts_q = attempts_q.filter(at__gte=live.lo, at__lt=live.hi)
        promises_q = promises_q.filter(made_on__gte=live.start, made_on__lte=live.end)
        payments_q = payments_q.filter(received_at__gte=live.lo, received_at__lt=live.hi)
        for r in (
            attempts_q.order_by()
            .values("actor")
            .annotate(
                n=Count("pk", filter=Q(allowed=True)),
                rpc=Count("pk", filter=Q(allowed=True, disposition__in=RIGHT_PARTY)),
                refused=Count("pk", filter=Q(allowed=False)),
            )
        ):
            row = out[r["actor"]]
            row["attempts"] += r["n"]
            row["rpc"] += r["rpc"]
            row["incidents"] += r["refused"]
        for r in promises_q.order_by().values("case__handler").annotate(n=Count("pk")):
            out[r["case__handler"]]["promises"] += r["n"]
        for r in payments_q.order_by().values("case__handler").annotate(s=Sum("amount")):
            row = out[r["case__handler"]]
            row["recovered"] = _m(row["recovered"] + _m(r["s"]))
    first_payment = Subquery(
        Payment.objects.filter(case=OuterRef("pk"), amount__gt=0, received_at__lt=window.hi)
        .order_by("received_at", "id")
        .values("received_at")[:1]
    )
    spans: dict[int, list[float]] = defaultdict(list)
    if facts.usable(cases, window):
        firsts: Iterable[tuple[Any, Any, Any]] = [
            (r["handler_id"], r["accepted_at"], r["first_paid_at"])
            for r in facts.cohort_rows(cases, window)
            if r["handler_id"] is not None
            and r["first_paid_at"] is not None
            and (user_ids is None or r["handler_id"] in user_ids)
        ]
    else:
        firsts = (
            cohort(handled, window)
            .annotate(first_paid=first_payment)
            .filter(first_paid__isnull=False)
            .order_by()
            .values_list("handler", "accepted_at", "first_paid")
        )
    for handler, accepted, paid in firsts:
        spans[handler].append(max((paid - accepted).total_seconds() / 86400, 0.0))
    for handler, values in spans.items():
        out[handler]["cycle"] = distribution(values)
    for row in out.values():
        row["rpc_rate"] = rate(row["rpc"], row["attempts"])
    return dict(out)


def open_by_handler(cases: QuerySet[Case]) -> dict[int | None, tuple[int, Decimal]]:
    """Open (not closed) cases and their outstanding per handler, read once per query set:
    the headline's open cases and the people table's workload come from the same rows."""
    memo: dict[int | None, tuple[int, Decimal]] | None = cases.__dict__.get("kpi_open")
    if memo is None:
        memo = {
            r["handler"]: (r["n"], _m(r["s"]))
            for r in cases.exclude(state="closed")
            .order_by()
            .values("handler")
            .annotate(n=Count("*"), s=Sum("outstanding"))
        }
        cases.__dict__["kpi_open"] = memo
    return memo


def overview(
    cases: QuerySet[Case], window: Window, *, recovery_total: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The headline figures of the dashboard (``recovery_total``: the cohort's recovery when
    the caller has already computed it with its groups)."""
    by_handler = open_by_handler(cases).values()
    return {
        "open_cases": sum(n for n, _ in by_handler),
        "outstanding": _m(sum((s for _, s in by_handler), ZERO)),
        "collections": collections(cases, window),
        "recovery": recovery_total or recovery(cases, window)["total"],
        "contact": contact(cases, window),
        "promises": promises(cases, window),
        "plans": plans(cases, window),
        "cycle": cycle_times(cases, window),
        "funnel": funnel(cases, window),
        "sla": feasibility_sla(cases, window),
    }
