"""Reads for payments: the commission rate of a case, payment lists, trust balances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from qingqian.accounts.models import Organisation
from qingqian.cases.models import Case
from qingqian.intake.fee_rules import RecoveryForm
from qingqian.payments.commission import FeeSchedule
from qingqian.payments.models import NON_CASH_KINDS, Charge, Payment, PaymentKind
from qingqian.reports import selectors as report_selectors
from qingqian.reports.models import Agreement, AgreementState


@dataclass(frozen=True, slots=True)
class CommissionRate:
    """The fee schedule that prices recoveries on a case, and where it came from."""

    schedule: FeeSchedule
    source: str
    """``agreement:<id>:v<version>`` or ``fee_schedule:<key>``."""
    counts: frozenset[str]
    """Payment kinds that count as recovered (cash always; set-off / goods per schedule)."""


def _counted_kinds(forms: frozenset[RecoveryForm]) -> frozenset[str]:
    kinds = {k.value for k in PaymentKind if k.value not in NON_CASH_KINDS} - {"reversal"}
    if RecoveryForm.SET_OFF in forms:
        kinds.add(PaymentKind.SETOFF.value)
    if RecoveryForm.GOODS in forms:
        kinds.add(PaymentKind.GOODS.value)
    return frozenset(kinds)


def commission_rate(case: Case, on: dt.date) -> CommissionRate | None:
    """The commission terms for ``case`` on ``on``: the signed fee agreement's terms, else the
    schedule of the case's organisation type in force on ``on`` (``reports.selectors.fee_terms``
    decides, for every caller alike). ``None`` when neither exists: no commission is accrued
    (and the statement says so)."""
    return _rate(report_selectors.fee_terms(case, on))


def _rate(terms: report_selectors.CaseFeeTerms | None) -> CommissionRate | None:
    """The commission terms of a case's fee terms (``None`` when no fee applies)."""
    if terms is None:
        return None
    return CommissionRate(
        schedule=terms.schedule, source=terms.source, counts=_counted_kinds(terms.forms)
    )


class BatchCommission:
    """:func:`commission_rate` for many cases of one organisation, reading their signed
    agreements, principals and the published schedules once (bulk posting)."""

    def __init__(self, organisation: Organisation, case_ids: list[int]) -> None:
        self.organisation = organisation
        self.principals = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "principal"))
        self.agreements = {
            a.case_id: a
            for a in Agreement.objects.filter(
                case_id__in=case_ids, state=AgreementState.SIGNED
            ).order_by("case_id", "version")
        }  # the latest signed version of each case wins
        self.schedules = report_selectors.pricing_schedules()

    def rate(self, case_id: int, debt_type: str, on: dt.date) -> CommissionRate | None:
        return _rate(
            report_selectors.fee_terms_for(
                debt_type=debt_type,
                principal=self.principals[case_id],
                organisation=self.organisation,
                agreement=self.agreements.get(case_id),
                on=on,
                schedules=self.schedules,
            )
        )


ZERO = Decimal("0.00")


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

    @property
    def total(self) -> Decimal:
        return self.principal + self.costs + self.interest


def case_debt_total(case: Case) -> Decimal:
    """All the debtor still owes on ``case``: outstanding principal plus the costs and
    interest not yet paid (one query). ``Case.outstanding`` is principal only."""
    extra = Charge.objects.filter(case=case, outstanding__gt=0).aggregate(s=Sum("outstanding"))
    return case.outstanding + (extra["s"] or ZERO)


def case_balance(case: Case, *, today: dt.date | None = None) -> CaseBalance:
    from qingqian.common import clock
    from qingqian.negotiation.models import Consequence, PlanVersion, VersionState
    from qingqian.negotiation.services import plan_assess

    today = today or clock.today()
    charges = list(
        Charge.objects.filter(case=case, outstanding__gt=0).values_list(
            "invoice_id", "component", "outstanding"
        )
    )
    costs = sum((o for _, c, o in charges if c == "costs"), ZERO)
    interest = sum((o for _, c, o in charges if c == "interest"), ZERO)
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
        return CaseBalance(case.outstanding, costs, interest, min(total, due + uncovered), "plan")
    due_now = total
    invoices = list(case.invoices.values_list("pk", "outstanding", "due_date", "issue_date"))
    if invoices:
        by_invoice: dict[int | None, Decimal] = {}
        for invoice_id, _, outstanding in charges:
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


def payments_for_case(case: Case) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(case=case)
        .select_related("actor", "reverses")
        .prefetch_related("allocations__invoice", "allocations__charge")
        .order_by("-received_at", "-id")
    )


def transfer_instructions(
    case: Case, reference: str, *, today: dt.date | None = None
) -> dict[str, str]:
    """Bank-transfer instructions: the always-available way to pay. The trust account is
    ``settings.QINGQIAN_TRUST_ACCOUNT = {"name", "bank", "number"}``; the reference (附言)
    is the case's unique payment reference (``payments.services.payment_reference_for`` makes
    it), which the statement import matches on. The amounts are ``case_balance``'s — the one
    answer to what the debtor owes — so the API, the portal and the case page agree:
    ``outstanding`` is everything owed (principal, costs and interest), ``due_now`` what is
    due today (under a plan, its installments due)."""
    from django.conf import settings

    account = getattr(settings, "QINGQIAN_TRUST_ACCOUNT", None) or {}
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
