"""Read-side queries of negotiation: a case's promises and plans, default rates by plan type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.negotiation import breach as kbreach
from qingqian.negotiation import plans as kplans
from qingqian.negotiation.models import (
    Consequence,
    PlanVersion,
    Promise,
    SettlementOffer,
    VersionState,
)
from qingqian.payments.models import Charge, Payment, PaymentKind
from qingqian.payments.selectors import ZERO

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


# --- plans against the payments received ------------------------------------------------------

SHANGHAI = clock.BUSINESS_TZ


def _day(at: dt.datetime) -> dt.date:
    """The business day (Asia/Shanghai) of an instant."""
    return at.astimezone(SHANGHAI).date()


def _payments(case: Case, since: dt.date | None = None) -> list[kbreach.Payment]:
    """Cash received on ``case`` (reversed payments and reversals excluded), by business day."""
    rows = (
        Payment.objects.filter(case=case, amount__gt=0, reversed_by__isnull=True)
        .exclude(kind=PaymentKind.REVERSAL)
        .order_by("received_at", "pk")
    )
    out = []
    for p in rows:
        day = _day(p.received_at)
        if since is None or day >= since:
            out.append(kbreach.Payment(amount=p.amount, paid_on=day))
    return out


def _kernel_schedule(version: PlanVersion) -> kplans.Schedule:
    items = tuple(
        kplans.Installment(
            number=i.number,
            due=i.due,
            principal=i.principal,
            interest=i.interest,
            months=(),
            capacity=None,
        )
        for i in version.installments.all()
    )
    total = sum((i.principal for i in items), Decimal("0.00"))
    return kplans.Schedule(kind=version.kind, total=total, installments=items)  # type: ignore[arg-type]


def plan_assess(version: PlanVersion, *, today: dt.date | None = None) -> kbreach.BreachAssessment:
    since = _day(version.agreed_at) if version.agreed_at else None
    return kbreach.assess_plan(
        _kernel_schedule(version),
        _payments(version.plan.case, since=since),
        today=today or clock.today(),
        grace_days=version.grace_days,
        consequence=kbreach.Consequence(version.consequence),
    )


# --- what the debtor owes --------------------------------------------------------------------
# Here, above payments: the balance reads the payments and charges recorded and, under a plan,
# what the plan makes due (ADR 0008).


@dataclass(frozen=True, slots=True)
class CaseBalance:
    """What the debtor owes on a case, by component, and how much of it is due now.

    ``basis``: ``invoices`` (no plan in force: invoices due by today, with their costs and
    interest), ``plan`` (an agreed plan in force: its installments due by today plus
    whatever the plan does not cover), or ``accelerated`` (the plan was breached with
    acceleration: everything is due). The accelerated balance recorded at the breach is
    part of ``total``, never added to it."""

    principal: Decimal
    costs: Decimal
    interest: Decimal
    due_now: Decimal
    basis: str
    accelerated_balance: Decimal | None = None
    # Under an active plan: what is left of the earliest installment not fully paid, due or
    # not, and its day (the debtor's pages name it when nothing is due yet); None without.
    next_installment: Decimal | None = None
    next_due: dt.date | None = None
    # Under an active plan: what is left of its installments due by today (``due_now``
    # adds whatever the plan does not cover); None without one.
    plan_due: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.principal + self.costs + self.interest


def case_balance(
    case: Case, *, today: dt.date | None = None, charges: Sequence[Charge] | None = None
) -> CaseBalance:
    """What the debtor owes now. ``charges``: the case's charges as the caller already
    read them (the case page's payments panel lists them all), instead of a query."""
    today = today or clock.today()
    owed = (
        [(c.invoice_id, c.component, c.outstanding) for c in charges if c.outstanding > 0]
        if charges is not None
        else list(
            Charge.objects.filter(case=case, outstanding__gt=0).values_list(
                "invoice_id", "component", "outstanding"
            )
        )
    )
    costs = sum((o for _, c, o in owed if c == "costs"), ZERO)
    interest = sum((o for _, c, o in owed if c == "interest"), ZERO)
    total = case.outstanding + costs + interest
    version = (
        PlanVersion.objects.filter(
            plan__case=case,
            state__in=[VersionState.ACTIVE, VersionState.BREACHED, VersionState.COMPLETED],
        )
        .select_related("breach")
        .order_by("-agreed_at", "-pk")
        .first()
    )
    if version is not None and version.state == VersionState.BREACHED:
        breach = getattr(version, "breach", None)
        if breach is not None and breach.consequence == Consequence.ACCELERATION:
            return CaseBalance(
                case.outstanding, costs, interest, total, "accelerated",
                breach.accelerated_balance,
            )  # fmt: skip
    if version is not None and version.state == VersionState.ACTIVE:
        result = plan_assess(version, today=today)
        due = sum((s.outstanding for s in result.installments if s.due <= today), ZERO)
        uncovered = max(ZERO, total - result.outstanding_total)
        upcoming = next((s for s in result.installments if s.outstanding > 0), None)
        return CaseBalance(
            case.outstanding, costs, interest, min(total, due + uncovered), "plan",
            next_installment=upcoming.outstanding if upcoming is not None else None,
            next_due=upcoming.due if upcoming is not None else None,
            plan_due=due,
        )  # fmt: skip
    due_now = total
    if "invoices" in getattr(case, "_prefetched_objects_cache", {}):  # the case page's list
        invoices = [(i.pk, i.outstanding, i.due_date, i.issue_date) for i in case.invoices.all()]
    else:
        invoices = list(case.invoices.values_list("pk", "outstanding", "due_date", "issue_date"))
    if invoices:
        by_invoice: dict[int | None, Decimal] = {}
        for invoice_id, _, outstanding in owed:
            by_invoice[invoice_id] = by_invoice.get(invoice_id, ZERO) + outstanding
        due_now = sum(
            (
                outstanding + by_invoice.get(pk, ZERO)
                for pk, outstanding, due, issued in invoices
                if (due or issued or case.due_date or today) <= today
            ),
            ZERO,
        )
    elif case.due_date is not None and case.due_date > today:
        due_now = ZERO
    return CaseBalance(case.outstanding, costs, interest, due_now, "invoices")


def transfer_instructions(
    case: Case,
    reference: str,
    *,
    today: dt.date | None = None,
    balance: CaseBalance | None = None,
) -> dict[str, str]:
    """Bank-transfer instructions: the always-available way to pay. The trust account is
    ``settings.QINGQIAN_TRUST_ACCOUNT = {"name", "bank", "number"}``; the reference (附言)
    is the case's unique payment reference (``payments.services.payment_reference_for`` makes
    it), which the statement import matches on. The amounts are ``case_balance``'s — the one
    answer to what the debtor owes — so the API, the portal and the case page agree:
    ``outstanding`` is everything owed (principal, costs and interest), ``due_now`` what is
    due today (under a plan, its installments due). A caller that already has the case's
    ``balance`` passes it, so the plan is assessed once per page."""
    from django.conf import settings

    account = getattr(settings, "QINGQIAN_TRUST_ACCOUNT", None) or {}
    if balance is None:
        balance = case_balance(case, today=today)
    return {
        "account_name": str(account.get("name", "")),
        "bank": str(account.get("bank", "")),
        "account_number": str(account.get("number", "")),
        "reference": reference,
        "outstanding": str(balance.total),
        "principal": str(balance.principal),
        "costs": str(balance.costs),
        "interest": str(balance.interest),
        "due_now": str(balance.due_now),
        "basis": balance.basis,
    }
