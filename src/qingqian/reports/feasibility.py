"""The feasibility report (可行性报告) as a pure function of what the case knows.

:func:`assess` takes :class:`CaseFacts` and ``today`` and returns a
:class:`FeasibilityReport`: the claim, evidence strength and missing checklist items, the
limitation deadline, the interest the law supports against what is claimed, the debtor's
profile, the routes open with court fees, time, expected gross recovery and expected **net**
recovery for the creditor after commission and costs, a recommended route with reasons,
and what the creditor must still provide.

Every optional input that is missing is named in ``missing_inputs`` (in both languages) and
the report is still produced: it degrades, it does not fail. Only facts that contradict
themselves (a negative principal, outstanding above principal, a score outside 0–1, a float
amount) raise :class:`FeasibilityError`.

The probabilities, durations and extra costs are assumptions, kept as data in this module
(:data:`EVIDENCE_BASE`, :data:`AGE_FACTOR`, :data:`DEBTOR_FACTORS`, :data:`ROUTES`) and shown
in the report; docs/feasibility-and-strategy.md explains them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from qingqian.calculators import citations as c
from qingqian.calculators.court_fees import court_fee
from qingqian.calculators.errors import CalculatorError
from qingqian.calculators.holidays import HolidayCalendar
from qingqian.calculators.interest import private_lending_interest, trade_receivable_rate
from qingqian.calculators.limitation import EventKind, Interruption, limitation_deadline
from qingqian.calculators.procedure import (
    PAYMENT_ORDER_CHECKS,
    SmallClaimsTable,
    payment_order_checklist,
    small_claims,
)
from qingqian.calculators.rates import LprTable
from qingqian.calculators.result import Line, Rule
from qingqian.cases.aging import BUCKETS, bucket_for
from qingqian.common.money import display_amount as yuan
from qingqian.fees.commission import (
    FeeAgreement,
    FeeSchedule,
    commission_on_total,
    for_claim,
)
from qingqian.fees.errors import FeeError
from qingqian.fees.rules import CostBearer, OrgType, PricingSchedule, check_schedule
from qingqian.reports.errors import FeasibilityError

CENT = Decimal("0.01")
PROB = Decimal("0.0001")
ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)

#: Mirrors ``cases.models.DebtType`` (plain strings: no Django here).
DEBT_TYPES: tuple[str, ...] = ("trade", "construction", "private_loan", "other")
EVIDENCE_LEVELS: tuple[str, ...] = ("strong", "medium", "weak", "none")
#: The levels in words: the report's lines never show a code.
EVIDENCE_WORDS: dict[str, tuple[str, str]] = {
    "strong": ("强", "strong"),
    "medium": ("中", "medium"),
    "weak": ("弱", "weak"),
    "none": ("无", "none"),
}
_BUCKET_WORDS: dict[str, tuple[str, str]] = {b.key: (b.label_zh, b.label_en) for b in BUCKETS}


_REGISTRY_WORDS: dict[str, tuple[str, str]] = {
    "active": ("存续/在业", "active"),
    "abnormal": ("经营异常", "listed as abnormal"),
    "deregistered": ("注销/吊销", "deregistered or revoked"),
    "unknown": ("未查询", "not checked"),
}


def _words(table: Mapping[str, tuple[str, str]], key: str) -> tuple[str, str]:
    return table.get(key, (key, key))


DEBTOR_KINDS: tuple[str, ...] = ("person", "company")
REGISTRY_STATUSES: tuple[str, ...] = (
    "active",
    "abnormal",
    "deregistered",
    "unknown",
    "not_applicable",
)
LIMITATION_WARNING_DAYS = 180


class Evidence(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"


#: The three core checklist items (product brief): written agreement, money flow, identity.
CHECKLIST: dict[str, tuple[str, str]] = {
    "written_agreement": (
        "书面协议（合同、借条、对账单等）",
        "written agreement (contract, IOU, statement)",
    ),
    "money_flow": (
        "资金往来凭证（转账记录、发票、送货单）",
        "money flow (transfers, invoices, delivery notes)",
    ),
    "debtor_identity": (
        "债务人身份信息（身份证号或统一社会信用代码）",
        "debtor identity (ID or credit code)",
    ),
}

# --- assumptions (data) --------------------------------------------------------------------

#: Probability that the debt is recovered at all, by evidence strength, before age.
EVIDENCE_BASE: dict[str, Decimal] = {
    "strong": Decimal("0.85"),
    "medium": Decimal("0.65"),
    "weak": Decimal("0.40"),
    "none": Decimal("0.25"),
}
#: Product brief: oral-only debts (no written agreement) recover in under 30% of cases.
ORAL_ONLY_CAP = Decimal("0.25")
#: Multiplier by aging bucket (``cases.aging``); ``unknown`` when the due date is missing.
AGE_FACTOR: dict[str, Decimal] = {
    "0_30": Decimal("1.00"),
    "31_60": Decimal("0.95"),
    "61_90": Decimal("0.90"),
    "91_180": Decimal("0.80"),
    "181_365": Decimal("0.65"),
    "over_365": Decimal("0.45"),
    "unknown": Decimal("0.80"),
}
#: Multipliers for what public records say about the debtor.
DEBTOR_FACTORS: dict[str, Decimal] = {
    "dishonest_listed": Decimal("0.50"),
    "registry_abnormal": Decimal("0.70"),
    "registry_deregistered": Decimal("0.30"),
}

#: Judicial routes once the limitation period has expired: the debtor who pleads it wins, so
#: only this share of the usual probability is kept (most debtors with advice plead it).
LIMITATION_EXPIRED_FACTOR = Decimal("0.10")


class Route(StrEnum):
    NEGOTIATION = "negotiation"
    MEDIATION = "mediation"
    PAYMENT_ORDER = "payment_order"
    SMALL_CLAIMS = "small_claims"
    LITIGATION = "litigation"
    PRESERVATION = "preservation"


@dataclass(frozen=True, slots=True)
class RouteAssumption:
    """``efficacy``: the share of the recovery probability this route realises; ``days``: the
    expected time to money; ``extra_cost_rate``: other costs as a share of the amount."""

    route: Route
    zh: str
    en: str
    days: int
    efficacy: Decimal
    judicial: bool
    extra_cost_rate: Decimal = Decimal(0)
    note_zh: str = ""
    note_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route.value,
            "days": self.days,
            "efficacy": str(self.efficacy),
            "judicial": self.judicial,
            "extra_cost_rate": str(self.extra_cost_rate),
            "note": {"zh": self.note_zh, "en": self.note_en},
        }


ROUTES: dict[Route, RouteAssumption] = {
    r.route: r
    for r in (
        RouteAssumption(
            Route.NEGOTIATION,
            "协商",
            "negotiation",
            30,
            Decimal("0.55"),
            False,
            note_zh="只靠债务人自愿履行",
            note_en="relies on the debtor paying voluntarily",
        ),
        RouteAssumption(
            Route.MEDIATION,
            "调解（可申请司法确认）",
            "mediation (judicial confirmation possible)",
            45,
            Decimal("0.65"),
            False,
            note_zh="人民调解免费，司法确认不收费；商事调解费用未计入",
            note_en="people's mediation is free and judicial confirmation costs nothing;"
            " commercial mediation fees are not included",
        ),
        RouteAssumption(
            Route.PAYMENT_ORDER,
            "支付令",
            "payment order",
            60,
            Decimal("0.80"),
            True,
            note_zh="受理 5 日、发出 15 日、异议期 15 日；异议成立则转入诉讼",
            note_en="5 days to accept, 15 to issue, 15 to object; a valid objection converts"
            " it into a lawsuit",
        ),
        RouteAssumption(
            Route.SMALL_CLAIMS,
            "小额诉讼",
            "small claims",
            90,
            Decimal("0.90"),
            True,
            note_zh="两个月内审结，一审终审",
            note_en="decided within two months, final at first instance",
        ),
        RouteAssumption(
            Route.LITIGATION,
            "普通诉讼",
            "ordinary litigation",
            240,
            Decimal("0.90"),
            True,
            note_zh="按全额受理费计；适用简易程序的减半",
            note_en="at the full acceptance fee; half if the simplified procedure applies",
        ),
        RouteAssumption(
            Route.PRESERVATION,
            "诉讼并申请财产保全",
            "litigation with property preservation",
            240,
            Decimal("0.95"),
            True,
            Decimal("0.0015"),
            note_zh="保全担保（保函/保险）费用按保全金额 0.15% 估计",
            note_en="the preservation guarantee (bank or insurance) estimated at 0.15% of the"
            " amount preserved",
        ),
    )
}


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the case knows at intake. Only ``debt_type`` and ``principal`` are required."""

    debt_type: str
    principal: Decimal
    outstanding: Decimal | None = None
    creditor_name: str = ""
    debtor_name: str = ""
    agreed_rate: Decimal | None = None
    """Agreed interest (private loan) or late-payment rate, percent a year."""
    contract_date: dt.date | None = None
    funds_transferred: dt.date | None = None
    due_date: dt.date | None = None
    last_payment: dt.date | None = None
    demands: tuple[dt.date, ...] = ()
    written_agreement: Evidence = Evidence.UNKNOWN
    money_flow: Evidence = Evidence.UNKNOWN
    debtor_identity: Evidence = Evidence.UNKNOWN
    other_evidence: Mapping[str, Evidence] = field(default_factory=dict)
    evidence_strength: str | None = None
    debtor_kind: str | None = None
    registry_status: str | None = None
    dishonest_listed: bool | None = None
    disputed: bool | None = None
    debtor_reachable: bool | None = None
    assets_known: bool | None = None
    counter_performance_owed: bool | None = None
    propensity_score: Decimal | None = None
    score_reasons: tuple[str, ...] = ()
    fee_schedule: PricingSchedule | FeeAgreement | FeeSchedule | None = None
    organisation_type: str | None = None
    province: str = "jiangsu"


def _invalid(name: str, value: object, zh: str, en: str) -> FeasibilityError:
    return FeasibilityError(
        f"案件信息有误：{name}（{zh}）",
        f"Invalid case facts: {name} ({en})",
        code="facts_invalid",
        details={"field": name, "value": str(value)},
    )


def _check_amount(name: str, value: object, *, allow_zero: bool) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _invalid(name, value, "金额须为 Decimal", "an amount must be a Decimal")
    if value < 0 or (value == 0 and not allow_zero):
        raise _invalid(name, value, "金额须大于零", "the amount must be positive")
    if value != value.quantize(CENT):
        raise _invalid(name, value, "最多两位小数", "at most two decimals")
    return value


def _validate(facts: CaseFacts, today: dt.date) -> Decimal:
    if facts.debt_type not in DEBT_TYPES:
        raise _invalid("debt_type", facts.debt_type, "未知的债务类型", "unknown debt type")
    principal = _check_amount("principal", facts.principal, allow_zero=False)
    outstanding = principal
    if facts.outstanding is not None:
        outstanding = _check_amount("outstanding", facts.outstanding, allow_zero=True)
        if outstanding > principal:
            raise _invalid(
                "outstanding", outstanding, "未还本金不能大于本金", "outstanding exceeds principal"
            )
    for name, choices, value in (
        ("evidence_strength", EVIDENCE_LEVELS, facts.evidence_strength),
        ("debtor_kind", DEBTOR_KINDS, facts.debtor_kind),
        ("registry_status", REGISTRY_STATUSES, facts.registry_status),
    ):
        if value is not None and value not in choices:
            raise _invalid(name, value, "不在可选值中", f"choose one of {', '.join(choices)}")
    for name in ("written_agreement", "money_flow", "debtor_identity"):
        if not isinstance(getattr(facts, name), Evidence):
            raise _invalid(name, getattr(facts, name), "须为 Evidence", "must be an Evidence")
    for key, value in facts.other_evidence.items():
        if not isinstance(value, Evidence):
            raise _invalid(f"other_evidence.{key}", value, "须为 Evidence", "an Evidence")
    score = facts.propensity_score
    if score is not None and (
        not isinstance(score, Decimal) or not score.is_finite() or not 0 <= score <= 1
    ):
        raise _invalid("propensity_score", score, "评分须在 0 至 1 之间", "must be from 0 to 1")
    rate = facts.agreed_rate
    if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0):
        raise _invalid("agreed_rate", rate, "利率须为非负 Decimal", "a non-negative Decimal")
    for name in ("contract_date", "funds_transferred", "due_date", "last_payment"):
        day = getattr(facts, name)
        if day is not None and name != "due_date" and day > today:
            raise _invalid(name, day, "日期晚于今天", "the date is after today")
    for day in facts.demands:
        if day > today:
            raise _invalid("demands", day, "日期晚于今天", "the date is after today")
    if facts.organisation_type is not None and facts.organisation_type not in {
        o.value for o in OrgType
    }:
        raise _invalid(
            "organisation_type", facts.organisation_type, "未知的机构类型", "unknown type"
        )
    return outstanding


# --- output --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    code: str
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass(frozen=True, slots=True)
class RouteOption:
    route: Route
    open: bool
    advisable: bool
    court_fees: Decimal
    other_costs: Decimal
    creditor_costs: Decimal
    days: int
    probability: Decimal
    expected_gross_recovery: Decimal
    expected_commission: Decimal
    expected_net_recovery: Decimal
    reasons: tuple[Line, ...]
    rules: tuple[Rule, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        a = ROUTES[self.route]
        return {
            "route": self.route.value,
            "label": {"zh": a.zh, "en": a.en},
            "open": self.open,
            "advisable": self.advisable,
            "court_fees": str(self.court_fees),
            "other_costs": str(self.other_costs),
            "creditor_costs": str(self.creditor_costs),
            "expected_days": self.days,
            "probability": str(self.probability),
            "expected_gross_recovery": str(self.expected_gross_recovery),
            "expected_commission": str(self.expected_commission),
            "expected_net_recovery": str(self.expected_net_recovery),
            "reasons": [r.to_dict() for r in self.reasons],
            "rules": [r.to_dict() for r in self.rules],
        }


@dataclass(frozen=True)
class FeasibilityReport:
    as_of: dt.date
    claim: dict[str, Any]
    evidence_strength: str
    evidence_strength_source: str
    evidence: dict[str, str]
    missing_evidence: tuple[str, ...]
    limitation: dict[str, Any]
    limitation_deadline: dt.date | None
    interest: dict[str, Any]
    debtor: dict[str, Any]
    score: dict[str, Any]
    probability: Decimal
    probability_basis: tuple[Line, ...]
    commission: dict[str, Any]
    routes: tuple[RouteOption, ...]
    recommended_route: Route | None
    recommendation: tuple[Line, ...]
    to_provide: tuple[Notice, ...]
    missing_inputs: tuple[Notice, ...]
    warnings: tuple[Line, ...]

    def route(self, route: Route | str) -> RouteOption:
        for option in self.routes:
            if option.route == route:
                return option
        raise KeyError(route)

    @property
    def expected_net_recovery(self) -> Decimal | None:
        if self.recommended_route is None:
            return None
        return self.route(self.recommended_route).expected_net_recovery

    @property
    def expected_gross_recovery(self) -> Decimal | None:
        if self.recommended_route is None:
            return None
        return self.route(self.recommended_route).expected_gross_recovery

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``qingqian report feasibility --json`` (stable keys)."""
        net = self.expected_net_recovery
        gross = self.expected_gross_recovery
        return {
            "as_of": self.as_of.isoformat(),
            "claim": _plain(self.claim),
            "evidence_strength": self.evidence_strength,
            "evidence_strength_source": self.evidence_strength_source,
            "evidence": dict(self.evidence),
            "missing_evidence": list(self.missing_evidence),
            "limitation_deadline": None
            if self.limitation_deadline is None
            else self.limitation_deadline.isoformat(),
            "limitation": _plain(self.limitation),
            "interest": _plain(self.interest),
            "debtor": _plain(self.debtor),
            "score": _plain(self.score),
            "probability": str(self.probability),
            "probability_basis": [b.to_dict() for b in self.probability_basis],
            "commission": _plain(self.commission),
            "routes": [r.to_dict() for r in self.routes],
            "recommended_route": None
            if self.recommended_route is None
            else self.recommended_route.value,
            "recommendation": [r.to_dict() for r in self.recommendation],
            "expected_gross_recovery": None if gross is None else str(gross),
            "expected_net_recovery": None if net is None else str(net),
            "to_provide": [n.to_dict() for n in self.to_provide],
            "missing_inputs": [n.to_dict() for n in self.missing_inputs],
            "warnings": [w.to_dict() for w in self.warnings],
            "assumptions": assumptions(),
        }


def assumptions() -> dict[str, Any]:
    """The assumption tables, as shown in every report."""
    return {
        "evidence_base": {k: str(v) for k, v in EVIDENCE_BASE.items()},
        "oral_only_cap": str(ORAL_ONLY_CAP),
        "age_factor": {k: str(v) for k, v in AGE_FACTOR.items()},
        "debtor_factors": {k: str(v) for k, v in DEBTOR_FACTORS.items()},
        "limitation_expired_factor": str(LIMITATION_EXPIRED_FACTOR),
        "routes": [a.to_dict() for a in ROUTES.values()],
        "recovery_model": "all_or_nothing",
        "recovery_base": "outstanding_principal",
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Line | Notice):
        return value.to_dict()
    if isinstance(value, Rule):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _prob(value: Decimal) -> Decimal:
    return value.quantize(PROB, rounding=ROUND_HALF_UP)


# --- the assessment ------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.missing: list[Notice] = []
        self.provide: list[Notice] = []
        self.warnings: list[Line] = []

    def need(self, code: str, zh: str, en: str) -> None:
        notice = Notice(code, zh, en)
        if notice not in self.missing:
            self.missing.append(notice)

    def ask(self, code: str, zh: str, en: str) -> None:
        notice = Notice(code, zh, en)
        if notice not in self.provide:
            self.provide.append(notice)

    def warn(self, zh: str, en: str) -> None:
        line = Line(zh, en)
        if line not in self.warnings:
            self.warnings.append(line)


def assess(
    facts: CaseFacts,
    *,
    today: dt.date,
    rates: LprTable | None = None,
    calendar: HolidayCalendar | None = None,
    small_claims_table: SmallClaimsTable | None = None,
) -> FeasibilityReport:
    """The preliminary feasibility report for ``facts`` as of ``today``."""
    outstanding = _validate(facts, today)
    out = _Collector()
    table = rates or LprTable.default()

    strength, source, evidence, missing_items, oral_only = _evidence(facts, out)
    limitation = _limitation(facts, today, calendar, out)
    interest = _interest(facts, outstanding, today, table, out)
    debtor = _debtor(facts, out)
    days = None if facts.due_date is None else (today - facts.due_date).days
    bucket = "unknown" if days is None else bucket_for(days).key
    probability, basis, score = _probability(facts, strength, bucket, oral_only, out)
    schedule, commission = _commission(facts, out)
    routes = _routes(
        facts,
        outstanding,
        today,
        limitation,
        probability,
        schedule,
        commission.get("court_costs_borne_by", "creditor"),
        small_claims_table,
        interest,
        out,
    )
    recommended, reasons = _recommend(routes, limitation, bucket, outstanding)
    claim = {
        "creditor": facts.creditor_name or None,
        "debtor": facts.debtor_name or None,
        "debt_type": facts.debt_type,
        "principal": _money(facts.principal),
        "outstanding": _money(outstanding),
        "agreed_rate": facts.agreed_rate,
        "contract_date": facts.contract_date,
        "funds_transferred": facts.funds_transferred,
        "due_date": facts.due_date,
        "last_payment": facts.last_payment,
        "days_overdue": days,
        "aging_bucket": bucket,
    }
    return FeasibilityReport(
        as_of=today,
        claim=claim,
        evidence_strength=strength,
        evidence_strength_source=source,
        evidence=evidence,
        missing_evidence=tuple(missing_items),
        limitation=limitation,
        limitation_deadline=limitation.get("deadline"),
        interest=interest,
        debtor=debtor,
        score=score,
        probability=probability,
        probability_basis=tuple(basis),
        commission=commission,
        routes=tuple(routes),
        recommended_route=recommended,
        recommendation=tuple(reasons),
        to_provide=tuple(out.provide),
        missing_inputs=tuple(out.missing),
        warnings=tuple(out.warnings),
    )


def _evidence(
    facts: CaseFacts, out: _Collector
) -> tuple[str, str, dict[str, str], list[str], bool]:
    core = {
        "written_agreement": facts.written_agreement,
        "money_flow": facts.money_flow,
        "debtor_identity": facts.debtor_identity,
    }
    evidence = {k: v.value for k, v in core.items()}
    evidence.update({k: v.value for k, v in sorted(facts.other_evidence.items())})
    missing = [k for k, v in evidence.items() if v != Evidence.PRESENT.value]
    for key in missing:
        zh, en = CHECKLIST.get(key, (key, key))
        state = evidence[key]
        out.ask(
            f"evidence_{key}",
            f"请提供{zh}" + ("（尚未确认是否存在）" if state == "unknown" else ""),
            f"Provide the {en}"
            + (" (not yet known whether it exists)" if state == "unknown" else ""),
        )
    written_other = any(v is Evidence.PRESENT for v in facts.other_evidence.values())
    oral_only = facts.written_agreement is Evidence.MISSING and not written_other
    if oral_only:
        out.warn(
            "没有书面协议、仅有口头约定的债权，回收率不足 30%："
            "请尽量补充借条、聊天记录、转账备注或对账确认",
            "Oral-only debts (no written agreement) recover in under 30% of cases: add an IOU,"
            " chat records, transfer notes or a confirmed statement if at all possible",
        )
    if facts.evidence_strength is not None:
        return facts.evidence_strength, "given", evidence, missing, oral_only
    present = sum(1 for v in core.values() if v is Evidence.PRESENT)
    strength = {3: "strong", 2: "medium", 1: "weak", 0: "none"}[present]
    zh, en = _words(EVIDENCE_WORDS, strength)
    out.need(
        "evidence_strength",
        f"未提供证据强度评估：按核对清单推定为“{zh}”（三项核心材料齐全为“强”）",
        f"No evidence-strength assessment: derived from the checklist as '{en}'"
        f" (all three core items present is strong)",
    )
    return strength, "checklist", evidence, missing, oral_only


def _limitation(
    facts: CaseFacts, today: dt.date, calendar: HolidayCalendar | None, out: _Collector
) -> dict[str, Any]:
    if facts.due_date is None:
        out.need(
            "due_date",
            "缺少到期日：无法计算诉讼时效和账龄",
            "No due date: the limitation period and the debt's age cannot be computed",
        )
        return {"status": "unknown", "deadline": None}
    interruptions = [Interruption(d, EventKind.DEMAND) for d in facts.demands]
    if facts.last_payment is not None:
        interruptions.append(Interruption(facts.last_payment, EventKind.PART_PAYMENT))
    usable = [i for i in interruptions if i.day > facts.due_date]
    try:
        result = limitation_deadline(
            start=facts.due_date, interruptions=usable, as_of=today, calendar=calendar
        )
    except CalculatorError as exc:
        out.warn(
            f"诉讼时效无法计算：{exc.message_zh}", f"Limitation not computed: {exc.message_en}"
        )
        return {"status": "unknown", "deadline": None}
    deadline = result["deadline"]
    remaining = (deadline - today).days
    if facts.due_date > today:
        status = "not_yet_due"
    elif remaining < 0:
        status = "expired"
        out.warn(
            f"诉讼时效已于 {deadline.isoformat()} 届满：债务人提出时效抗辩的，法院不予支持诉请；"
            f"不建议起诉，应争取债务人书面同意履行",
            f"The limitation period expired on {deadline.isoformat()}: if the debtor pleads it,"
            f" the court will not uphold the claim; litigation is not advised, seek the debtor's"
            f" written agreement to pay",
        )
    elif remaining <= LIMITATION_WARNING_DAYS:
        status = "expiring_soon"
        out.warn(
            f"诉讼时效将于 {deadline.isoformat()} 届满（剩 {remaining} 天）："
            f"尽快催告或起诉以中断时效",
            f"The limitation period ends on {deadline.isoformat()} ({remaining} days left): send"
            f" a demand or sue soon to interrupt it",
        )
    else:
        status = "running"
    if not facts.demands and facts.last_payment is None:
        out.ask(
            "limitation_interruptions",
            "请提供催款记录、部分还款或债务人确认欠款的证据（可中断诉讼时效）",
            "Provide records of demands, part payments or the debtor's acknowledgement (they"
            " interrupt the limitation period)",
        )
    return {
        "status": status,
        "deadline": deadline,
        "days_remaining": remaining,
        "interruptions_applied": [i.day for i in usable],
        "provisional": result.provisional,
        "rules": [r.to_dict() for r in result.rules],
    }


def _interest(
    facts: CaseFacts, outstanding: Decimal, today: dt.date, table: LprTable, out: _Collector
) -> dict[str, Any]:
    if facts.debt_type == "private_loan":
        formed = facts.funds_transferred or facts.contract_date
        if formed is None:
            out.need(
                "funds_transferred",
                "缺少资金交付日：无法计算利率上限（自然人借款自交付时成立）",
                "No funds-transfer date: the interest cap cannot be computed (a loan between"
                " individuals is formed when the funds are transferred)",
            )
            return {"basis": "private_lending", "computed": False}
        if facts.funds_transferred is None:
            out.warn(
                "以合同日期代替资金交付日计算利率上限，请核对转账日期",
                "The contract date stands in for the transfer date: check the transfer date",
            )
        if facts.agreed_rate is None:
            out.need(
                "agreed_rate",
                "未提供约定利率：自然人之间未约定利息的视为没有利息；"
                "逾期利息可自逾期之日按 LPR 主张",
                "No agreed rate: between individuals, no agreed interest means none; overdue"
                " interest can be claimed from the due date at the LPR",
            )
            return {"basis": "private_lending", "computed": False}
        if outstanding == 0:
            return {"basis": "private_lending", "computed": False}
        try:
            result = private_lending_interest(
                outstanding,
                formed=formed,
                end=today,
                agreed_rate=facts.agreed_rate,
                filed=today,
                rates=table,
            )
        except CalculatorError as exc:
            out.warn(f"利息未计算：{exc.message_zh}", f"Interest not computed: {exc.message_en}")
            return {"basis": "private_lending", "computed": False, "error": exc.code}
        cap = result["annual_rate_cap"]
        above = facts.agreed_rate > cap
        if above:
            out.warn(
                f"约定年利率 {facts.agreed_rate}% 超过法定上限 {cap}%：超出部分不受法律保护",
                f"The agreed rate of {facts.agreed_rate}% exceeds the legal cap of {cap}%:"
                f" the excess is not enforceable",
            )
        return {
            "basis": "private_lending",
            "computed": True,
            "agreed_rate": facts.agreed_rate,
            "annual_rate_cap": cap,
            "regime": result["regime"],
            "claimed_interest": result["claimed_interest"],
            "supported_interest": result["supported_interest"],
            "unsupported_interest": result["unsupported_interest"],
            "above_cap": above,
            "until": today,
            "rules": [r.to_dict() for r in result.rules],
        }
    if facts.due_date is None or facts.due_date >= today:
        return {"basis": "late_payment_lpr", "computed": False}
    days = (today - facts.due_date).days
    try:
        result = trade_receivable_rate(
            facts.due_date + ONE_DAY, amount=outstanding or None, days=days, rates=table
        )
    except CalculatorError as exc:
        out.warn(
            f"逾期利息未计算：{exc.message_zh}", f"Late interest not computed: {exc.message_en}"
        )
        return {"basis": "late_payment_lpr", "computed": False, "error": exc.code}
    info: dict[str, Any] = {
        "basis": "late_payment_lpr",
        "computed": True,
        "reference_only": facts.debt_type != "trade",
        "rate_low": result["rate_low"],
        "rate_high": result["rate_high"],
        "days": days,
        "supported_low": result.figures.get("loss_low", ZERO),
        "supported_high": result.figures.get("loss_high", ZERO),
        "rules": [r.to_dict() for r in result.rules],
    }
    if facts.debt_type != "trade":
        out.warn(
            "逾期利息按买卖合同规则（LPR 加计 30%–50%）估算，仅供参考",
            "Late interest estimated on the sale-of-goods rule (LPR plus 30%–50%), for"
            " reference only",
        )
    if facts.agreed_rate is not None:
        claimed = _money(outstanding * facts.agreed_rate / 100 * days / 365)
        info.update(agreed_rate=facts.agreed_rate, claimed_interest=claimed)
        info["above_reference"] = facts.agreed_rate > result["rate_high"]
        if info["above_reference"]:
            out.warn(
                "约定逾期违约金高于 LPR 加计 50%：若超过损失的 130%，法院可依申请调减",
                "The agreed late-payment rate is above LPR plus 50%: above 130% of the loss a"
                " court may reduce it on application",
            )
    return info


def _debtor(facts: CaseFacts, out: _Collector) -> dict[str, Any]:
    if facts.debtor_kind is None:
        out.need(
            "debtor_kind",
            "未注明债务人是自然人还是企业",
            "Debtor kind (person or company) not given",
        )
    if facts.debtor_kind == "company" and facts.registry_status in (None, "unknown"):
        out.need(
            "registry_status",
            "未查询债务人工商登记状态（国家企业信用信息公示系统）",
            "The debtor's registry status was not checked (national enterprise credit system)",
        )
    if facts.dishonest_listed is None:
        out.need(
            "dishonest_listed",
            "未查询失信被执行人名单",
            "The list of dishonest judgment debtors (失信被执行人) was not checked",
        )
    if facts.dishonest_listed:
        out.warn(
            "债务人已被列入失信被执行人名单：可能无可供执行的财产",
            "The debtor is on the dishonest judgment-debtor list: there may be nothing to enforce",
        )
    if facts.registry_status == "deregistered":
        out.warn(
            "债务人已注销或被吊销：需审查股东、清算义务人责任",
            "The debtor is deregistered or its licence revoked: look at shareholders' and"
            " liquidators' liability",
        )
    return {
        "kind": facts.debtor_kind,
        "registry_status": facts.registry_status,
        "dishonest_listed": facts.dishonest_listed,
        "reachable": facts.debtor_reachable,
        "assets_known": facts.assets_known,
        "disputed": facts.disputed,
    }


def _probability(
    facts: CaseFacts, strength: str, bucket: str, oral_only: bool, out: _Collector
) -> tuple[Decimal, list[Line], dict[str, Any]]:
    if facts.propensity_score is not None:
        p = _prob(facts.propensity_score)
        basis = [
            Line(
                f"回收概率取还款意愿评分 {p}",
                f"Recovery probability taken from the propensity score, {p}",
            )
        ]
        score = {"available": True, "score": p, "reasons": list(facts.score_reasons)}
        return p, basis, score
    out.need(
        "propensity_score",
        "暂无还款意愿评分：回收概率按证据强度与账龄的假设估算",
        "No propensity score: the recovery probability is estimated from evidence strength and"
        " age (see the assumptions)",
    )
    base = EVIDENCE_BASE[strength]
    age = AGE_FACTOR[bucket]
    p = base * age
    basis = [
        Line(
            f"证据强度“{_words(EVIDENCE_WORDS, strength)[0]}”：基础概率 {base}",
            f"Evidence {_words(EVIDENCE_WORDS, strength)[1]}: base {base}",
        ),
        Line(
            f"账龄 {_words(_BUCKET_WORDS, bucket)[0]}：× {age}",
            f"Age {_words(_BUCKET_WORDS, bucket)[1]}: x {age}",
        ),
    ]
    if facts.dishonest_listed:
        factor = DEBTOR_FACTORS["dishonest_listed"]
        p *= factor
        basis.append(Line(f"失信被执行人：× {factor}", f"Dishonest judgment debtor: x {factor}"))
    if facts.registry_status in ("abnormal", "deregistered"):
        factor = DEBTOR_FACTORS[f"registry_{facts.registry_status}"]
        p *= factor
        basis.append(
            Line(
                f"登记状态“{_words(_REGISTRY_WORDS, facts.registry_status)[0]}”：× {factor}",
                f"Registry status {_words(_REGISTRY_WORDS, facts.registry_status)[1]}: x {factor}",
            )
        )
    if oral_only and p > ORAL_ONLY_CAP:
        p = ORAL_ONLY_CAP
        basis.append(
            Line(
                f"仅有口头约定：不超过 {ORAL_ONLY_CAP}",
                f"Oral-only debt: at most {ORAL_ONLY_CAP}",
            )
        )
    p = _prob(p)
    basis.append(Line(f"回收概率 {p}", f"Recovery probability {p}"))
    return p, basis, {"available": False, "score": None, "reasons": []}


def _commission(facts: CaseFacts, out: _Collector) -> tuple[FeeSchedule | None, dict[str, Any]]:
    info: dict[str, Any] = {"organisation_type": facts.organisation_type}
    source = facts.fee_schedule
    bearer = "creditor"
    if isinstance(source, PricingSchedule):
        bearer = source.court_costs_borne_by.value
        info["schedule_key"] = source.key
        agreement: FeeAgreement | None = source.agreement
    elif isinstance(source, FeeAgreement):
        agreement = source
    else:
        agreement = None
    info["court_costs_borne_by"] = bearer
    schedule: FeeSchedule | None = source if isinstance(source, FeeSchedule) else None
    if agreement is not None:
        try:
            schedule = agreement.schedule_for(facts.debt_type)
        except FeeError:
            schedule = None
    if schedule is None:
        if facts.organisation_type == OrgType.IN_HOUSE.value:
            info.update(available=True, in_house=True)
            return None, info
        out.need(
            "fee_schedule",
            "未提供收费标准：预期净回收未扣除佣金",
            "No fee schedule: the expected net recovery is before commission",
        )
        info["available"] = False
        return None, info
    info["available"] = True
    org = facts.organisation_type
    if isinstance(source, PricingSchedule) and org is None:
        org = source.organisation_type.value
    if org is None:
        out.need(
            "organisation_type",
            "未提供机构类型：收费上限未核对",
            "No organisation type: the fee caps were not checked",
        )
        return schedule, info
    try:
        check = check_schedule(
            schedule,
            organisation_type=org,
            case_type="civil",
            signed=agreement.valid_from if agreement is not None else None,
            covers_litigation=isinstance(source, PricingSchedule) and source.covers_litigation,
        )
        info["fee_check"] = check.to_dict()
    except FeeError as exc:
        info["fee_check"] = {"allowed": False, **exc.as_dict()}
        out.warn(
            f"收费标准不合规，不能据此签约：{exc.message_zh}",
            f"The fee schedule breaks a rule and cannot be signed: {exc.message_en}",
        )
    return schedule, info


def _payment_order_answers(facts: CaseFacts, today: dt.date) -> dict[str, bool | None]:
    due = facts.due_date
    interest_documented: bool | None = True
    if facts.agreed_rate is not None:
        interest_documented = {
            Evidence.PRESENT: True,
            Evidence.MISSING: False,
            Evidence.UNKNOWN: None,
        }[facts.written_agreement]
    return {
        "money_or_securities": True,
        "no_other_dispute": None if facts.disputed is None else not facts.disputed,
        "due_and_fixed": None if due is None else due < today,
        "no_counter_performance": None
        if facts.counter_performance_owed is None
        else not facts.counter_performance_owed,
        "debtor_in_china_and_found": facts.debtor_reachable,
        "can_be_served": facts.debtor_reachable,
        "basic_court_of_domicile": True,
        "no_pre_suit_preservation": True,
        "documented_interest": interest_documented,
        "lawful_claim": True,
    }


def _claim(facts: CaseFacts) -> Decimal:
    """The size of the debt that picks a by-claim fee band: what is outstanding at intake."""
    return facts.outstanding if facts.outstanding is not None else facts.principal


def _routes(
    facts: CaseFacts,
    amount: Decimal,
    today: dt.date,
    limitation: Mapping[str, Any],
    probability: Decimal,
    schedule: FeeSchedule | None,
    bearer: str,
    small_claims_table: SmallClaimsTable | None,
    interest: Mapping[str, Any],
    out: _Collector,
) -> list[RouteOption]:
    expired = limitation.get("status") == "expired"
    not_due = facts.due_date is not None and facts.due_date >= today
    commission_full = (
        ZERO
        if schedule is None or amount == 0
        else commission_on_total(for_claim(schedule, _claim(facts)), amount)
    )
    options: list[RouteOption] = []
    for route, a in ROUTES.items():
        reasons: list[Line] = []
        rules: list[Rule] = []
        is_open = amount > 0
        hold = False  # open, but not to be recommended until something is confirmed
        fees = ZERO
        if amount == 0:
            reasons.append(Line("未还金额为零", "Nothing is outstanding"))
        if a.judicial and is_open:
            if not_due:
                is_open = False
                reasons.append(Line("债权尚未到期", "The debt is not yet due"))
            if facts.due_date is None:
                reasons.append(
                    Line("到期日未知：须先确认已到期", "Due date unknown: confirm it is due")
                )
        if route is Route.MEDIATION:
            rules.append(c.FEE_NO_FEE)
        elif route is Route.PAYMENT_ORDER and is_open:
            check = payment_order_checklist(_payment_order_answers(facts, today))
            rules.extend(check.rules)
            if check["eligible"] is False:
                is_open = False
                for key in check["failed"]:
                    zh, en = _words(PAYMENT_ORDER_CHECKS, key)
                    reasons.append(
                        Line(f"支付令条件不满足：{zh}", f"Payment-order condition fails: {en}")
                    )
            elif check["eligible"] is None:
                unanswered = [_words(PAYMENT_ORDER_CHECKS, k) for k in check["unanswered"]]
                reasons.append(
                    Line(
                        "支付令条件待确认：" + "；".join(zh for zh, _ in unanswered),
                        "Payment-order conditions to confirm: "
                        + "; ".join(en for _, en in unanswered),
                    )
                )
                for key, (zh, en) in zip(check["unanswered"], unanswered, strict=True):
                    out.ask(
                        f"payment_order_{key}",
                        f"请确认支付令条件：{zh}",
                        f"Confirm the payment-order condition: {en}",
                    )
            fees = court_fee(amount, kind="payment-order")["fee"]
        elif route is Route.SMALL_CLAIMS and is_open:
            result = small_claims(
                amount, filed=today, province=facts.province, table=small_claims_table
            )
            rules.extend(result.rules)
            procedure = result["procedure"]
            if procedure == "ordinary_or_simplified":
                is_open = False
                reasons.append(
                    Line(
                        f"标的额超过小额诉讼约定上限 {yuan(result['agreed_ceiling'])} 元",
                        f"The amount exceeds the small-claims ceiling of"
                        f" {yuan(result['agreed_ceiling'])}",
                    )
                )
            elif facts.debtor_reachable is False:
                is_open = False
                reasons.append(
                    Line(
                        "一方下落不明的不适用小额诉讼",
                        "Not small claims when a party cannot be found",
                    )
                )
            else:
                if procedure == "small_claims_if_agreed":
                    hold = True
                    reasons.append(
                        Line(
                            f"标的额超过 {yuan(result['limit'])} 元：须双方约定适用小额诉讼",
                            f"Above {yuan(result['limit'])}: small claims only if both parties"
                            " agree",
                        )
                    )
                fees = result["fee"]
        elif route in (Route.LITIGATION, Route.PRESERVATION) and is_open:
            fee_result = court_fee(amount)
            rules.extend(fee_result.rules)
            fees = fee_result["fee"]
            if route is Route.PRESERVATION:
                if facts.assets_known is False:
                    is_open = False
                    reasons.append(
                        Line("未发现可供保全的财产", "No assets are known that could be preserved")
                    )
                else:
                    pres = court_fee(amount, kind="preservation")
                    rules.extend(pres.rules)
                    fees += pres["fee"]
                    if facts.assets_known is None:
                        hold = True
                        out.ask(
                            "debtor_assets",
                            "请提供债务人财产线索（账户、房产、车辆、应收款）",
                            "Provide leads to the debtor's assets (accounts, property, vehicles,"
                            " receivables)",
                        )
                        reasons.append(
                            Line(
                                "须先查明债务人可供保全的财产（账户、房产、车辆、应收款）",
                                "The debtor's assets to preserve (accounts, property, vehicles,"
                                " receivables) must be found first",
                            )
                        )
        other = _money(amount * a.extra_cost_rate) if is_open else ZERO
        if not is_open:
            fees = ZERO
        creditor_costs = ZERO if bearer == CostBearer.ORGANISATION.value else fees + other
        factor = LIMITATION_EXPIRED_FACTOR if a.judicial and expired else Decimal(1)
        p = _prob(probability * a.efficacy * factor) if is_open else Decimal("0.0000")
        gross = _money(amount * p)
        expected_commission = _money(commission_full * p)
        net = gross - expected_commission - creditor_costs if is_open else ZERO
        advisable = is_open and not hold
        if is_open and a.judicial and expired:
            advisable = False
            rules.append(c.CC_192)
            reasons.append(
                Line(
                    "诉讼时效已届满：债务人一经抗辩即败诉，且诉讼费用由债权人承担",
                    "The limitation period has expired: once the debtor pleads it the claim"
                    " fails and the creditor bears the costs",
                )
            )
        if (
            is_open
            and route is Route.PAYMENT_ORDER
            and interest.get("computed")
            and facts.written_agreement is not Evidence.PRESENT
        ):
            reasons.append(
                Line(
                    "无书面依据的利息、违约金不能通过支付令主张",
                    "Interest or penalties without a basis in the documents cannot be claimed"
                    " by payment order",
                )
            )
        options.append(
            RouteOption(
                route=route,
                open=is_open,
                advisable=advisable,
                court_fees=_money(fees),
                other_costs=other,
                creditor_costs=_money(creditor_costs),
                days=a.days,
                probability=p,
                expected_gross_recovery=gross,
                expected_commission=expected_commission,
                expected_net_recovery=_money(net),
                reasons=tuple(reasons),
                rules=tuple(dict.fromkeys(rules)),
            )
        )
    return options


def _recommend(
    routes: list[RouteOption], limitation: Mapping[str, Any], bucket: str, amount: Decimal
) -> tuple[Route | None, list[Line]]:
    candidates = [r for r in routes if r.advisable]
    if not candidates:
        return None, [Line("没有可行的回收途径", "No route is open")]
    best = max(candidates, key=lambda r: (r.expected_net_recovery, -r.days, -_order(r.route)))
    a = ROUTES[best.route]
    reasons = [
        Line(
            f"推荐“{a.zh}”：在可行途径中预期净回收最高（{yuan(best.expected_net_recovery)} 元，"
            f"约 {best.days} 天）",
            f"Recommended: {a.en}, the highest expected net recovery among the routes open"
            f" ({yuan(best.expected_net_recovery)}, about {best.days} days)",
        )
    ]
    if limitation.get("status") == "expired":
        reasons.append(
            Line(
                "诉讼时效已届满，不建议起诉或申请支付令：争取债务人书面确认欠款或同意还款"
                "（届满后同意履行的，不得再以时效抗辩）",
                "The limitation period has expired, so litigation and payment orders are not"
                " advised: seek the debtor's written acknowledgement or agreement to pay (once"
                " it agrees after expiry it cannot plead limitation)",
            )
        )
    if bucket in ("181_365", "over_365") and limitation.get("status") != "expired":
        reasons.append(
            Line(
                "逾期超过 180 天：按策略转入司法途径",
                "More than 180 days overdue: the strategy moves to the judicial route",
            )
        )
    if best.expected_net_recovery <= 0:
        reasons.append(
            Line(
                "预期净回收不为正：建议谨慎接案",
                "The expected net recovery is not positive: take the case on with care",
            )
        )
    return best.route, reasons


def _order(route: Route) -> int:
    return list(Route).index(route)
