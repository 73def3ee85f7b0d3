"""Read-side queries of negotiation: a case's promises and plans, default rates by plan type."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from qingqian.cases.models import Case
from qingqian.negotiation.models import PlanVersion, Promise, SettlementOffer, VersionState

AGREED = [VersionState.ACTIVE, VersionState.BREACHED, VersionState.COMPLETED]


def case_negotiation(case: Case) -> dict[str, Any]:
    versions = list(
        PlanVersion.objects.filter(plan__case=case)
        .select_related("accepted_by_staff", "accepted_by_debtor")
        .prefetch_related("installments")
        .order_by("-created_at", "-pk")[:10]
    )
    return {
        "promises": list(Promise.objects.filter(case=case)[:20]),
        "versions": versions,
        "offers": list(SettlementOffer.objects.filter(case=case)[:5]),
    }


def plan_versions_for_debtor(case: Case) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(
        plan__case=case, state__in=[VersionState.PROPOSED, VersionState.ACTIVE]
    ).prefetch_related("installments")


def default_rates(cases: QuerySet[Case]) -> list[dict[str, Any]]:
    """Per plan type: agreed plans, how many ended in breach, and the default rate (%)."""
    rows = (
        PlanVersion.objects.filter(plan__case__in=cases, state__in=AGREED)
        .values("kind")
        .annotate(
            agreed=Count("pk"),
            breached=Count("pk", filter=Q(state=VersionState.BREACHED) | Q(breach__isnull=False)),
        )
        .order_by("kind")
    )
    out = []
    for r in rows:
        rate = (Decimal(r["breached"]) * 100 / r["agreed"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
        out.append(
            {"kind": r["kind"], "agreed": r["agreed"], "breached": r["breached"], "rate": rate}
        )
    return out
