"""Reads on the evidence vault, always through ``case_get_for_user``."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from qingqian.accounts.models import User
from qingqian.cases.models import Case, PartyRole
from qingqian.cases.selectors import case_get_for_user, case_party_links, cases_visible_to
from qingqian.evidence.models import EvidenceItem, EvidenceVersion
from qingqian.evidence.standard import ItemStatus, StandardResult, evaluate_standard
from qingqian.evidence.strength import StrengthResult, evidence_strength
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.models import Checkpoint, CheckpointTimestamp


def evidence_for_case(user: User | None, case_id: int) -> QuerySet[EvidenceItem]:
    return case_evidence(case_get_for_user(user, case_id))


def case_evidence(case: Case) -> QuerySet[EvidenceItem]:
    """The items of a case already read through ``case_get_for_user``."""
    return EvidenceItem.objects.filter(case=case).prefetch_related("versions__file")


def evidence_strength_for_case(user: User | None, case_id: int) -> StrengthResult:
    """The checklist score of the case (used by the feasibility report)."""
    case = case_get_for_user(user, case_id)
    types = EvidenceItem.objects.filter(case=case).values_list("evidence_type", flat=True)
    return case_evidence_strength(case, set(types))


def case_evidence_strength(case: Case, types: set[str]) -> StrengthResult:
    """The checklist score of a case already read, given its items' evidence types."""
    return evidence_strength(
        types, debt_type=case.debt_type, debtor_has_credit_code=_case_debtor_has_code(case)
    )


def _case_debtor_has_code(case: Case) -> bool:
    """A company debtor of the case has a credit code (from the links its page loaded)."""
    return any(
        cp.role == PartyRole.DEBTOR and cp.party.kind == "company" and cp.party.credit_code != ""
        for cp in case_party_links(case)
    )


def _debtor_has_code(case_ids: list[int]) -> set[int]:
    from qingqian.cases.models import CaseParty

    return set(
        CaseParty.objects.filter(case_id__in=case_ids, role=PartyRole.DEBTOR, party__kind="company")
        .exclude(party__credit_code="")
        .values_list("case_id", flat=True)
    )


def _signed_size() -> int:
    return Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0


def _stamped_size() -> int:
    """The largest checkpoint size that carries an RFC 3161 token."""
    return (
        CheckpointTimestamp.objects.order_by("-checkpoint__size")
        .values_list("checkpoint__size", flat=True)
        .first()
        or 0
    )


def _verified(version: EvidenceVersion) -> bool:
    """The stored bytes hash to the file's SHA-256, which is the one the log recorded."""
    entry = version.log_entry
    if entry is None or not default_storage.exists(version.file.storage_name):
        return False
    with default_storage.open(version.file.storage_name, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    logged = parse_canonical(entry.private_statement).get("sha256")
    return digest == version.file.sha256 == logged


def evidence_standard_for_case(user: User | None, case_id: int) -> StandardResult:
    """The case's evidence against the litigation standard of its debt type: per item, file
    present, in the log (under a signed checkpoint), timestamped, and its bytes verified."""
    return case_evidence_standard(case_get_for_user(user, case_id))


def case_evidence_standard(case: Case) -> StandardResult:
    """``evidence_standard_for_case`` of a case already read through ``case_get_for_user``."""
    items: list[ItemStatus] = []
    originals = list(
        EvidenceVersion.objects.filter(item__case=case, number=1)
        .select_related("item", "file", "log_entry")
        .order_by("item_id")
    )
    # The log's checkpoints matter only to a case with evidence (most pages have none).
    signed, stamped = (_signed_size(), _stamped_size()) if originals else (0, 0)
    for version in originals:
        index = version.log_entry.index if version.log_entry else None
        present = default_storage.exists(version.file.storage_name)
        items.append(
            ItemStatus(
                version.item_id,
                version.item.evidence_type,
                present,
                index is not None and index < signed,
                index is not None and index < stamped,
                present and _verified(version),
            )
        )
    return evaluate_standard(
        case.debt_type, items, debtor_has_credit_code=_case_debtor_has_code(case)
    )


def evidence_standard_share(user: User | None) -> dict[str, Any]:
    """The share of the cases the user may see that meet the evidence standard (file
    present and in the log for every requirement), overall and per debt type. Files are not
    re-read here (the per-case view does that)."""
    cases = dict(cases_visible_to(user).values_list("pk", "debt_type"))
    signed = _signed_size()
    by_case: dict[int, list[ItemStatus]] = {pk: [] for pk in cases}
    rows = EvidenceVersion.objects.filter(item__case_id__in=list(cases), number=1).values_list(
        "item__case_id", "item_id", "item__evidence_type", "log_entry__index"
    )
    for case_id, item_id, evidence_type, index in rows:
        in_log = index is not None and index < signed
        by_case[case_id].append(ItemStatus(item_id, evidence_type, True, in_log, False, None))
    with_code = _debtor_has_code(list(cases))
    per_type: dict[str, list[int]] = {}
    meeting = 0
    for pk, debt_type in cases.items():
        result = evaluate_standard(debt_type, by_case[pk], debtor_has_credit_code=pk in with_code)
        counts = per_type.setdefault(debt_type, [0, 0])
        counts[0] += 1
        if result.meets:
            counts[1] += 1
            meeting += 1

    def share(part: int, whole: int) -> Decimal:
        return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)

    return {
        "cases": len(cases),
        "meeting": meeting,
        "share_percent": share(meeting, len(cases)),
        "by_debt_type": {
            k: {"cases": v[0], "meeting": v[1], "share_percent": share(v[1], v[0])}
            for k, v in sorted(per_type.items())
        },
    }
