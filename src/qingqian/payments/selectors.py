"""Reads for payments: the commission rate of a case, payment lists, trust balances."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from qingqian.cases.models import Case
from qingqian.intake.fee_rules import RecoveryForm
from qingqian.payments.commission import FeeSchedule
from qingqian.payments.models import NON_CASH_KINDS, Payment, PaymentKind
from qingqian.reports import selectors as report_selectors


@dataclass(frozen=True, slots=True)
class CommissionRate:
    """The fee schedule that prices recoveries on a case, and where it came from."""

    schedule: FeeSchedule
    source: str
    """``fee_schedule:<key>`` today; ``agreement:<id>`` once signed agreements exist."""
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
    """The commission terms for ``case`` on ``on``.

    Reads the organisation type's fee schedule in force (``reports.FeeScheduleRow``, the
    published 收费标准) and its schedule for the case's debt type. This is the one place to
    swap for the creditor's signed agreement when that model lands: keep the signature and
    return the agreement's schedule. ``None`` when no schedule is in force: no commission is
    accrued (and the statement says so)."""
    choice = report_selectors.default_schedule(report_selectors.organisation_type(), on)
    pricing = choice.pricing
    if pricing is None or not choice.in_force:
        return None
    agreement = pricing.agreement
    schedule = agreement.by_debt_type.get(case.debt_type, agreement.default)
    if schedule is None:
        return None
    return CommissionRate(
        schedule=schedule,
        source=f"fee_schedule:{pricing.key}",
        counts=_counted_kinds(pricing.recovered_counts),
    )


def payments_for_case(case: Case) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(case=case)
        .select_related("actor", "reverses")
        .prefetch_related("allocations__invoice")
        .order_by("-received_at", "-id")
    )


def transfer_instructions(case: Case) -> dict[str, str]:
    """Bank-transfer instructions: the always-available way to pay. The trust account is
    ``settings.QINGQIAN_TRUST_ACCOUNT = {"name", "bank", "number"}``; the reference (附言)
    is the case's unique payment reference, which the statement import matches on."""
    from django.conf import settings

    from qingqian.payments.services import payment_reference_for

    account = getattr(settings, "QINGQIAN_TRUST_ACCOUNT", None) or {}
    return {
        "account_name": str(account.get("name", "")),
        "bank": str(account.get("bank", "")),
        "account_number": str(account.get("number", "")),
        "reference": payment_reference_for(case).code,
        "outstanding": str(case.outstanding),
    }
