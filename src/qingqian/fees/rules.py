"""Which fee rules bind an organisation, and whether a fee schedule keeps to them (pure kernel).

legal-rules.md §5 decides what applies, by the organisation's type:

* ``law_firm``: the 2021 contingency-fee caps, tranche by tranche on the amount actually
  recovered (18/15/12/9/6 %, via :func:`qingqian.calculators.fees.contingency_cap`; the old
  30 % for agreements signed before 2021-12-28); no contingency fee at all in the forbidden
  case types (marriage, inheritance, wages, …); a separate written contingency contract.
* ``mediation_centre``: no national cap on commissions was found (a matter of contract), but
  a people's mediation committee must be free, non-lawyers may not act in court for a living
  (so no fee for litigation agency), and debtors are never charged a "collection fee".
* ``in_house``: the creditor's own employees (who may represent it in court); no cap.

A schedule or agreement that breaks a rule is refused with :class:`FeeError` citing the
rule (``fee_above_cap`` with the first amount recovered at which the fee exceeds the cap,
``contingency_forbidden_case_type``, ``non_lawyer_litigation_fee``,
``peoples_mediation_must_be_free``, ``debtor_fee_forbidden``).

Fees are charged to the creditor only. :class:`PricingSchedule` has no field that names a
payer, and :func:`pricing_from_data` refuses any payer other than the creditor and any field
about debtors, so a "collection fee" charged to a debtor cannot be written down at all.

:func:`price_disclosure` renders the active schedules, with the dates they took effect, as
the data of the public ``/prices`` page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, ClassVar

from qingqian.calculators import citations as c
from qingqian.calculators.fees import CONTINGENCY_CAP, FORBIDDEN_CASE_TYPES, contingency_cap
from qingqian.calculators.result import Line, Rule
from qingqian.common.money import display_amount as yuan
from qingqian.fees.commission import (
    CONTINGENCY_CAP_2021,
    BandMode,
    FeeAgreement,
    FeeBand,
    FeeSchedule,
    commission_on_total,
    fee_agreement_from_data,
    is_monotone,
)
from qingqian.fees.errors import FeeError

CENT = Decimal("0.01")
MAX_RECOVERED = Decimal("999999999999.99")
OLD_CAP_SCHEDULE = FeeSchedule(mode=BandMode.FLAT, bands=(FeeBand(None, Decimal("0.30")),))


class OrgType(StrEnum):
    LAW_FIRM = "law_firm"
    MEDIATION_CENTRE = "mediation_centre"
    IN_HOUSE = "in_house"


ORG_LABELS: dict[OrgType, tuple[str, str]] = {
    OrgType.LAW_FIRM: ("律师事务所", "law firm"),
    OrgType.MEDIATION_CENTRE: ("调解中心", "mediation centre"),
    OrgType.IN_HOUSE: ("债权人内部团队", "creditor's in-house team"),
}


class RecoveryForm(StrEnum):
    """What counts as "recovered" for the commission."""

    CASH = "cash"
    SET_OFF = "set_off"
    GOODS = "goods"


RECOVERY_LABELS: dict[RecoveryForm, tuple[str, str]] = {
    RecoveryForm.CASH: ("现金回款", "cash received"),
    RecoveryForm.SET_OFF: ("抵销", "set-off"),
    RecoveryForm.GOODS: ("以物抵债", "goods in payment"),
}


class CostBearer(StrEnum):
    """Who advances and finally bears court costs as between the creditor and the organisation
    (a court may later order the losing debtor to bear them: that is the court's order, not a
    fee of ours)."""

    CREDITOR = "creditor"
    ORGANISATION = "organisation"


# --- the rules ---------------------------------------------------------------------------

_CBA = (
    "中国银行业协会催收业务相关指引（2026）",
    "China Banking Association collection guideline (2026)",
)
_LAWYERS_LAW = ("《律师法》", "Lawyers Law")
_CPL = ("《民事诉讼法》（2023修正）", "Civil Procedure Law (2023 revision)")
_MEDIATION_LAW = ("《人民调解法》", "People's Mediation Law")
_PRICE_LAW = ("《价格法》；《江苏省地方金融条例》", "Price Law; Jiangsu Local Finance Regulation")

LAWYER_CONTRACT = Rule(
    "《关于进一步规范律师服务收费的意见》（司发通〔2021〕87号）",
    "Opinion on Regulating Lawyer Fees (2021)",
    "第（七）项 / item (7)",
    grade="B",
)
NO_DEBTOR_FEE = Rule(*_CBA, "不得向债务人收取催收费用 / no collection fee from debtors", grade="B")
NON_LAWYER_COURT = Rule(
    f"{_LAWYERS_LAW[0]}；{_CPL[0]}",
    f"{_LAWYERS_LAW[1]}; {_CPL[1]}",
    "第十三条；第六十一条 / Art. 13; Art. 61",
)
PEOPLES_MEDIATION_FREE = Rule(*_MEDIATION_LAW, "第四条 / Art. 4")
PRICE_DISCLOSURE = Rule(*_PRICE_LAW, "明码标价 / price marking", grade="D")


@dataclass(frozen=True, slots=True)
class FeeRule:
    """One rule that binds an organisation's fees, with its source."""

    code: str
    zh: str
    en: str
    rules: tuple[Rule, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
            "rules": [r.to_dict() for r in self.rules],
        }


RULE_LAWYER_CAP = FeeRule(
    "lawyer_contingency_cap",
    "律师风险代理各环节收费合计不得超过按实际回收金额分段累计的上限：100万元以下 18%，"
    "100万至500万 15%，500万至1000万 12%，1000万至5000万 9%，5000万以上 6%",
    "A lawyer's total contingency fee over all stages may not exceed the cap computed tranche"
    " by tranche on the amount actually recovered: 18% to 1M, 15% to 5M, 12% to 10M, 9% to"
    " 50M, 6% above",
    (c.LAWYER_CAP,),
)
RULE_LAWYER_OLD_CAP = FeeRule(
    "lawyer_old_cap",
    "2021-12-28 之前签订的风险代理合同：最高不超过标的额的 30%",
    "Contingency contracts signed before 2021-12-28: at most 30% of the amount",
    (c.LAWYER_OLD_CAP,),
)
RULE_LAWYER_FORBIDDEN = FeeRule(
    "lawyer_forbidden_case_types",
    "婚姻、继承、社会保险与最低生活保障待遇、赡养抚养扶养费、抚恤金、救济金、工伤赔偿、劳动报酬案件，"
    "以及刑事、行政、国家赔偿和群体性诉讼，禁止风险代理收费",
    "No contingency fee in marriage, inheritance, social-insurance and minimum-living benefits,"
    " maintenance, pensions for the bereaved, relief, work-injury and wage cases, nor in any"
    " criminal, administrative, state-compensation or group litigation",
    (c.LAWYER_FORBIDDEN, c.LAWYER_FORBIDDEN_2021),
)
RULE_LAWYER_CONTRACT = FeeRule(
    "lawyer_written_contract",
    "须另行签订书面风险代理合同，显著载明风险代理含义、禁止情形、最高收费金额与风险",
    "A separate written contingency contract must state prominently what contingency means,"
    " the forbidden cases, the maximum fee and the risks",
    (LAWYER_CONTRACT,),
)
RULE_NO_DEBTOR_FEE = FeeRule(
    "no_debtor_fee",
    "费用只向委托的债权人收取；不得向债务人收取任何“催收费”",
    "Fees are charged to the instructing creditor only; a debtor is never charged any"
    " 'collection fee'",
    (NO_DEBTOR_FEE,),
)
RULE_NO_NATIONAL_CAP = FeeRule(
    "no_national_commission_cap",
    "未查到对非律师机构佣金比例的全国性上限规定，佣金比例属合同约定事项",
    "No national cap on a non-lawyer organisation's commission rate was found; the rate is a"
    " matter of contract",
    (),
)
RULE_NON_LAWYER_COURT = FeeRule(
    "non_lawyer_no_litigation_agency",
    "非律师不得以营利为目的从事诉讼代理，机构员工不能为委托人出庭，佣金不得包含诉讼代理",
    "Non-lawyers may not act in court for a living; the organisation's staff cannot appear for"
    " clients and the commission may not cover litigation agency",
    (NON_LAWYER_COURT,),
)
RULE_PEOPLES_MEDIATION_FREE = FeeRule(
    "peoples_mediation_free",
    "人民调解委员会调解民间纠纷不收取任何费用",
    "A people's mediation committee charges nothing for mediation",
    (PEOPLES_MEDIATION_FREE,),
)
RULE_IN_HOUSE = FeeRule(
    "in_house_employees",
    "债权人的工作人员可以代理本单位诉讼；内部团队不对外收费，无佣金上限",
    "The creditor's employees may represent it in court; an in-house team charges no outside"
    " fee and no commission cap applies",
    (Rule(*_CPL, "第六十一条 / Art. 61"),),
)
RULE_PRICE_DISCLOSURE = FeeRule(
    "price_disclosure",
    "收费标准应公开明示，并注明生效日期（江苏相关条文未经核实）",
    "Prices must be published with the date they took effect (the Jiangsu articles were not"
    " verified)",
    (PRICE_DISCLOSURE,),
)


def applicable_rules(
    organisation_type: OrgType | str,
    *,
    signed: dt.date | None = None,
    peoples_mediation: bool = False,
) -> tuple[FeeRule, ...]:
    """The fee rules that bind an organisation of this type (for an agreement signed on
    ``signed``, when known)."""
    org = parse_org_type(organisation_type)
    if org is OrgType.LAW_FIRM:
        cap = (
            RULE_LAWYER_OLD_CAP
            if signed is not None and signed < CONTINGENCY_CAP.valid_from
            else RULE_LAWYER_CAP
        )
        rules = [cap, RULE_LAWYER_FORBIDDEN, RULE_LAWYER_CONTRACT]
    elif org is OrgType.MEDIATION_CENTRE:
        rules = [RULE_NO_NATIONAL_CAP, RULE_NON_LAWYER_COURT]
        if peoples_mediation:
            rules.insert(0, RULE_PEOPLES_MEDIATION_FREE)
    else:
        rules = [RULE_IN_HOUSE]
    return (*rules, RULE_NO_DEBTOR_FEE, RULE_PRICE_DISCLOSURE)


def parse_org_type(value: OrgType | str) -> OrgType:
    try:
        return OrgType(value)
    except ValueError:
        choices = [o.value for o in OrgType]
        raise FeeError(
            f"未知的机构类型：{value}（可选：{'、'.join(choices)}）",
            f"Unknown organisation type: {value} (choose one of: {', '.join(choices)})",
            code="unknown_organisation_type",
            details={"organisation_type": str(value), "choices": choices},
        ) from None


# --- checking schedules ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeeCheck:
    """A schedule that passed: the rules that were applied and what to tell the user."""

    organisation_type: OrgType
    rules: tuple[FeeRule, ...]
    warnings: tuple[Line, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": True,
            "organisation_type": self.organisation_type.value,
            "rules": [r.to_dict() for r in self.rules],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _charges_anything(schedule: FeeSchedule) -> bool:
    return any(b.rate > 0 for b in schedule.bands) or bool(schedule.minimum)


def _normalise_case_type(case_type: str | None) -> str | None:
    if case_type is None:
        return None
    key = case_type.strip().lower().replace("-", "_")
    if key not in FORBIDDEN_CASE_TYPES and key != "civil":
        choices = ["civil", *FORBIDDEN_CASE_TYPES]
        raise FeeError(
            f"未知的案件类型：{case_type}（可选：{'、'.join(choices)}）",
            f"Unknown case type: {case_type} (choose one of: {', '.join(choices)})",
            code="unknown_case_type",
            details={"case_type": case_type, "choices": choices},
        )
    return key


def check_schedule(
    schedule: FeeSchedule,
    *,
    organisation_type: OrgType | str,
    case_type: str | None = None,
    signed: dt.date | None = None,
    peoples_mediation: bool = False,
    covers_litigation: bool = False,
    label: str = "default",
) -> FeeCheck:
    """Refuse ``schedule`` if it breaks a rule that binds the organisation; else say which
    rules were applied. ``case_type`` is ``civil`` or one of the forbidden case types;
    ``label`` names the schedule in errors (the debt type it is for)."""
    org = parse_org_type(organisation_type)
    kind = _normalise_case_type(case_type)
    rules = applicable_rules(org, signed=signed, peoples_mediation=peoples_mediation)
    warnings: list[Line] = []
    if not is_monotone(schedule):
        raise FeeError(
            f"费率表“{label}”按回收总额整档适用且高档费率更低：多回收一分钱可能使收费减少。"
            f"请改为按受理时债权金额分档（by_claim）或分段累计。",
            f"Schedule '{label}' applies the band of the whole recovered total with a lower"
            f" rate in a higher band: recovering one fen more could lower the fee. Band it by"
            f" the claim at acceptance (by_claim) or by tranche instead.",
            code="fee_schedule_not_monotone",
            details={"schedule": label, "mode": schedule.mode.value},
        )
    if org is OrgType.LAW_FIRM:
        if kind in FORBIDDEN_CASE_TYPES and _charges_anything(schedule):
            zh, en = FORBIDDEN_CASE_TYPES[kind]
            raise FeeError(
                f"{zh}案件禁止实行风险代理收费（费率表“{label}”）。",
                f"Contingency fees are forbidden in {en} (schedule '{label}').",
                code="contingency_forbidden_case_type",
                details={
                    "case_type": kind,
                    "schedule": label,
                    "rule": RULE_LAWYER_FORBIDDEN.to_dict(),
                },
            )
        old = signed is not None and signed < CONTINGENCY_CAP.valid_from
        ceiling = OLD_CAP_SCHEDULE if old else CONTINGENCY_CAP_2021
        violation = first_violation(schedule, ceiling, signed=signed)
        if violation is not None:
            recovered, fee, cap = violation
            rule = RULE_LAWYER_OLD_CAP if old else RULE_LAWYER_CAP
            raise FeeError(
                f"费率表“{label}”超过律师风险代理收费上限：回收 {yuan(recovered)} 元时收费"
                f" {yuan(fee)} 元，上限为 {yuan(cap)} 元"
                f"（{rule.rules[0].document}{rule.rules[0].article}）。",
                f"Schedule '{label}' exceeds the lawyer contingency-fee cap: on {yuan(recovered)}"
                f" recovered it charges {yuan(fee)}, the cap is {yuan(cap)}"
                f" ({rule.rules[0].document_en},"
                f" {rule.rules[0].article}).",
                code="fee_above_cap",
                details={
                    "schedule": label,
                    "recovered": str(recovered),
                    "fee": str(fee),
                    "cap": str(cap),
                    "rule": rule.to_dict(),
                },
            )
        if kind is None:
            warnings.append(
                Line(
                    "未提供案件类型：禁止风险代理的案件类型未核对",
                    "No case type given: the forbidden case types were not checked",
                )
            )
    else:
        if peoples_mediation and _charges_anything(schedule):
            raise FeeError(
                f"人民调解委员会调解不收取任何费用，不能使用收费的费率表“{label}”。",
                f"A people's mediation committee charges nothing: schedule '{label}' charges"
                f" a fee.",
                code="peoples_mediation_must_be_free",
                details={"schedule": label, "rule": RULE_PEOPLES_MEDIATION_FREE.to_dict()},
            )
        if org is OrgType.MEDIATION_CENTRE and covers_litigation and _charges_anything(schedule):
            raise FeeError(
                f"非律师机构不得以营利为目的从事诉讼代理：费率表“{label}”不能包含诉讼代理收费。",
                f"A non-lawyer organisation may not act in court for a living: schedule"
                f" '{label}' may not cover litigation agency.",
                code="non_lawyer_litigation_fee",
                details={"schedule": label, "rule": RULE_NON_LAWYER_COURT.to_dict()},
            )
        if org is OrgType.MEDIATION_CENTRE:
            warnings.append(Line(RULE_NO_NATIONAL_CAP.zh, RULE_NO_NATIONAL_CAP.en))
            if kind in FORBIDDEN_CASE_TYPES:
                zh, en = FORBIDDEN_CASE_TYPES[kind]
                warnings.append(
                    Line(
                        f"{zh}案件：律师在此类案件中禁止风险代理，收取结果佣金需谨慎评估",
                        f"{en}: lawyers may not take contingency fees in these cases; review"
                        f" a result-based commission with care",
                    )
                )
    return FeeCheck(org, rules, tuple(warnings))


def check_agreement(
    agreement: FeeAgreement,
    *,
    organisation_type: OrgType | str,
    case_type: str | None = None,
    peoples_mediation: bool = False,
    covers_litigation: bool = False,
) -> FeeCheck:
    """Check every schedule of an agreement (signed on its ``valid_from``). A schedule keyed by
    a forbidden case type (``wages`` …) is checked as that case type."""
    checks: list[FeeCheck] = []
    items: list[tuple[str, FeeSchedule, str | None]] = []
    if agreement.default is not None:
        items.append(("default", agreement.default, case_type))
    for debt_type, schedule in sorted(agreement.by_debt_type.items()):
        key = debt_type.strip().lower().replace("-", "_")
        items.append((debt_type, schedule, key if key in FORBIDDEN_CASE_TYPES else case_type))
    for label, schedule, kind in items:
        checks.append(
            check_schedule(
                schedule,
                organisation_type=organisation_type,
                case_type=kind,
                signed=agreement.valid_from,
                peoples_mediation=peoples_mediation,
                covers_litigation=covers_litigation,
                label=label,
            )
        )
    org = parse_org_type(organisation_type)
    warnings: list[Line] = []
    for check in checks:
        for line in check.warnings:
            if line not in warnings:
                warnings.append(line)
    rules = applicable_rules(org, signed=agreement.valid_from, peoples_mediation=peoples_mediation)
    return FeeCheck(org, rules, tuple(warnings))


# --- the first amount recovered at which a schedule exceeds a ceiling ---------------------


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


def _bands_exact(schedule: FeeSchedule, recovered: Fraction) -> Fraction:
    fee = Fraction(0)
    lower = Fraction(0)
    for band in schedule.bands:
        upper = None if band.up_to is None else _fraction(band.up_to)
        rate = _fraction(band.rate)
        if schedule.mode is BandMode.FLAT:
            if upper is None or recovered <= upper:
                return recovered * rate
            continue
        top = recovered if upper is None else min(recovered, upper)
        if top > lower:
            fee += (top - lower) * rate
        if upper is None or recovered <= upper:
            break
        lower = upper
    return fee


def _limits(schedule: FeeSchedule) -> list[Fraction]:
    return [_fraction(b.up_to) for b in schedule.bands if b.up_to is not None]


def _fen_floor(x: Fraction) -> Fraction:
    return Fraction(math.floor(x * 100), 100)


def _fen_ceil(x: Fraction) -> Fraction:
    return Fraction(math.ceil(x * 100), 100)


def _ceiling_fee(ceiling: FeeSchedule, recovered: Decimal, signed: dt.date | None) -> Decimal:
    if ceiling is CONTINGENCY_CAP_2021 or ceiling is OLD_CAP_SCHEDULE:
        fee = contingency_cap(recovered, signed=signed)["max_fee"]
        if not isinstance(fee, Decimal):  # pragma: no cover - the calculator's contract
            raise TypeError(fee)
        return fee
    return commission_on_total(ceiling, recovered)


def first_violation(
    schedule: FeeSchedule, ceiling: FeeSchedule, *, signed: dt.date | None = None
) -> tuple[Decimal, Decimal, Decimal] | None:
    """An amount recovered (to the fen) at which ``schedule`` charges more than ``ceiling``
    allows, with the two fees rounded to the fen; ``None`` if it never does.

    The decision is exact (before rounding). The amount reported is the smallest tested
    amount at which the rounded fee exceeds the rounded cap, or else the smallest tested
    amount with an exact excess.

    Both are piecewise linear in the amount recovered between their band limits; a minimum
    and a cap add the points where a band line crosses them. Between consecutive points the
    difference is linear, so it is enough to test the fen amounts next to every point (and,
    past the last limit, a point far enough along a rising difference).

    A ``by_claim`` schedule is checked at its highest rate: any claim may fall in that band."""
    if schedule.mode is BandMode.BY_CLAIM:
        schedule = FeeSchedule(
            mode=BandMode.FLAT,
            bands=(FeeBand(None, max(b.rate for b in schedule.bands)),),
            minimum=schedule.minimum,
            cap=schedule.cap,
        )
    points = sorted({Fraction(0), *_limits(schedule), *_limits(ceiling)})
    levels = [_fraction(v) for v in (schedule.minimum, schedule.cap) if v is not None]
    candidates: set[Fraction] = {Fraction(1, 100)}
    pieces: list[tuple[Fraction, Fraction | None]] = [
        (points[i], points[i + 1]) for i in range(len(points) - 1)
    ]
    pieces.append((points[-1], None))
    for lo, hi in pieces:
        a, b = (lo + 1, lo + 2) if hi is None else (lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3)
        xs: list[Fraction] = [lo] if hi is None else [lo, hi]
        lines = []
        for fn in (schedule, ceiling):
            fa, fb = _bands_exact(fn, a), _bands_exact(fn, b)
            slope = (fb - fa) / (b - a)
            lines.append((slope, fa - slope * a))
        for slope, icpt in lines:
            for level in levels:
                if slope:
                    x = (level - icpt) / slope
                    if x > lo and (hi is None or x < hi):
                        xs.append(x)
        if hi is None:
            rise = lines[0][0] - lines[1][0]
            gap = (lines[0][0] - lines[1][0]) * lo + lines[0][1] - lines[1][1]
            if rise > 0:
                xs.append(lo + max(Fraction(0), (Fraction(2, 100) - gap) / rise) + 1)
        for x in xs:
            for fen in (_fen_floor(x), _fen_ceil(x), _fen_ceil(x) + Fraction(1, 100)):
                if fen > lo and (hi is None or fen <= hi):
                    candidates.add(fen)
    limit = _fraction(MAX_RECOVERED)
    exact_hits: list[Fraction] = []
    for point in sorted(candidates):
        if point <= 0 or point > limit:
            continue
        if _fee_exact(schedule, point) <= _bands_exact(ceiling, point):
            continue
        exact_hits.append(point)
        recovered = _decimal(point)
        fee = commission_on_total(schedule, recovered)
        cap = _ceiling_fee(ceiling, recovered, signed)
        if fee > cap:
            return recovered, fee, cap
    if exact_hits:
        recovered = _decimal(exact_hits[0])
        return (
            recovered,
            commission_on_total(schedule, recovered),
            _ceiling_fee(ceiling, recovered, signed),
        )
    return None


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT)


def _fee_exact(schedule: FeeSchedule, recovered: Fraction) -> Fraction:
    fee = _bands_exact(schedule, recovered)
    if schedule.minimum is not None:
        fee = max(fee, _fraction(schedule.minimum))
    if schedule.cap is not None:
        fee = min(fee, _fraction(schedule.cap))
    return min(fee, recovered)


# --- published schedules -----------------------------------------------------------------


@dataclass(frozen=True)
class PricingSchedule:
    """A schedule an organisation publishes and signs agreements on.

    There is deliberately no payer field: every fee is the creditor's (``charged_to`` is a
    class constant), so a fee charged to a debtor cannot be expressed."""

    key: str
    name_zh: str
    name_en: str
    organisation_type: OrgType
    agreement: FeeAgreement
    recovered_counts: frozenset[RecoveryForm] = field(
        default_factory=lambda: frozenset({RecoveryForm.CASH})
    )
    court_costs_borne_by: CostBearer = CostBearer.CREDITOR
    prepayment: Decimal = Decimal("0.00")
    covers_litigation: bool = False
    withdrawn_on: dt.date | None = None

    charged_to: ClassVar[str] = "creditor"

    def __post_init__(self) -> None:
        if not self.key or not self.key.replace("_", "").replace("-", "").isalnum():
            raise _schedule_invalid("key", self.key, "letters, digits, '-' and '_' only")
        for name in ("name_zh", "name_en"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise _schedule_invalid(name, text, "a name is required")
            if "讨债" in text:
                raise _schedule_invalid(name, text, "'讨债' may not be used (legal-rules §5.2)")
        if not isinstance(self.organisation_type, OrgType):
            raise _schedule_invalid("organisation_type", self.organisation_type, "an OrgType")
        if not isinstance(self.agreement, FeeAgreement):
            raise _schedule_invalid("agreement", self.agreement, "a FeeAgreement")
        if not self.recovered_counts or not all(
            isinstance(f, RecoveryForm) for f in self.recovered_counts
        ):
            raise _schedule_invalid("recovered_counts", self.recovered_counts, "RecoveryForms")
        if not isinstance(self.court_costs_borne_by, CostBearer):
            raise _schedule_invalid("court_costs_borne_by", self.court_costs_borne_by, "bearer")
        if (
            not isinstance(self.prepayment, Decimal)
            or not self.prepayment.is_finite()
            or self.prepayment < 0
            or self.prepayment != self.prepayment.quantize(CENT)
        ):
            raise _schedule_invalid("prepayment", self.prepayment, "a non-negative amount")
        # Withdrawn on the day it would have taken effect: announced, then never in force.
        if self.withdrawn_on is not None and self.withdrawn_on < self.valid_from:
            raise _schedule_invalid("withdrawn_on", self.withdrawn_on, "on or after valid_from")

    @property
    def valid_from(self) -> dt.date:
        return self.agreement.valid_from

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.withdrawn_on is None or day < self.withdrawn_on)

    def announced_after(self, day: dt.date) -> bool:
        """Announced to take effect after ``day`` (and not withdrawn before it would)."""
        return self.valid_from > day and (
            self.withdrawn_on is None or self.withdrawn_on > self.valid_from
        )


def _schedule_invalid(name: str, value: object, why: str) -> FeeError:
    return FeeError(
        f"收费标准无效：{name}={value!r}（{why}）",
        f"Invalid pricing schedule: {name}={value!r} ({why})",
        code="pricing_invalid",
        details={"field": name, "value": str(value), "problem": why},
    )


def check_pricing(
    pricing: PricingSchedule, *, case_type: str | None = None, peoples_mediation: bool = False
) -> FeeCheck:
    """Check a published schedule against the rules of its organisation type."""
    return check_agreement(
        pricing.agreement,
        organisation_type=pricing.organisation_type,
        case_type=case_type,
        peoples_mediation=peoples_mediation,
        covers_litigation=pricing.covers_litigation,
    )


_PRICING_FIELDS = frozenset(f.name for f in fields(PricingSchedule)) | {"charged_to"}


def pricing_from_data(data: Mapping[str, Any]) -> PricingSchedule:
    """A :class:`PricingSchedule` from JSON-like data (numbers as strings). A payer other than
    the creditor, or any field about charging debtors, is refused (``debtor_fee_forbidden``)."""
    for key in data:
        lowered = str(key).lower()
        if "debtor" in lowered or "债务人" in lowered:
            raise _debtor_fee(str(key))
        if key not in _PRICING_FIELDS:
            raise _schedule_invalid(str(key), data[key], "unknown field")
    payer = data.get("charged_to", "creditor")
    if payer != "creditor":
        raise _debtor_fee(f"charged_to={payer}")
    try:
        agreement = fee_agreement_from_data(data.get("agreement") or {})
    except FeeError as exc:
        raise FeeError(
            exc.message_zh, exc.message_en, code="pricing_invalid", details=exc.details
        ) from None
    try:
        org = OrgType(data.get("organisation_type", ""))
        forms = frozenset(RecoveryForm(v) for v in data.get("recovered_counts", ["cash"]))
        bearer = CostBearer(data.get("court_costs_borne_by", "creditor"))
    except (ValueError, TypeError) as exc:
        raise _schedule_invalid("choice", str(exc), "not one of the allowed values") from None
    prepayment = data.get("prepayment", "0.00")
    withdrawn = data.get("withdrawn_on")
    if isinstance(prepayment, float) or not isinstance(prepayment, str | int):
        raise _schedule_invalid("prepayment", prepayment, "a decimal string")
    try:
        withdrawn_on = None if withdrawn is None else dt.date.fromisoformat(str(withdrawn))
        amount = Decimal(prepayment)
    except (ValueError, ArithmeticError):
        raise _schedule_invalid("prepayment/withdrawn_on", prepayment, "not parseable") from None
    return PricingSchedule(
        key=str(data.get("key", "")),
        name_zh=str(data.get("name_zh", "")),
        name_en=str(data.get("name_en", "")),
        organisation_type=org,
        agreement=agreement,
        recovered_counts=forms,
        court_costs_borne_by=bearer,
        prepayment=amount,
        covers_litigation=bool(data.get("covers_litigation", False)),
        withdrawn_on=withdrawn_on,
    )


def _debtor_fee(what: str) -> FeeError:
    return FeeError(
        f"收费只能向债权人收取，不能向债务人收取任何“催收费”（{what}）。",
        f"Fees are charged to the creditor only; a debtor is never charged a 'collection"
        f" fee' ({what}).",
        code="debtor_fee_forbidden",
        details={"field": what, "rule": RULE_NO_DEBTOR_FEE.to_dict()},
    )


# --- presets -----------------------------------------------------------------------------


def _flat(*pairs: tuple[str | None, str]) -> FeeSchedule:
    return FeeSchedule(
        mode=BandMode.FLAT,
        bands=tuple(FeeBand(None if u is None else Decimal(u), Decimal(r)) for u, r in pairs),
    )


def _by_claim(*pairs: tuple[str | None, str]) -> FeeSchedule:
    return FeeSchedule(
        mode=BandMode.BY_CLAIM,
        bands=tuple(FeeBand(None if u is None else Decimal(u), Decimal(r)) for u, r in pairs),
    )


def _marginal(*pairs: tuple[str | None, str]) -> FeeSchedule:
    return FeeSchedule(
        mode=BandMode.MARGINAL,
        bands=tuple(FeeBand(None if u is None else Decimal(u), Decimal(r)) for u, r in pairs),
    )


#: The seed centre's promise: zero prepayment, 20–35 % of what is recovered, up to 40 % for
#: debts under 50,000 yuan. The band is chosen by the size of the debt (the claim at
#: acceptance, as signed) and its rate applies to everything recovered, so the fee only grows
#: with what is recovered. The split of the 20–35 % range by size is this project's
#: assumption. In force from 2026-01-01, so a schedule is in force on any date the product
#: runs; a later schedule is added as a new dated row, never by editing this one.
PUBLISHED_FROM = dt.date(2026, 1, 1)

SEED_SCHEDULE = PricingSchedule(
    key="seed-centre-2026",
    name_zh="调解中心结果收费（零预付）",
    name_en="Mediation centre, paid on results (zero prepayment)",
    organisation_type=OrgType.MEDIATION_CENTRE,
    agreement=FeeAgreement(
        valid_from=PUBLISHED_FROM,
        default=_by_claim(
            ("50000", "0.40"),
            ("200000", "0.35"),
            ("1000000", "0.30"),
            ("5000000", "0.25"),
            (None, "0.20"),
        ),
    ),
    recovered_counts=frozenset({RecoveryForm.CASH, RecoveryForm.SET_OFF, RecoveryForm.GOODS}),
)

#: A law firm's contingency schedule inside the 2021 caps (tranche by tranche).
LAW_FIRM_SCHEDULE = PricingSchedule(
    key="law-firm-contingency-2026",
    name_zh="律师风险代理收费（分段累计，低于上限）",
    name_en="Law firm contingency fee (by tranche, under the cap)",
    organisation_type=OrgType.LAW_FIRM,
    agreement=FeeAgreement(
        valid_from=PUBLISHED_FROM,
        default=_marginal(
            ("1000000", "0.15"),
            ("5000000", "0.12"),
            ("10000000", "0.10"),
            ("50000000", "0.08"),
            (None, "0.05"),
        ),
    ),
    covers_litigation=True,
)

PRESETS: tuple[PricingSchedule, ...] = (SEED_SCHEDULE, LAW_FIRM_SCHEDULE)


# --- the public price page ---------------------------------------------------------------


def _pct(rate: Decimal) -> str:
    return str((rate * 100).quantize(CENT))


MODE_LABELS: dict[BandMode, tuple[str, str]] = {
    BandMode.FLAT: (
        "按回收总额所在档位全额适用",
        "the band of the whole total applies to all of it",
    ),
    BandMode.MARGINAL: ("分段累计", "tranche by tranche"),
    BandMode.BY_CLAIM: (
        "按受理时债权金额所在档位确定费率，适用于全部回收金额",
        "the band of the claim at acceptance sets the rate on everything recovered",
    ),
}


def _schedule_rows(schedule: FeeSchedule) -> dict[str, Any]:
    rows = []
    lower = Decimal("0.00")
    for band in schedule.bands:
        rows.append(
            {
                "above": str(lower.quantize(CENT)),
                "up_to": None if band.up_to is None else str(band.up_to.quantize(CENT)),
                "rate_percent": _pct(band.rate),
            }
        )
        if band.up_to is not None:
            lower = band.up_to
    mode_zh, mode_en = MODE_LABELS[schedule.mode]
    return {
        "mode": schedule.mode.value,
        "mode_zh": mode_zh,
        "mode_en": mode_en,
        "bands": rows,
        "minimum": None if schedule.minimum is None else str(schedule.minimum.quantize(CENT)),
        "cap": None if schedule.cap is None else str(schedule.cap.quantize(CENT)),
    }


def schedule_from_public(entry: Mapping[str, Any]) -> FeeSchedule:
    """The :class:`FeeSchedule` of one entry of a disclosed schedule (``_schedule_rows``), as
    an agreement's snapshot keeps it: the inverse of the price page's rows."""
    try:
        bands = tuple(
            FeeBand(
                None if row.get("up_to") is None else Decimal(str(row["up_to"])),
                Decimal(str(row["rate_percent"])) / 100,
            )
            for row in entry.get("bands") or ()
        )
        minimum, cap = entry.get("minimum"), entry.get("cap")
        return FeeSchedule(
            mode=BandMode(entry.get("mode", "")),
            bands=bands,
            minimum=None if minimum is None else Decimal(str(minimum)),
            cap=None if cap is None else Decimal(str(cap)),
        )
    except (ArithmeticError, KeyError, TypeError, ValueError, FeeError):
        raise _schedule_invalid("snapshot", dict(entry), "not a disclosed schedule") from None


def snapshot_schedule(snapshot: Mapping[str, Any], debt_type: str) -> FeeSchedule | None:
    """The schedule an agreement's snapshot (one disclosed pricing) sets for ``debt_type``: the
    debt type's own, else the default; ``None`` if it has neither."""
    entries = {e.get("debt_type"): e for e in snapshot.get("schedules") or ()}
    entry = entries.get(debt_type, entries.get(None))
    return None if entry is None else schedule_from_public(entry)


def snapshot_recovery_forms(snapshot: Mapping[str, Any]) -> frozenset[RecoveryForm]:
    """What counts as recovered under an agreement's snapshot (cash when it does not say)."""
    forms = {RecoveryForm(r["form"]) for r in snapshot.get("recovered_counts") or ()}
    return frozenset(forms or {RecoveryForm.CASH})


def _public(pricing: PricingSchedule) -> dict[str, Any]:
    agreement = pricing.agreement
    by_type = [
        {"debt_type": key, **_schedule_rows(s)} for key, s in sorted(agreement.by_debt_type.items())
    ]
    if agreement.default is not None:
        by_type.insert(0, {"debt_type": None, **_schedule_rows(agreement.default)})
    org_zh, org_en = ORG_LABELS[pricing.organisation_type]
    forms = sorted(pricing.recovered_counts, key=list(RecoveryForm).index)
    return {
        "key": pricing.key,
        "name_zh": pricing.name_zh,
        "name_en": pricing.name_en,
        "organisation_type": pricing.organisation_type.value,
        "organisation_type_zh": org_zh,
        "organisation_type_en": org_en,
        "effective_from": pricing.valid_from.isoformat(),
        "withdrawn_on": None if pricing.withdrawn_on is None else pricing.withdrawn_on.isoformat(),
        "schedules": by_type,
        "recovered_counts": [
            {"form": f.value, "zh": RECOVERY_LABELS[f][0], "en": RECOVERY_LABELS[f][1]}
            for f in forms
        ],
        "court_costs_borne_by": pricing.court_costs_borne_by.value,
        "prepayment": str(pricing.prepayment.quantize(CENT)),
        "charged_to": PricingSchedule.charged_to,
        "rules": [
            r.to_dict()
            for r in applicable_rules(pricing.organisation_type, signed=pricing.valid_from)
        ],
    }


def price_disclosure(schedules: Iterable[PricingSchedule], *, on: dt.date) -> dict[str, Any]:
    """The data of the public price page on ``on``: the schedules in force (the latest
    ``valid_from`` per key), those announced for later, and the standing statements."""
    items = list(schedules)
    active: dict[str, PricingSchedule] = {}
    for item in items:
        if item.active_on(on) and (
            item.key not in active or item.valid_from > active[item.key].valid_from
        ):
            active[item.key] = item
    upcoming = sorted(
        (s for s in items if s.announced_after(on)), key=lambda s: (s.valid_from, s.key)
    )
    return {
        "as_of": on.isoformat(),
        "schedules": [
            _public(s) for s in sorted(active.values(), key=lambda s: (s.valid_from, s.key))
        ],
        "upcoming": [_public(s) for s in upcoming],
        "statements": [
            {"zh": RULE_NO_DEBTOR_FEE.zh, "en": RULE_NO_DEBTOR_FEE.en},
            {
                "zh": "除收费标准另有约定外，零预付：按实际回收收费",
                "en": "Zero prepayment unless the schedule says otherwise: paid on results",
            },
        ],
    }
