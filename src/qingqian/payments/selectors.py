"""Reads for payments: the commission rate of a case, payment lists, trust balances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from qingqian.accounts.models import Organisation
from qingqian.cases.models import Case
from qingqian.fees import selectors as fee_selectors
from qingqian.fees.commission import FeeSchedule
from qingqian.fees.models import Agreement, AgreementState
from qingqian.fees.rules import RecoveryForm
from qingqian.payments.models import NON_CASH_KINDS, Charge, Payment, PaymentKind


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
    schedule of the case's organisation type in force on ``on`` (``fees.selectors.fee_terms``
    decides, for every caller alike). ``None`` when neither exists: no commission is accrued
    (and the statement says so)."""
    return _rate(fee_selectors.fee_terms(case, on))


def _rate(terms: fee_selectors.CaseFeeTerms | None) -> CommissionRate | None:
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
        self.schedules = fee_selectors.pricing_schedules()

    def rate(self, case_id: int, debt_type: str, on: dt.date) -> CommissionRate | None:
        return _rate(
            fee_selectors.fee_terms_for(
                debt_type=debt_type,
                principal=self.principals[case_id],
                organisation=self.organisation,
                agreement=self.agreements.get(case_id),
                on=on,
                schedules=self.schedules,
            )
        )


ZERO = Decimal("0.00")


def case_debt_total(case: Case) -> Decimal:
    """All the debtor still owes on ``case``: outstanding principal plus the costs and
    interest not yet paid (one query). ``Case.outstanding`` is principal only."""
    extra = Charge.objects.filter(case=case, outstanding__gt=0).aggregate(s=Sum("outstanding"))
    return case.outstanding + (extra["s"] or ZERO)


def payments_for_case(case: Case) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(case=case)
        .select_related("actor", "reverses")
        .prefetch_related("allocations__invoice", "allocations__charge")
        .order_by("-received_at", "-id")
    )
