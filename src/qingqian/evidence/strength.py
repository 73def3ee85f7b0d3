"""The evidence checklist and the evidence-strength score (pure; no Django).

Three things a court asks for in a debt claim: a written agreement (or acknowledgement) of
the debt, proof that the money or goods actually moved, and who the debtor is. The score is
the sum of the weights of the items met (0–100); every missing item is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    weight: int
    label_zh: str
    label_en: str
    hint_zh: str
    hint_en: str


AGREEMENT = ChecklistItem(
    "written_agreement",
    40,
    "书面约定",
    "Written agreement",
    "借条、借款合同、买卖/购销合同或经双方确认的对账单",
    "an IOU, a loan, sales or supply contract, or a reconciliation statement both sides confirmed",
)
MONEY_FLOW = ChecklistItem(
    "money_flow",
    40,
    "款项交付凭证",
    "Proof of the money flow",
    "银行转账记录；商账也可用发票、送货单",
    "bank transfer records; for trade debts also invoices or delivery notes",
)
IDENTITY = ChecklistItem(
    "debtor_identity",
    20,
    "债务人身份",
    "Debtor identity",
    "身份证件复印件；企业债务人有统一社会信用代码即可",
    "a copy of the ID document; for a company its unified social credit code suffices",
)
CHECKLIST = (AGREEMENT, MONEY_FLOW, IDENTITY)

_AGREEMENT_TYPES = {
    "iou",
    "loan_contract",
    "sales_contract",
    "supply_contract",
    "construction_contract",
    "purchase_order",
    "reconciliation",
}
_LOAN_MONEY_TYPES = {"transfer_record"}
_TRADE_MONEY_TYPES = {"transfer_record", "invoice", "delivery_note"}


@dataclass(frozen=True)
class StrengthResult:
    score: int
    met: tuple[ChecklistItem, ...]
    missing: tuple[ChecklistItem, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "met": [item.code for item in self.met],
            "missing": [
                {
                    "code": item.code,
                    "label": f"{item.label_zh} / {item.label_en}",
                    "hint": f"{item.hint_zh} / {item.hint_en}",
                }
                for item in self.missing
            ],
        }


def evidence_strength(
    evidence_types: Iterable[str], *, debt_type: str, debtor_has_credit_code: bool
) -> StrengthResult:
    """Score the evidence types on file against the checklist for this kind of debt."""
    types = set(evidence_types)
    money_types = _LOAN_MONEY_TYPES if debt_type == "private_loan" else _TRADE_MONEY_TYPES
    checks = {
        AGREEMENT: bool(types & _AGREEMENT_TYPES),
        MONEY_FLOW: bool(types & money_types),
        IDENTITY: "identity_document" in types or debtor_has_credit_code,
    }
    met = tuple(item for item in CHECKLIST if checks[item])
    missing = tuple(item for item in CHECKLIST if not checks[item])
    return StrengthResult(sum(item.weight for item in met), met, missing)


def strength_level(score: int) -> str:
    """The 0–100 checklist score as the level the feasibility kernel and the debt radar
    use: strong ≥ 80, medium ≥ 40, weak > 0, else none (weights 40/40/20)."""
    if score >= 80:
        return "strong"
    if score >= 40:
        return "medium"
    if score > 0:
        return "weak"
    return "none"
