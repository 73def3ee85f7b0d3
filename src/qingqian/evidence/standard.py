"""The litigation evidence standard per debt type, as data (pure; no Django).

What a court asks for before it takes a debt claim as proven: a written agreement, proof
that the money or goods moved, and who the debtor is; for trade debts the trade papers —
delivery notes, invoices, a reconciliation statement. Each requirement is met by evidence of
the listed types; a case *meets the standard* when every requirement of its debt type has an
item whose file is present and in the log (sequenced under a signed checkpoint). Whether the
item is also timestamped and its bytes verified is shown per case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    code: str
    label_zh: str
    label_en: str
    types: frozenset[str]  # evidence types that satisfy it
    credit_code_suffices: bool = False  # a company debtor's credit code meets it


WRITTEN_AGREEMENT_TYPES = frozenset(
    {
        "iou",
        "loan_contract",
        "sales_contract",
        "supply_contract",
        "construction_contract",
        "purchase_order",
        "reconciliation",
    }
)
WRITTEN = Requirement("written_agreement", "书面协议", "Written agreement", WRITTEN_AGREEMENT_TYPES)
LOAN_WRITTEN = Requirement(
    "written_agreement", "书面协议", "Written agreement", frozenset({"iou", "loan_contract"})
)
MONEY = Requirement(
    "money_flow", "款项交付凭证", "Proof of the money flow", frozenset({"transfer_record"})
)
TRADE_MONEY = Requirement(
    "money_flow",
    "款项或货物交付凭证",
    "Proof of the money or goods flow",
    frozenset({"transfer_record", "invoice", "delivery_note"}),
)
IDENTITY = Requirement(
    "debtor_identity",
    "债务人身份",
    "Debtor identity",
    frozenset({"identity_document"}),
    credit_code_suffices=True,
)
DELIVERY = Requirement("delivery_notes", "送货单", "Delivery notes", frozenset({"delivery_note"}))
INVOICES = Requirement("invoices", "发票", "Invoices", frozenset({"invoice"}))
RECONCILIATION = Requirement(
    "reconciliation", "对账单", "Reconciliation statement", frozenset({"reconciliation"})
)

STANDARDS: Mapping[str, tuple[Requirement, ...]] = {
    "private_loan": (LOAN_WRITTEN, MONEY, IDENTITY),
    "trade": (WRITTEN, DELIVERY, INVOICES, RECONCILIATION, IDENTITY),
    "construction": (WRITTEN, TRADE_MONEY, RECONCILIATION, IDENTITY),
    "other": (WRITTEN, TRADE_MONEY, IDENTITY),
}


def standard_for(debt_type: str) -> tuple[Requirement, ...]:
    return STANDARDS.get(debt_type, STANDARDS["other"])


@dataclass(frozen=True)
class ItemStatus:
    """One evidence item as the standard sees it."""

    item_id: int
    evidence_type: str
    file_present: bool
    in_log: bool
    timestamped: bool
    verified: bool | None  # None: not checked (the share does not re-read files)

    @property
    def counts(self) -> bool:
        return self.file_present and self.in_log


@dataclass(frozen=True)
class RequirementStatus:
    requirement: Requirement
    items: tuple[ItemStatus, ...]
    by_credit_code: bool

    @property
    def met(self) -> bool:
        return self.by_credit_code or any(i.counts for i in self.items)


@dataclass(frozen=True)
class StandardResult:
    debt_type: str
    requirements: tuple[RequirementStatus, ...]

    @property
    def meets(self) -> bool:
        return all(r.met for r in self.requirements)

    def as_dict(self) -> dict[str, object]:
        return {
            "debt_type": self.debt_type,
            "meets": self.meets,
            "requirements": [
                {
                    "code": r.requirement.code,
                    "label": f"{r.requirement.label_zh} / {r.requirement.label_en}",
                    "met": r.met,
                    "by_credit_code": r.by_credit_code,
                    "items": [
                        {
                            "id": i.item_id,
                            "type": i.evidence_type,
                            "file_present": i.file_present,
                            "in_log": i.in_log,
                            "timestamped": i.timestamped,
                            "verified": i.verified,
                        }
                        for i in r.items
                    ],
                }
                for r in self.requirements
            ],
        }


def evaluate_standard(
    debt_type: str, items: Iterable[ItemStatus], *, debtor_has_credit_code: bool
) -> StandardResult:
    """Which requirements of the debt type's standard the items meet."""
    items = tuple(items)
    return StandardResult(
        debt_type,
        tuple(
            RequirementStatus(
                requirement,
                tuple(i for i in items if i.evidence_type in requirement.types),
                requirement.credit_code_suffices and debtor_has_credit_code,
            )
            for requirement in standard_for(debt_type)
        ),
    )
