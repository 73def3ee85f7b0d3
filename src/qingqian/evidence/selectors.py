"""Reads on the evidence vault, always through ``case_get_for_user``."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from qingqian.accounts.models import User
from qingqian.cases.models import PartyRole
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.evidence.models import EvidenceItem, EvidenceVersion
from qingqian.evidence.standard import ItemStatus, StandardResult, evaluate_standard
from qingqian.evidence.strength import StrengthResult, evidence_strength
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.models import Checkpoint, CheckpointTimestamp


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
    case = case_get_for_user(user, case_id)
    signed, stamped = _signed_size(), _stamped_size()
    items: list[ItemStatus] = []
    originals = (
        EvidenceVersion.objects.filter(item__case=case, number=1)
        .select_related("item", "file", "log_entry")
        .order_by("item_id")
    )
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
        case.debt_type, items, debtor_has_credit_code=bool(_debtor_has_code([case.pk]))
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
