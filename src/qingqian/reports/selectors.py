"""Reads for feasibility reports and fee schedules. Case access always goes through
``case_get_for_user`` / ``cases_visible_to``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from qingqian.accounts.models import User
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, PartyRole, TimelineEvent
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common.exceptions import NotFound
from qingqian.evidence.models import EvidenceItem
from qingqian.evidence.strength import evidence_strength, strength_level
from qingqian.fees.rules import (
    PricingSchedule,
)
from qingqian.fees.selectors import default_schedule, organisation_type
from qingqian.reports.feasibility import CaseFacts, Evidence
from qingqian.reports.models import FeasibilityReport

#: The feasibility report is due this long after intake completes (the case enters
#: ``evidence_review``).
REPORT_SLA = dt.timedelta(hours=24)


# --- case facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactsContext:
    """What the Django layer adds around the kernel's facts (stored with the report)."""

    organisation_type: str
    fee_schedule_key: str | None
    fee_schedule_in_force: bool
    fee_schedule_valid_from: str | None
    evidence_items: int
    evidence_score: int | None


def case_facts(case: Case, *, today: dt.date) -> tuple[CaseFacts, FactsContext]:
    """Everything the case knows, as the kernel's :class:`CaseFacts`."""
    debtor_link = (
        case.case_parties.filter(role=PartyRole.DEBTOR).select_related("party").order_by("id")
    ).first()
    debtor = debtor_link.party if debtor_link else None
    identified = bool(debtor and (debtor.credit_code or debtor.id_number_hash))
    types = set(EvidenceItem.objects.filter(case=case).values_list("evidence_type", flat=True))
    count = EvidenceItem.objects.filter(case=case).count()
    evidence: dict[str, Evidence] = {
        "written_agreement": Evidence.UNKNOWN,
        "money_flow": Evidence.UNKNOWN,
        "debtor_identity": Evidence.PRESENT if identified else Evidence.UNKNOWN,
    }
    level: str | None = None
    score: int | None = None
    if count:
        result = evidence_strength(
            types,
            debt_type=case.debt_type,
            debtor_has_credit_code=bool(debtor and debtor.kind == "company" and debtor.credit_code),
        )
        met = {item.code for item in result.met}
        for code in evidence:
            if code in met:
                evidence[code] = Evidence.PRESENT
            elif code != "debtor_identity" or not identified:
                evidence[code] = Evidence.MISSING
        score = result.score
        level = strength_level(score)
    org_type = organisation_type(case.organisation)
    choice = default_schedule(org_type, today)
    facts = CaseFacts(
        debt_type=case.debt_type,
        principal=case.principal,
        outstanding=case.outstanding,
        creditor_name=case.creditor.name,
        debtor_name=case.debtor_name,
        agreed_rate=case.interest_rate,
        contract_date=case.contract_date,
        funds_transferred=case.funds_transfer_date,
        due_date=case.due_date or case.oldest_due_date,
        last_payment=case.last_payment_date,
        written_agreement=evidence["written_agreement"],
        money_flow=evidence["money_flow"],
        debtor_identity=evidence["debtor_identity"],
        evidence_strength=level,
        debtor_kind=debtor.kind if debtor and debtor.kind in ("person", "company") else None,
        fee_schedule=choice.pricing,
        organisation_type=org_type,
    )
    context = FactsContext(
        organisation_type=org_type,
        fee_schedule_key=choice.pricing.key if choice.pricing else None,
        fee_schedule_in_force=choice.in_force,
        fee_schedule_valid_from=choice.pricing.valid_from.isoformat() if choice.pricing else None,
        evidence_items=count,
        evidence_score=score,
    )
    return facts, context


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date | Evidence):
        return str(value)
    if isinstance(value, PricingSchedule):
        return value.key
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def inputs_digest(facts: CaseFacts, context: FactsContext, today: dt.date) -> str:
    """SHA-256 of the inputs (facts, context and date), canonical JSON."""
    data = {
        "facts": {
            k: _plain(v)
            for k, v in vars(facts).items()
            if k != "fee_schedule" and k != "other_evidence"
        }
        | {"other_evidence": _plain(dict(facts.other_evidence))},
        "context": asdict(context),
        "today": today.isoformat(),
    }
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


# --- reports ---------------------------------------------------------------------------------


def reports_for_case(user: User | None, case_id: int) -> tuple[Case, list[FeasibilityReport]]:
    case = case_get_for_user(user, case_id)
    reports = list(
        FeasibilityReport.objects.filter(case=case)
        .select_related("generated_by", "decided_by")
        .order_by("-version")
    )
    return case, reports


def report_for_user(
    user: User | None, case_id: int, version: int | None = None
) -> FeasibilityReport:
    """The latest (or the given) version of the case's report; ``NotFound`` if none."""
    case = case_get_for_user(user, case_id)
    qs = FeasibilityReport.objects.filter(case=case).select_related("case", "decided_by")
    if version is not None:
        qs = qs.filter(version=version)
    report = qs.order_by("-version").first()
    if report is None:
        raise NotFound(
            "该案件还没有可行性报告。",
            "This case has no feasibility report yet.",
            code="report_not_found",
            details={"case_id": case_id, "version": version},
        )
    return report


@dataclass(frozen=True)
class SlaRow:
    case: Case
    entered_at: dt.datetime
    deadline: dt.datetime
    breached: bool


def _entered_review() -> Subquery:
    return Subquery(
        TimelineEvent.objects.filter(case=OuterRef("pk"), to_state=State.EVIDENCE_REVIEW.value)
        .order_by("-at", "-id")
        .values("at")[:1]
    )


def cases_awaiting_report(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Cases in evidence review with no report generated since they entered it."""
    reported = FeasibilityReport.objects.filter(
        case=OuterRef("pk"), generated_at__gte=OuterRef("entered_at")
    )
    return (
        qs.filter(state=State.EVIDENCE_REVIEW.value)
        .annotate(entered_at=_entered_review())
        .filter(entered_at__isnull=False)
        .annotate(reported=Exists(reported))
        .filter(reported=False)
        .order_by("entered_at", "id")
    )


def feasibility_sla(user: User | None, *, now: dt.datetime) -> dict[str, list[SlaRow]]:
    """The 24-hour SLA for the dashboard: ``due`` (still within 24 h of intake completion) and
    ``breached`` (past it, no report), plus ``pending`` reports awaiting a lawyer's decision."""
    due: list[SlaRow] = []
    breached: list[SlaRow] = []
    for case in cases_awaiting_report(cases_visible_to(user)):
        entered: dt.datetime = case.entered_at  # type: ignore[attr-defined]
        deadline = entered + REPORT_SLA
        row = SlaRow(case, entered, deadline, now > deadline)
        (breached if row.breached else due).append(row)
    return {"due": due, "breached": breached}


def reports_pending_decision(user: User | None) -> QuerySet[FeasibilityReport]:
    """Latest reports of cases still in evidence review, not yet decided."""
    return (
        FeasibilityReport.objects.filter(
            case__in=cases_visible_to(user).filter(state=State.EVIDENCE_REVIEW.value),
            decision="pending",
        )
        .select_related("case")
        .order_by("generated_at")
    )
