"""Promises, plan versions, acceptance, breach and settlement offers (transactions here).

Every change writes a timeline row (and thereby a log entry) and an audit row in the same
transaction. Agreed terms go into the case log verbatim with their SHA-256.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction

from qingqian.accounts.models import User
from qingqian.accounts.otp import otp_issue, otp_verify
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.cases.services import require, timeline_add
from qingqian.common import bounds, clock
from qingqian.common.exceptions import Conflict, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.evidence.services import document_register
from qingqian.negotiation import plans as kplans
from qingqian.negotiation import terms as kterms
from qingqian.negotiation.models import (
    BreachRecord,
    Consequence,
    Installment,
    InstallmentPlan,
    OfferState,
    PlanVersion,
    Promise,
    PromiseSource,
    PromiseState,
    SettlementLimit,
    SettlementOffer,
    VersionState,
)
from qingqian.negotiation.selectors import _payments, plan_assess
from qingqian.parties.models import Party

SHANGHAI = clock.BUSINESS_TZ
CENT = Decimal("0.01")
OTP_PURPOSE_PLAN = "plan_accept"


# --------------------------------------------------------------------------- payments


# --------------------------------------------------------------------------- promises


@in_record_language
@transaction.atomic
def promise_record(
    *,
    case: Case,
    amount: Decimal,
    due_date: dt.date,
    source: str,
    actor: User | None,
    confirmed_by: User | None = None,
) -> Promise:
    if source not in PromiseSource.values:
        raise ValidationFailed(
            f"未知的承诺来源：{source}", f"Unknown promise source: {source}", code="bad_source"
        )
    if source != PromiseSource.PORTAL:
        require(actor, Perm.CASE_TRANSITION)
    if (
        not amount.is_finite()
        or amount <= 0
        or amount > bounds.AMOUNT_MAX
        or amount != amount.quantize(CENT)
    ):
        raise ValidationFailed(
            "承诺金额必须为正数，最多两位小数。",
            "The promised amount must be positive with at most two decimals.",
            code="promise_amount",
        )
    today = clock.today()
    if due_date < today:
        raise ValidationFailed(
            "承诺日期不能早于今天。",
            "The promised date cannot be in the past.",
            code="promise_date",
        )
    bounds.check_date(due_date, field="due_date")
    promise = Promise.objects.create(
        case=case,
        amount=amount,
        due_date=due_date,
        made_on=today,
        source=source,
        confirmed_by=confirmed_by or (actor if source == PromiseSource.HANDLER else None),
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="promise.recorded",
        note=f"承诺于 {due_date.isoformat()} 前还款 {amount} 元（来源：{source}）",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="promise.record",
        obj=promise,
        after={"amount": str(amount), "due_date": due_date.isoformat(), "source": source},
    )
    return promise


@in_record_language
def promises_decide(*, today: dt.date | None = None) -> dict[str, int]:
    """Mark open promises kept (paid in full since made) or broken (past due, not paid)."""
    today = today or clock.today()
    counts = {"kept": 0, "broken": 0}
    for promise in Promise.objects.filter(state=PromiseState.OPEN).select_related("case"):
        paid = sum(
            (
                p.amount
                for p in _payments(promise.case, since=promise.made_on)
                if p.paid_on <= min(today, promise.due_date)
            ),
            Decimal("0.00"),
        )
        if paid >= promise.amount:
            state = PromiseState.KEPT
        elif today > promise.due_date:
            state = PromiseState.BROKEN
        else:
            continue
        with transaction.atomic():
            locked = Promise.objects.select_for_update().get(pk=promise.pk)
            if locked.state != PromiseState.OPEN:
                continue
            locked.state, locked.paid, locked.decided_on = state, paid, today
            locked.save(update_fields=["state", "paid", "decided_on"])
            timeline_add(
                case=promise.case,
                actor=None,
                kind=f"promise.{state}",
                note=f"还款承诺（{promise.amount} 元，{promise.due_date.isoformat()}）："
                f"{'已履行' if state == PromiseState.KEPT else '未履行'}，已付 {paid} 元",
            )
            audit_record(
                actor=None,
                organisation=promise.case.organisation,
                action=f"promise.{state}",
                obj=locked,
                before={"state": "open"},
                after={"state": state, "paid": str(paid)},
            )
        counts[state] += 1
    return counts


# --------------------------------------------------------------------------- plans


def _debtor(case: Case) -> Party:
    role = case.case_parties.filter(role="debtor").select_related("party").first()
    if role is None:
        raise ValidationFailed("案件没有债务人。", "The case has no debtor.", code="no_debtor")
    return role.party


def plan_schedule(
    *,
    kind: str,
    total: Decimal,
    months: int,
    start: str,
    profile: str = "",
    min_installment: Decimal | None = None,
    custom: list[tuple[dt.date, Decimal]] | None = None,
) -> kplans.Schedule:
    """The planner's schedule (no interest: a plan charges none above the agreed debt)."""
    ym = kplans.parse_year_month(start)
    if kind == "seasonal":
        return kplans.plan_seasonal(
            total=total,
            months=months,
            profile=kplans.parse_profile(profile),
            start=ym,
            min_installment=min_installment,
        )
    if kind == "equal":
        return kplans.plan_equal(
            total=total, months=months, start=ym, min_installment=min_installment
        )
    if kind == "custom":
        return kplans.plan_custom(total=total, installments=custom or [])
    raise ValidationFailed(
        f"未知的计划类型：{kind}", f"Unknown plan kind: {kind}", code="plan_kind"
    )


def _previous(plan: InstallmentPlan) -> PlanVersion | None:
    return plan.versions.order_by("-version").first()


def _kernel_version(v: PlanVersion) -> kterms.TermsVersion:
    return kterms.TermsVersion(
        version=v.version,
        previous=v.previous_sha256 or None,
        terms=v.terms,
        canonical=v.canonical.encode("utf-8"),
        sha256=v.sha256,
    )


@in_record_language
@transaction.atomic
def plan_propose(
    *,
    case: Case,
    actor: User | None,
    schedule: kplans.Schedule,
    grace_days: int,
    consequence: str,
    profile: str = "",
    plan: InstallmentPlan | None = None,
    by_debtor: bool = False,
) -> PlanVersion:
    """Propose a plan, or (``plan`` given) a new version of one: both sides accept it again."""
    if not by_debtor:
        require(actor, Perm.CASE_TRANSITION)
    if consequence not in Consequence.values:
        raise ValidationFailed(
            f"未知的违约后果：{consequence}",
            f"Unknown consequence: {consequence}",
            code="consequence",
        )
    for inst in schedule.installments:
        bounds.check_date(inst.due, field="installments.due")
    from qingqian.payments.selectors import case_debt_total

    balance = case_debt_total(case)
    if schedule.amount_total > balance:
        raise ValidationFailed(
            f"计划总额 {schedule.amount_total} 元超过未收余额 {balance} 元。",
            f"The plan total {schedule.amount_total} exceeds the balance {balance}.",
            code="plan_exceeds_balance",
        )
    debtor = _debtor(case)
    terms = kterms.plan_terms(
        schedule,
        case_ref=case.reference,
        creditor=case.creditor.name,
        debtor=debtor.name,
        grace_days=grace_days,
        consequence=consequence,
    )
    if plan is None:
        plan = InstallmentPlan.objects.create(case=case)
        prev = None
    else:
        plan = InstallmentPlan.objects.select_for_update().get(pk=plan.pk)
        prev = _previous(plan)
    tv = kterms.terms_version(terms, previous=_kernel_version(prev) if prev else None)
    version = PlanVersion.objects.create(
        plan=plan,
        version=tv.version,
        kind=schedule.kind,
        profile=[p for p in profile.split(",") if p.strip()] if profile else [],
        grace_days=grace_days,
        consequence=consequence,
        terms=json.loads(kterms.canonical_json(tv.terms)),
        canonical=tv.canonical.decode("utf-8"),
        sha256=tv.sha256,
        previous_sha256=tv.previous or "",
        proposed_by_debtor=by_debtor,
    )
    Installment.objects.bulk_create(
        Installment(
            version=version,
            number=i.number,
            due=i.due,
            principal=i.principal,
            interest=i.interest,
            amount=i.amount,
        )
        for i in schedule.installments
    )
    if prev is not None and prev.state in (VersionState.PROPOSED, VersionState.ACTIVE):
        if prev.state == VersionState.ACTIVE:
            _plan_activity(plan.pk, None)
        prev.state = VersionState.SUPERSEDED
        prev.save(update_fields=["state"])
    timeline_add(
        case=case,
        actor=actor,
        kind="plan.proposed",
        note=f"还款计划第 {tv.version} 版（{schedule.kind}，{len(schedule.installments)} 期，"
        f"共 {schedule.amount_total} 元）SHA-256 {tv.sha256}",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="plan.propose",
        obj=version,
        after={"sha256": tv.sha256, "previous": tv.previous, "by_debtor": by_debtor},
    )
    return version


def _check_acceptable(version: PlanVersion) -> None:
    if version.state != VersionState.PROPOSED:
        raise Conflict(
            "该版本已不能接受（已生效、已被取代或已结束）。",
            "This version can no longer be accepted (agreed, superseded or closed).",
            code="plan_not_proposed",
        )


def _plan_activity(plan_id: int, case: Case | None) -> None:
    """Mark the plan active on ``case`` (or no longer active: ``None``). The column is
    unique: a second active plan on a case is refused by the database itself."""
    try:
        with transaction.atomic():
            InstallmentPlan.objects.filter(pk=plan_id).update(active_case=case)
    except IntegrityError:
        raise Conflict(
            "该案件已有一个履行中的还款计划。",
            "The case already has an active repayment plan.",
            code="plan_already_active",
        ) from None


@in_record_language
def _agree_if_both(version: PlanVersion, actor: User | None) -> None:
    if version.accepted_by_staff_at is None or version.accepted_by_debtor_at is None:
        return
    _plan_activity(version.plan_id, version.plan.case)
    version.state = VersionState.ACTIVE
    version.agreed_at = clock.now()
    version.save(update_fields=["state", "agreed_at"])
    document_register(
        case=version.plan.case,
        kind="plan_terms",
        data=version.canonical.encode("utf-8"),
        title=f"还款计划第 {version.version} 版",
        signed_at=version.agreed_at,
        actor=actor,
    )
    timeline_add(
        case=version.plan.case,
        actor=actor,
        kind="plan.agreed",
        note=f"双方已确认还款计划第 {version.version} 版。SHA-256 {version.sha256}\n"
        f"{version.canonical}",
    )


@transaction.atomic
def plan_accept_staff(*, version: PlanVersion, actor: User) -> PlanVersion:
    require(actor, Perm.CASE_TRANSITION)
    version = (
        PlanVersion.objects.select_for_update().select_related("plan__case").get(pk=version.pk)
    )
    _check_acceptable(version)
    if version.accepted_by_staff_at is not None:
        return version  # accepted once: a repeated or concurrent acceptance writes nothing
    version.accepted_by_staff = actor
    version.accepted_by_staff_at = clock.now()
    version.save(update_fields=["accepted_by_staff", "accepted_by_staff_at"])
    audit_record(
        actor=actor,
        organisation=version.plan.case.organisation,
        action="plan.accept_staff",
        obj=version,
        after={"sha256": version.sha256},
    )
    _agree_if_both(version, actor)
    return version


def _otp_subject(version: PlanVersion, party: Party) -> str:
    return f"plan:{version.pk}:{version.sha256}:party:{party.pk}"


def plan_debtor_code_send(*, version: PlanVersion, party: Party, deliver: Any) -> None:
    _check_acceptable(version)
    otp_issue(purpose=OTP_PURPOSE_PLAN, subject=_otp_subject(version, party), deliver=deliver)


@in_record_language
def plan_accept_debtor(*, version: PlanVersion, party: Party, code: str) -> PlanVersion:
    """The debtor accepts the exact hash shown, proven by a one-time code."""
    otp_verify(purpose=OTP_PURPOSE_PLAN, subject=_otp_subject(version, party), code=code)
    with transaction.atomic():
        version = (
            PlanVersion.objects.select_for_update().select_related("plan__case").get(pk=version.pk)
        )
        _check_acceptable(version)
        if _debtor(version.plan.case).pk != party.pk:
            raise ValidationFailed(
                "只有债务人可以确认。", "Only the debtor may accept.", code="not_debtor"
            )
        if version.accepted_by_debtor_at is not None:
            return version
        version.accepted_by_debtor = party
        version.accepted_by_debtor_at = clock.now()
        version.save(update_fields=["accepted_by_debtor", "accepted_by_debtor_at"])
        timeline_add(
            case=version.plan.case,
            actor=None,
            kind="plan.debtor_accepted",
            note=f"债务人以验证码确认还款计划第 {version.version} 版 SHA-256 {version.sha256}",
        )
        audit_record(
            actor=None,
            organisation=version.plan.case.organisation,
            action="plan.accept_debtor",
            obj=version,
            after={"sha256": version.sha256, "party": party.pk},
        )
        _agree_if_both(version, None)
    return version


_CONSEQUENCE_ZH = {
    "reminder": "发送还款提醒",
    "acceleration": "剩余款项加速到期",
    "return_to_strategy": "计划终止，退回催收策略",
}


@in_record_language
def plans_breach_check(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily task: apply each breached plan's agreed consequence, once, and log it."""
    today = today or clock.today()
    counts = {"breached": 0, "completed": 0}
    for version in PlanVersion.objects.filter(state=VersionState.ACTIVE).select_related(
        "plan__case__organisation"
    ):
        result = plan_assess(version, today=today)
        with transaction.atomic():
            locked = PlanVersion.objects.select_for_update().get(pk=version.pk)
            if locked.state != VersionState.ACTIVE:
                continue
            case = version.plan.case
            if result.outstanding_total <= 0:
                _plan_activity(locked.plan_id, None)
                locked.state = VersionState.COMPLETED
                locked.save(update_fields=["state"])
                timeline_add(
                    case=case,
                    actor=None,
                    kind="plan.completed",
                    note=f"还款计划第 {locked.version} 版已还清",
                )
                audit_record(
                    actor=None,
                    organisation=case.organisation,
                    action="plan.complete",
                    obj=locked,
                    after={"state": "completed"},
                )
                counts["completed"] += 1
                continue
            if not result.in_breach or BreachRecord.objects.filter(version=locked).exists():
                continue
            record = BreachRecord.objects.create(
                version=locked,
                assessed_on=today,
                consequence=locked.consequence,
                overdue_count=result.overdue_count,
                overdue_amount=result.overdue_amount,
                accelerated_balance=result.accelerated_balance,
            )
            if locked.consequence != Consequence.REMINDER:
                _plan_activity(locked.plan_id, None)
                locked.state = VersionState.BREACHED
                locked.save(update_fields=["state"])
            extra = (
                f"，加速到期余额 {result.accelerated_balance} 元"
                if result.accelerated_balance is not None
                else ""
            )
            timeline_add(
                case=case,
                actor=None,
                kind=f"plan.breach.{locked.consequence}",
                note=f"还款计划第 {locked.version} 版违约：{result.overdue_count} 期逾期，"
                f"逾期金额 {result.overdue_amount} 元；按约定{_CONSEQUENCE_ZH[locked.consequence]}"
                f"{extra}（SHA-256 {locked.sha256}）",
            )
            audit_record(
                actor=None,
                organisation=case.organisation,
                action="plan.breach",
                obj=record,
                after={
                    "version": locked.pk,
                    "consequence": locked.consequence,
                    "overdue_amount": str(result.overdue_amount),
                    "accelerated_balance": None
                    if result.accelerated_balance is None
                    else str(result.accelerated_balance),
                },
            )
            counts["breached"] += 1
    return counts


# --------------------------------------------------------------------------- settlements


@in_record_language
@transaction.atomic
def settlement_offer_make(
    *, case: Case, actor: User, discount_percent: Decimal, expires_on: dt.date
) -> SettlementOffer:
    """A discount offer within the creditor's limit; it lapses on ``expires_on``."""
    require(actor, Perm.CASE_TRANSITION)
    limit = SettlementLimit.objects.filter(creditor=case.creditor).first()
    if limit is None:
        raise ValidationFailed(
            "委托人未设定和解减免上限，不能提出减免。",
            "The creditor has set no settlement limit; no discount may be offered.",
            code="no_settlement_limit",
        )
    today = clock.today()
    if not (Decimal("0") < discount_percent <= limit.max_discount_percent):
        raise ValidationFailed(
            f"减免比例须大于 0 且不超过委托人上限 {limit.max_discount_percent}%。",
            "The discount must be above 0 and at most the creditor's "
            f"{limit.max_discount_percent}%.",
            code="discount_over_limit",
            details={"limit": str(limit.max_discount_percent)},
        )
    if not (today < expires_on <= today + dt.timedelta(days=limit.max_days)):
        raise ValidationFailed(
            f"有效期须在今天之后 {limit.max_days} 天以内。",
            f"The expiry must be after today and within {limit.max_days} days.",
            code="offer_expiry",
        )
    from qingqian.payments.selectors import case_debt_total

    balance = case_debt_total(case)
    amount = (balance * (100 - discount_percent) / 100).quantize(CENT, ROUND_HALF_UP)
    offer = SettlementOffer.objects.create(
        case=case,
        balance=balance,
        discount_percent=discount_percent,
        amount=amount,
        expires_on=expires_on,
        created_by=actor,
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="settlement.offered",
        note=f"和解要约：减免 {discount_percent}%，一次付清 {amount} 元，"
        f"{expires_on.isoformat()} 前有效",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="settlement.offer",
        obj=offer,
        after={"amount": str(amount), "expires_on": expires_on.isoformat()},
    )
    return offer


@in_record_language
def settlement_offer_accept(*, offer: SettlementOffer, party: Party) -> SettlementOffer:
    """The debtor accepts an open, unexpired offer (in the portal); it is then paid as usual."""
    with transaction.atomic():
        offer = SettlementOffer.objects.select_for_update().select_related("case").get(pk=offer.pk)
        if offer.state != OfferState.OPEN or offer.expires_on < clock.today():
            raise Conflict(
                "该和解要约已失效。",
                "This settlement offer is no longer open.",
                code="offer_closed",
            )
        if _debtor(offer.case).pk != party.pk:
            raise ValidationFailed(
                "只有债务人可以接受。", "Only the debtor may accept.", code="not_debtor"
            )
        offer.state = OfferState.ACCEPTED
        offer.save(update_fields=["state"])
        timeline_add(
            case=offer.case,
            actor=None,
            kind="settlement.accepted",
            note=f"债务人接受和解要约：一次付清 {offer.amount} 元，"
            f"{offer.expires_on.isoformat()} 前",
        )
        audit_record(
            actor=None,
            organisation=offer.case.organisation,
            action="settlement.accept",
            obj=offer,
            before={"state": "open"},
            after={"state": "accepted", "party": party.pk},
        )
    return offer


@in_record_language
def settlement_offers_expire(*, today: dt.date | None = None) -> int:
    today = today or clock.today()
    n = 0
    for offer in SettlementOffer.objects.filter(state=OfferState.OPEN, expires_on__lt=today):
        with transaction.atomic():
            offer.state = OfferState.EXPIRED
            offer.save(update_fields=["state"])
            timeline_add(
                case=offer.case,
                actor=None,
                kind="settlement.expired",
                note=f"和解要约（{offer.amount} 元）已过期",
            )
            audit_record(
                actor=None,
                organisation=offer.case.organisation,
                action="settlement.expire",
                obj=offer,
                after={"state": "expired"},
            )
        n += 1
    return n


def negotiation_daily(*, today: dt.date | None = None) -> dict[str, int]:
    """The day's work: decide promises, apply plan breaches, lapse offers (idempotent)."""
    out = dict(promises_decide(today=today))
    out.update(plans_breach_check(today=today))
    out["offers_expired"] = settlement_offers_expire(today=today)
    return out


# h18: a plan agreed inside a signed mediation agreement
@transaction.atomic
def plan_agree_by_mediation(
    *, version: PlanVersion, actor: User | None, debtor: Party, agreement_sha256: str
) -> PlanVersion:
    """Both sides accepted this version by signing the mediation agreement that contains it
    (each party with a typed name and a one-time code): record both acceptances and make the
    plan active, so breach handling runs on it like on any other plan."""
    version = (
        PlanVersion.objects.select_for_update().select_related("plan__case").get(pk=version.pk)
    )
    _check_acceptable(version)
    now = clock.now()
    version.accepted_by_staff = actor if actor is not None and actor.pk else None
    version.accepted_by_staff_at = now
    version.accepted_by_debtor = debtor
    version.accepted_by_debtor_at = now
    version.save(
        update_fields=[
            "accepted_by_staff",
            "accepted_by_staff_at",
            "accepted_by_debtor",
            "accepted_by_debtor_at",
        ]
    )
    audit_record(
        actor=actor,
        organisation=version.plan.case.organisation,
        action="plan.agree_by_mediation",
        obj=version,
        after={"sha256": version.sha256, "mediation_agreement_sha256": agreement_sha256},
    )
    _agree_if_both(version, actor)
    return version
