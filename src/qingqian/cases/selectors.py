"""Reads on cases. Every case read goes through ``cases_visible_to`` / ``case_get_for_user``,
which apply organisation, role and creditor scope in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, Count, F, Func, Prefetch, Q, QuerySet, Sum, Value

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.aging import BUCKETS, JUDICIAL_ROUTE_DAYS, due_date_bounds
from qingqian.cases.models import Case, CaseParty, Invoice, PartyRole
from qingqian.common.bounds import PAGE_MAX
from qingqian.common.exceptions import NotFound, PermissionDenied


def cases_visible_to(user: User | None) -> QuerySet[Case]:
    """The cases ``user`` may read: nothing for anonymous or inactive users or other orgs'
    cases; a creditor user only their creditor's; a collector only cases assigned to them."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.organisation_id is None or not user.has_perm_code(Perm.CASE_VIEW):
        return Case.objects.none()
    qs = Case.objects.filter(organisation_id=user.organisation_id)
    if user.role == Role.CREDITOR:
        return qs.filter(creditor_id=user.creditor_id)
    if user.role == Role.COMMUNITY_MEDIATOR:  # h18: only the cases they mediate
        return qs.filter(pk__in=qs.filter(mediations__mediator__user=user).values("pk"))
    if not user.has_perm_code(Perm.CASE_VIEW_ALL):
        return qs.filter(handler=user)
    return qs


def case_get_for_user(user: User | None, case_id: int, *, for_detail: bool = False) -> Case:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(
            "请先登录。", "Please log in first.", code="not_authenticated", status=401
        )
    qs = cases_visible_to(user).select_related("creditor", "handler", "organisation")
    if for_detail:
        qs = qs.prefetch_related(
            Prefetch(
                "case_parties",
                queryset=CaseParty.objects.select_related("party").order_by("role", "id"),
            ),
            Prefetch("invoices", queryset=Invoice.objects.order_by("due_date", "id")),
        )
    case = qs.filter(pk=case_id).first()
    if case is None:
        # Same answer whether the case does not exist or is out of scope: no probing.
        raise NotFound(
            "案件不存在或无权查看。",
            "Case not found or not visible to you.",
            code="case_not_found",
            details={"case_id": case_id},
        )
    return case


def case_party_links(case: Case) -> list[CaseParty]:
    """The case's party links with their parties, ordered by role then id: the list its page
    already loaded (``case_get_for_user(for_detail=True)`` prefetches it), so the panels that
    each need the debtors share one query; a query when the case was loaded without it."""
    if "case_parties" in getattr(case, "_prefetched_objects_cache", {}):
        return list(case.case_parties.all())
    return list(case.case_parties.select_related("party").order_by("role", "id"))


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    state: str = ""
    debt_type: str = ""
    creditor_id: int | None = None
    bucket: str = ""
    judicial: bool = False
    as_of: dt.date | None = None


BROAD_SEARCH = 2000
#: Terms this short cannot use the trigram index (PostgreSQL): the grams index answers them.
SHORT_TERM = 2


class _NameGramsHold(Func):
    """PostgreSQL: the upper-cased debtor name's single characters and adjacent pairs
    (``qq_grams``, migration ``cases/0007``) include the upper-cased term, the expression
    of the index ``case_debtor_name_grams``. True whenever the name contains a term of one
    or two characters, so it only narrows the candidates that ``icontains`` then checks."""

    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        name, term = self.get_source_expressions()
        name_sql, name_params = compiler.compile(name)
        term_sql, term_params = compiler.compile(term)
        sql = f"qq_grams(UPPER({name_sql}::text)) @> ARRAY[UPPER({term_sql})]::text[]"
        return sql, [*name_params, *term_params]


def _name_contains(q: str) -> QuerySet[Case]:
    """Cases whose debtor name contains ``q`` (case-insensitive), through an index on
    PostgreSQL whatever the term's length."""
    name = Case.objects.filter(debtor_name__icontains=q).order_by()
    if len(q) <= SHORT_TERM and connections[name.db].vendor == "postgresql":
        name = name.filter(_NameGramsHold(F("debtor_name"), Value(q)))
    return name


def _search_condition(q: str) -> Q:
    """Cases whose debtor name contains ``q``, or whose reference, a debtor's credit code or
    an invoice number is ``q``.

    A selective search is answered as a UNION of branches that each use their own index
    (on PostgreSQL trigrams on the name, or its characters and pairs for a term of one or
    two; the unique reference, credit code, invoice number)
    and only then joined to the case list. A broad one (a word most names share, such as
    有限公司) is left as one OR condition, which the ordered list scan satisfies at once; one
    bounded probe tells the two apart.
    """
    code = q.upper()
    name = _name_contains(q)
    branches: list[QuerySet[Any]] = [Case.objects.filter(reference=code).order_by().values("pk")]
    if len(q) == 18:
        branches.append(
            CaseParty.objects.filter(party__credit_code=code).order_by().values("case_id")
        )
    if len(q) >= 3:
        branches.append(Invoice.objects.filter(number=q).order_by().values("case_id"))
    if len(name.values("pk")[:BROAD_SEARCH]) >= BROAD_SEARCH:
        cond = Q(debtor_name__icontains=q)
        for branch in branches:
            cond |= Q(pk__in=branch)
        return cond
    return Q(pk__in=name.values("pk").union(*branches, all=True))


def case_search(user: User | None, filters: CaseFilters) -> QuerySet[Case]:
    """Filtered, searchable case list (debtor name, credit code, invoice number, reference)."""
    qs = cases_visible_to(user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.debt_type:
        qs = qs.filter(debt_type=filters.debt_type)
    if filters.creditor_id:
        qs = qs.filter(creditor_id=filters.creditor_id)
    as_of = filters.as_of
    if filters.bucket and as_of is not None:
        bucket = next((b for b in BUCKETS if b.key == filters.bucket), None)
        if bucket is not None:
            earliest, latest = due_date_bounds(bucket, as_of)
            if earliest is not None:
                qs = qs.filter(oldest_due_date__gte=earliest)
            if latest is not None:
                qs = qs.filter(oldest_due_date__lte=latest)
    if filters.judicial and as_of is not None:
        qs = qs.filter(oldest_due_date__lt=as_of - dt.timedelta(days=JUDICIAL_ROUTE_DAYS))
    q = filters.q.strip()
    if q:
        qs = qs.filter(_search_condition(q))
    return qs


def count_estimated(qs: QuerySet[Any]) -> tuple[int, bool]:
    """``(count, exact)``: the exact count of a small result; of a big one (more rows than
    ``QINGQIAN_EXACT_COUNT_UP_TO``) PostgreSQL's planner estimate, never below that limit.

    Counting 100,000 cases row by row costs tens of milliseconds on every list page; the
    estimate costs one plan. Whether the result is big is decided by a bounded probe (a row
    past the limit exists), never by the estimate alone, so a small result is always exact.
    Other databases always count.
    """
    limit = int(getattr(settings, "QINGQIAN_EXACT_COUNT_UP_TO", 10_000))
    conn = connections[qs.db]
    bare = qs.order_by()
    if conn.vendor != "postgresql" or limit <= 0:
        return bare.count(), True
    sql, params = bare.values("pk").query.sql_with_params()
    with conn.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate <= limit or not bare.values("pk")[limit : limit + 1].exists():
        return bare.count(), True
    # Rounded to three significant figures: shown as "about N", it claims no more.
    digits = max(len(str(estimate)) - 3, 0)
    return max(round(estimate, -digits), limit + 1), False


#: What the staff case list shows of a case, its creditor, handler and debtors: the list
#: loads only these columns (``case_list_page(…, list_columns=True)``), not every party's
#: encrypted identity fields nor every user's password hash.
LIST_COLUMNS = (
    "id", "reference", "state", "debtor_name", "debt_type", "outstanding", "oldest_due_date",
    "creditor_id", "handler_id", "creditor__id", "creditor__name",
    "handler__id", "handler__username", "handler__first_name", "handler__last_name",
)  # fmt: skip
LIST_PARTY_COLUMNS = ("id", "case_id", "party_id", "role", "party__id", "party__name",
                      "party__credit_code")  # fmt: skip


def case_list_page(
    user: User | None,
    filters: CaseFilters,
    *,
    page: int = 1,
    per_page: int = 50,
    list_columns: bool = False,
) -> tuple[list[Case], int, bool]:
    """One page of cases with their debtors, the result's count and whether that count is
    exact (``count_estimated``); a constant number of queries per page. ``list_columns``: only
    the columns the staff list shows (``LIST_COLUMNS``), a third less work a page."""
    qs = case_search(user, filters)
    count, exact = count_estimated(qs)
    page = min(max(1, page), PAGE_MAX)
    # Pick the page's ids first (an index-only walk), then load just those rows with their
    # relations: deep pages no longer drag every skipped row through the joins.
    ids = list(
        qs.order_by("-created_at", "-id").values_list("pk", flat=True)[
            (page - 1) * per_page : page * per_page
        ]
    )
    links = CaseParty.objects.filter(role=PartyRole.DEBTOR).select_related("party")
    cases = Case.objects.filter(pk__in=ids).select_related("creditor", "handler")
    if list_columns:
        links, cases = links.only(*LIST_PARTY_COLUMNS), cases.only(*LIST_COLUMNS)
    rows: list[Case] = list(
        cases.prefetch_related(
            Prefetch("case_parties", queryset=links, to_attr="debtor_links")
        ).order_by("-created_at", "-id")
    )
    return rows, count, exact


def dashboard_stats(user: User | None, as_of: dt.date) -> dict[str, Any]:
    qs = cases_visible_to(user)
    by_state = {
        row["state"]: {"count": row["n"], "outstanding": row["amt"] or Decimal("0.00")}
        for row in qs.values("state").annotate(n=Count("id"), amt=Sum("outstanding"))
    }
    totals = qs.aggregate(n=Count("id"), principal=Sum("principal"), outstanding=Sum("outstanding"))
    return {
        "by_state": by_state,
        "total_cases": totals["n"] or 0,
        "total_principal": totals["principal"] or Decimal("0.00"),
        "total_outstanding": totals["outstanding"] or Decimal("0.00"),
        "aging": aging_report(user, as_of)["totals"],
        "judicial_candidates": qs.exclude(state="closed")
        .filter(oldest_due_date__lt=as_of - dt.timedelta(days=JUDICIAL_ROUTE_DAYS))
        .count(),
    }


def aging_report(
    user: User | None, as_of: dt.date, *, group_by: str = "creditor", open_only: bool = True
) -> dict[str, Any]:
    """Outstanding invoice amounts by aging bucket as of ``as_of``, per creditor or per debtor.

    Buckets are date ranges on the due date, so one aggregate query answers it on any backend.
    """
    cases = cases_visible_to(user)
    if open_only:
        cases = cases.exclude(state="closed")
    invoices = Invoice.objects.filter(case__in=cases, outstanding__gt=0)
    aggregates: dict[str, Any] = {}
    for b in BUCKETS:
        earliest, latest = due_date_bounds(b, as_of)
        cond = Q()
        if earliest is not None:
            cond &= Q(due_date__gte=earliest)
        if latest is not None:
            cond &= Q(due_date__lte=latest)
        if b.key == "0_30":
            cond |= Q(due_date__isnull=True)
        aggregates[f"amt_{b.key}"] = Sum("outstanding", filter=cond)
        aggregates[f"n_{b.key}"] = Count("id", filter=cond)
    key = {
        "creditor": ("creditor_id", "creditor__name"),
        "debtor": ("case__debtor_name", "case__debtor_name"),
    }[group_by]
    groups = []
    for row in invoices.values(*dict.fromkeys(key)).annotate(**aggregates).order_by(key[1]):
        groups.append(
            {
                "id": row[key[0]],
                "name": row[key[1]],
                "buckets": {
                    b.key: {
                        "amount": row[f"amt_{b.key}"] or Decimal("0.00"),
                        "count": row[f"n_{b.key}"],
                    }
                    for b in BUCKETS
                },
            }
        )
    totals_row = invoices.aggregate(**aggregates)
    totals = {
        b.key: {
            "amount": totals_row[f"amt_{b.key}"] or Decimal("0.00"),
            "count": totals_row[f"n_{b.key}"],
        }
        for b in BUCKETS
    }
    return {
        "as_of": as_of,
        "group_by": group_by,
        "groups": groups,
        "totals": totals,
        "buckets": BUCKETS,
    }
