"""Reads on the evidence vault, always through ``case_get_for_user``."""

from __future__ import annotations

from django.db.models import QuerySet

from qingqian.accounts.models import User
from qingqian.cases.models import PartyRole
from qingqian.cases.selectors import case_get_for_user
from qingqian.evidence.models import EvidenceItem
from qingqian.evidence.strength import StrengthResult, evidence_strength


def evidence_for_case(user: User | None, case_id: int) -> QuerySet[EvidenceItem]:
    case = case_get_for_user(user, case_id)
    return EvidenceItem.objects.filter(case=case).prefetch_related("versions__file")


def evidence_strength_for_case(user: User | None, case_id: int) -> StrengthResult:
    """The checklist score of the case (used by the feasibility report)."""
    case = case_get_for_user(user, case_id)
    types = EvidenceItem.objects.filter(case=case).values_list("evidence_type", flat=True)
    debtor_has_code = (
        case.case_parties.filter(role=PartyRole.DEBTOR, party__kind="company")
        .exclude(party__credit_code="")
        .exists()
    )
    return evidence_strength(
        set(types), debt_type=case.debt_type, debtor_has_credit_code=debtor_has_code
    )
