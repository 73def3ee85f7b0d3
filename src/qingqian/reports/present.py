"""The stored report as display rows in one language (shared by the page and the PDF)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qingqian.common.money import money_text
from qingqian.reports.feasibility import CHECKLIST, EVIDENCE_WORDS

STRENGTH = EVIDENCE_WORDS
EVIDENCE_STATE = {
    "present": ("已提供", "provided"),
    "missing": ("缺失", "missing"),
    "unknown": ("未确认", "not yet known"),
}
LIMITATION = {
    "running": ("时效期间内", "running"),
    "expiring_soon": ("即将届满", "expiring soon"),
    "expired": ("已届满", "expired"),
    "not_yet_due": ("尚未到期", "not yet due"),
    "unknown": ("无法计算", "unknown"),
}
DEBT_TYPE = {
    "trade": ("企业商账", "trade receivable"),
    "construction": ("工程欠款", "construction debt"),
    "private_loan": ("个人借贷", "private loan"),
    "other": ("其他", "other"),
}
DEBTOR_KIND = {"person": ("自然人", "individual"), "company": ("企业", "company")}
DECISION = {
    "pending": ("待律师审查", "awaiting a lawyer's review"),
    "accepted": ("已接案", "accepted"),
    "rejected": ("不予接案", "rejected"),
}
YES_NO = {True: ("是", "yes"), False: ("否", "no"), None: ("未知", "unknown")}


def _pick(pair: tuple[str, str] | None, en: bool, fallback: str = "—") -> str:
    if pair is None:
        return fallback
    return pair[1] if en else pair[0]


def _text(item: dict[str, Any] | None, en: bool) -> str:
    if not item:
        return ""
    return str(item.get("en") if en else item.get("zh"))


def money(value: object) -> str:
    """``12345.6`` → ``12,345.60``; ``None`` → ``—``."""
    return money_text(value, symbol=False)


def percent(value: object) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.1f}%"


def view_model(data: dict[str, Any], *, en: bool) -> dict[str, Any]:
    """Everything the templates print, already in the chosen language."""
    claim = data.get("claim", {})
    evidence = data.get("evidence", {})
    limitation = data.get("limitation", {})
    interest = data.get("interest", {})
    debtor = data.get("debtor", {})
    score = data.get("score", {})
    context = data.get("context", {})
    recommended = data.get("recommended_route")
    routes = []
    for r in data.get("routes", []):
        routes.append(
            {
                "key": r["route"],
                "label": _text(r.get("label"), en),
                "open": r.get("open"),
                "advisable": r.get("advisable"),
                "recommended": r["route"] == recommended,
                "court_fees": money(r.get("court_fees")),
                "other_costs": money(r.get("other_costs")),
                "days": r.get("expected_days"),
                "probability": percent(r.get("probability")),
                "gross": money(r.get("expected_gross_recovery")),
                "commission": money(r.get("expected_commission")),
                "net": money(r.get("expected_net_recovery")),
                "reasons": [_text(x, en) for x in r.get("reasons", [])],
            }
        )
    rec_label = next((r["label"] for r in routes if r["recommended"]), None)
    if interest.get("basis") == "private_lending":
        interest_rows = [
            (("约定年利率", "agreed annual rate"), f"{interest.get('agreed_rate', '—')}%"),
            (("法定上限", "legal cap"), f"{interest.get('annual_rate_cap', '—')}%"),
            (("主张利息", "interest claimed"), money(interest.get("claimed_interest"))),
            (
                ("法律支持的利息", "interest the law supports"),
                money(interest.get("supported_interest")),
            ),
            (("不受保护部分", "unsupported part"), money(interest.get("unsupported_interest"))),
        ]
    else:
        interest_rows = [
            (
                ("逾期利率参考（年）", "late-payment rate range (a year)"),
                f"{interest.get('rate_low', '—')}% – {interest.get('rate_high', '—')}%",
            ),
            (
                ("法律支持的逾期利息", "late interest the law supports"),
                f"{money(interest.get('supported_low'))} – {money(interest.get('supported_high'))}",
            ),
        ]
        if "claimed_interest" in interest:
            interest_rows.append(
                (
                    ("按约定主张的利息", "interest claimed at the agreed rate"),
                    money(interest.get("claimed_interest")),
                )
            )
    return {
        "en": en,
        "as_of": data.get("as_of"),
        "reference": context.get("case_reference", ""),
        "claim": {
            "creditor": claim.get("creditor") or "—",
            "debtor": claim.get("debtor") or "—",
            "debt_type": _pick(DEBT_TYPE.get(claim.get("debt_type", "")), en),
            "principal": money(claim.get("principal")),
            "outstanding": money(claim.get("outstanding")),
            "agreed_rate": claim.get("agreed_rate"),
            "contract_date": claim.get("contract_date") or "—",
            "funds_transferred": claim.get("funds_transferred") or "—",
            "due_date": claim.get("due_date") or "—",
            "last_payment": claim.get("last_payment") or "—",
            "days_overdue": claim.get("days_overdue"),
        },
        "strength": _pick(STRENGTH.get(data.get("evidence_strength", "")), en),
        "strength_key": data.get("evidence_strength"),
        "evidence_score": context.get("evidence_score"),
        "evidence": [
            {
                "label": _pick(CHECKLIST.get(k), en, k),
                "state": _pick(EVIDENCE_STATE.get(v), en, v),
                "key": v,
            }
            for k, v in evidence.items()
        ],
        "oral_only": evidence.get("written_agreement") == "missing",
        "limitation_status": _pick(LIMITATION.get(limitation.get("status", "unknown")), en),
        "limitation_key": limitation.get("status", "unknown"),
        "limitation_deadline": data.get("limitation_deadline") or "—",
        "days_remaining": limitation.get("days_remaining"),
        "interest_computed": bool(interest.get("computed")),
        "interest_reference_only": bool(interest.get("reference_only")),
        "interest_rows": [(_pick(label, en), value) for label, value in interest_rows],
        "debtor": [
            (_pick(("类型", "kind"), en), _pick(DEBTOR_KIND.get(debtor.get("kind") or ""), en)),
            (_pick(("登记状态", "registry status"), en), debtor.get("registry_status") or "—"),
            (
                _pick(("失信被执行人", "dishonest list"), en),
                _pick(YES_NO[debtor.get("dishonest_listed")], en),
            ),
            (_pick(("可联系", "reachable"), en), _pick(YES_NO[debtor.get("reachable")], en)),
            (
                _pick(("已知财产", "assets known"), en),
                _pick(YES_NO[debtor.get("assets_known")], en),
            ),
            (_pick(("存在争议", "disputed"), en), _pick(YES_NO[debtor.get("disputed")], en)),
        ],
        "score_available": bool(score.get("available")),
        "score": score.get("score"),
        "score_reasons": score.get("reasons", []),
        "probability": percent(data.get("probability")),
        "probability_basis": [_text(x, en) for x in data.get("probability_basis", [])],
        "routes": routes,
        "recommended": rec_label,
        "recommendation": [_text(x, en) for x in data.get("recommendation", [])],
        "net": money(data.get("expected_net_recovery")),
        "gross": money(data.get("expected_gross_recovery")),
        "to_provide": [_text(x, en) for x in data.get("to_provide", [])],
        "missing_inputs": [_text(x, en) for x in data.get("missing_inputs", [])],
        "warnings": [_text(x, en) for x in data.get("warnings", [])],
        "fee_schedule_key": context.get("fee_schedule_key"),
        "fee_schedule_in_force": context.get("fee_schedule_in_force"),
        "fee_schedule_valid_from": context.get("fee_schedule_valid_from"),
    }


def decision_label(decision: str, *, en: bool) -> str:
    return _pick(DECISION.get(decision), en, decision)
