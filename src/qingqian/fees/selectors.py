"""What fee applies: the published schedules, the schedule in force on a day, and the one
answer to "what fee applies to this case and this payment" (:func:`fee_terms`), used by the
feasibility report, the agreement, the price page and payments alike (ADR 0006)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from qingqian.accounts.models import Organisation
from qingqian.cases.models import Case
from qingqian.fees.commission import FeeSchedule, for_claim
from qingqian.fees.models import Agreement, AgreementState, FeeScheduleRow
from qingqian.fees.presets import pricing_from_fields
from qingqian.fees.rules import (
    OrgType,
    PricingSchedule,
    RecoveryForm,
    price_disclosure,
    snapshot_recovery_forms,
    snapshot_schedule,
)

DEFAULT_ORGANISATION_TYPE = OrgType.MEDIATION_CENTRE.value


def organisation_type(organisation: Organisation | None = None) -> str:
    """The organisation's type (``Organisation.org_type``), which decides the fee rules; with
    no organisation, ``settings.QINGQIAN_ORGANISATION_TYPE`` or else ``mediation_centre``."""
    if organisation is not None and organisation.org_type:
        return str(organisation.org_type)
    value = getattr(settings, "QINGQIAN_ORGANISATION_TYPE", "") or DEFAULT_ORGANISATION_TYPE
    return str(value)


# --- fee schedules ---------------------------------------------------------------------------


ROW_FIELDS = (
    "key",
    "name_zh",
    "name_en",
    "organisation_type",
    "valid_from",
    "withdrawn_on",
    "bands",
    "recovered_counts",
    "court_costs_borne_by",
    "prepayment",
    "covers_litigation",
)


def row_pricing(row: FeeScheduleRow) -> PricingSchedule:
    return pricing_from_fields({f: getattr(row, f) for f in ROW_FIELDS})


def pricing_schedules() -> list[PricingSchedule]:
    return [row_pricing(r) for r in FeeScheduleRow.objects.all()]


def prices_page(on: dt.date) -> dict[str, Any]:
    """The data of the public ``/prices`` page on ``on``."""
    return price_disclosure(pricing_schedules(), on=on)


@dataclass(frozen=True)
class ScheduleChoice:
    pricing: PricingSchedule | None
    in_force: bool


def default_schedule(
    org_type: str, on: dt.date, *, schedules: list[PricingSchedule] | None = None
) -> ScheduleChoice:
    """The schedule of ``org_type`` in force on ``on`` (the latest to take effect); if none is
    in force yet, the first one announced (flagged ``in_force=False``)."""
    every = pricing_schedules() if schedules is None else schedules
    items = [p for p in every if p.organisation_type.value == org_type]
    active = [p for p in items if p.active_on(on)]
    if active:
        return ScheduleChoice(max(active, key=lambda p: (p.valid_from, p.key)), True)
    upcoming = sorted(
        (p for p in items if p.announced_after(on)), key=lambda p: (p.valid_from, p.key)
    )
    return ScheduleChoice(upcoming[0] if upcoming else None, False)


@dataclass(frozen=True)
class CaseFeeTerms:
    """The fee that applies to a case's recoveries on a day, and where it comes from: the one
    answer used by payments (commission), the agreement and the reports.

    ``schedule`` is already resolved for the case's ``claim`` (a by-claim band becomes its
    one rate), so it can be handed to the commission kernel as it is."""

    schedule: FeeSchedule
    claim: Decimal
    source: str
    """``agreement:<id>:v<version>`` (the signed agreement's terms) or ``fee_schedule:<key>``
    (the organisation type's schedule in force, where no agreement is signed)."""
    forms: frozenset[RecoveryForm]


def signed_agreement(case: Case) -> Agreement | None:
    """The case's signed fee agreement (the latest signed version), if any."""
    return (
        Agreement.objects.filter(case=case, state=AgreementState.SIGNED)
        .order_by("-version")
        .first()
    )


def case_claim_amount(principal: Decimal, agreement: Agreement | None = None) -> Decimal:
    """The size of the debt that picks a by-claim band: the claim at acceptance as the
    signed agreement states it, else the case's principal."""
    if agreement is not None:
        for key in ("claim_amount", "outstanding"):
            value = agreement.terms.get(key)
            if value not in (None, ""):
                return Decimal(str(value))
    return principal


def fee_terms(case: Case, on: dt.date) -> CaseFeeTerms | None:
    """What fee applies to ``case`` for a recovery on ``on``: the signed agreement's terms (its
    stored schedule snapshot) when there is one; otherwise the schedule of the case's
    organisation type in force on ``on``; ``None`` when neither exists (nothing accrues)."""
    return fee_terms_for(
        debt_type=case.debt_type,
        principal=case.principal,
        organisation=case.organisation,
        agreement=signed_agreement(case),
        on=on,
    )


def fee_terms_for(
    *,
    debt_type: str,
    principal: Decimal,
    organisation: Organisation | None,
    agreement: Agreement | None,
    on: dt.date,
    schedules: list[PricingSchedule] | None = None,
) -> CaseFeeTerms | None:
    """:func:`fee_terms` from what the caller has already read (bulk posting reads every
    case's agreement and the published schedules once per batch and passes them here)."""
    if agreement is not None:
        schedule = snapshot_schedule(agreement.schedule_snapshot, debt_type)
        if schedule is None:
            return None
        claim = case_claim_amount(principal, agreement)
        return CaseFeeTerms(
            schedule=for_claim(schedule, claim),
            claim=claim,
            source=f"agreement:{agreement.pk}:v{agreement.version}",
            forms=snapshot_recovery_forms(agreement.schedule_snapshot),
        )
    choice = default_schedule(organisation_type(organisation), on, schedules=schedules)
    pricing = choice.pricing
    if pricing is None or not choice.in_force:
        return None
    terms = pricing.agreement
    schedule_or_none = terms.by_debt_type.get(debt_type, terms.default)
    if schedule_or_none is None:
        return None
    return CaseFeeTerms(
        schedule=for_claim(schedule_or_none, principal),
        claim=principal,
        source=f"fee_schedule:{pricing.key}",
        forms=pricing.recovered_counts,
    )
