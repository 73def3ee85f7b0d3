"""Writes for mediation. Every change is audited and writes a case-timeline row (and so a
case-log entry); money is Decimal; bad input is a bilingual ``ValidationFailed`` with a code
and nothing is half-written (each service runs in one transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.otp import otp_issue, otp_verify
from qingqian.accounts.roles import Perm, Role
from qingqian.audit.services import audit_record
from qingqian.calculators.court_deadlines import DeadlineKind, court_deadline
from qingqian.cases.lifecycle import TRANSITIONS, State
from qingqian.cases.models import Case
from qingqian.cases.services import case_transition, require, timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.evidence.services import document_register
from qingqian.litigation.models import Outcome
from qingqian.litigation.rules import ProceedingKind
from qingqian.litigation.services import proceeding_create, proceeding_update
from qingqian.mediation import documents
from qingqian.mediation.geo import Dialect, Level, parse_locality
from qingqian.mediation.matching import Match, dialect_matched, rank
from qingqian.mediation.models import (
    AgreementState,
    ConfirmationApplication,
    ConfirmationState,
    DebtorProfile,
    Mediation,
    MediationAgreement,
    MediationSession,
    MediationState,
    Mediator,
    MediatorKind,
    Proposal,
    ProposalSide,
    ProposalState,
    SessionMode,
)
from qingqian.mediation.selectors import candidates_for, debtor_of, mediator_for_user, need_for
from qingqian.parties.models import Party

OTP_PURPOSE = "mediation.sign"
CENT = Decimal("0.01")


def _bad(zh: str, en: str, code: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(zh, en, code=code, details=details)


def _text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    clean = " ".join((value or "").split()) if field != "minutes" else (value or "").strip()
    if required and not clean:
        raise _bad("请填写此项。", "This field is required.", "required", field=field)
    if len(clean) > limit:
        raise _bad(
            f"内容过长（最多 {limit} 字）。",
            f"Too long (at most {limit} characters).",
            "too_long",
            field=field,
        )
    return clean


def _may_work(actor: User, mediation: Mediation) -> None:
    """Staff with ``mediation.work`` may work any mediation of their organisation; a
    community mediator only their own."""
    require(actor, Perm.MEDIATION_WORK)
    if actor.role == Role.COMMUNITY_MEDIATOR:
        own = mediator_for_user(actor)
        if own is None or mediation.mediator_id != own.pk:
            raise PermissionDenied(
                "您只能办理由您调解的案件。",
                "You may only work the mediations assigned to you.",
                code="not_your_mediation",
            )


def _open(mediation: Mediation) -> None:
    if not mediation.is_open:
        raise Conflict(
            "该调解已结束。",
            "This mediation has ended.",
            code="mediation_closed",
            details={"state": mediation.state},
        )


# --------------------------------------------------------------------------- roster


def _dialects(raw: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for item in raw:
        try:
            out.append(
                {"dialect": Dialect(item["dialect"]).value, "level": Level(item["level"]).value}
            )
        except (KeyError, ValueError):
            raise _bad(
                f"方言或水平无效：{item}",
                f"Invalid dialect or level: {item}",
                "dialect_invalid",
                field="dialects",
            ) from None
    return out


def _localities(raw: list[str]) -> list[str]:
    out = []
    for code in raw:
        try:
            out.append(parse_locality(code).code)
        except ValueError:
            raise _bad(
                f"不在苏州市行政区划数据中：{code}",
                f"Not a Suzhou division in the data: {code}",
                "locality_invalid",
                field="localities",
            ) from None
    return out


@transaction.atomic
def mediator_add(
    *,
    organisation: Organisation,
    actor: User | None,
    kind: str,
    name: str,
    title: str = "",
    localities: list[str],
    dialects: list[dict[str, str]],
    specialities: list[str],
    capacity: int,
    user: User | None = None,
    conflicts: list[Party] | None = None,
) -> Mediator:
    require(actor, Perm.MEDIATION_MANAGE)
    if kind not in MediatorKind.values:
        raise _bad(f"未知的类别：{kind}", f"Unknown kind: {kind}", "kind_invalid", field="kind")
    if not 1 <= capacity <= 200:
        raise _bad("调解上限须在 1 到 200 件之间。", "Capacity must be 1-200.", "capacity_invalid")
    m = Mediator.objects.create(
        organisation=organisation,
        user=user,
        kind=kind,
        name=_text(name, "name", limit=100),
        title=_text(title, "title", limit=100, required=False),
        localities=_localities(localities),
        dialects=_dialects(dialects),
        specialities=list(specialities),
        capacity=capacity,
    )
    if conflicts:
        m.conflicts.set(conflicts)
    audit_record(
        actor=actor,
        organisation=organisation,
        action="mediation.mediator_add",
        obj=m,
        after={"kind": kind, "name": m.name, "localities": m.localities, "dialects": m.dialects},
    )
    return m


@transaction.atomic
def mediator_undertakings_record(
    *, mediator: Mediator, actor: User | None, consent: bool, confidentiality: bool
) -> Mediator:
    """Record the community mediator's consent to serve and confidentiality undertaking."""
    require(actor, Perm.MEDIATION_MANAGE)
    now = clock.now()
    if consent and mediator.consent_at is None:
        mediator.consent_at = now
    if confidentiality and mediator.confidentiality_at is None:
        mediator.confidentiality_at = now
    mediator.save(update_fields=["consent_at", "confidentiality_at"])
    audit_record(
        actor=actor,
        organisation=mediator.organisation,
        action="mediation.undertakings",
        obj=mediator,
        after={
            "consent_at": mediator.consent_at.isoformat() if mediator.consent_at else None,
            "confidentiality_at": (
                mediator.confidentiality_at.isoformat() if mediator.confidentiality_at else None
            ),
        },
    )
    return mediator


@transaction.atomic
def debtor_profile_set(
    *, party: Party, actor: User | None, locality: str = "", dialect: str = "", source: str = ""
) -> DebtorProfile:
    require(actor, Perm.MEDIATION_WORK)
    if locality:
        locality = _localities([locality])[0]
    if dialect and dialect not in Dialect.__members__.values():
        raise _bad(f"未知的方言：{dialect}", f"Unknown dialect: {dialect}", "dialect_invalid")
    profile, _ = DebtorProfile.objects.get_or_create(party=party)
    before = {"locality": profile.locality, "dialect": profile.dialect}
    profile.locality = locality
    profile.dialect = dialect
    profile.source = source[:100]
    profile.save()
    audit_record(
        actor=actor,
        organisation=party.organisation,
        action="mediation.debtor_profile",
        obj=profile,
        before=before,
        after={"locality": locality, "dialect": dialect},
    )
    return profile


# --------------------------------------------------------------------------- matching


def mediation_match(case: Case) -> list[Match]:
    """Candidates for the case, best first (conflicts and full diaries excluded)."""
    return rank(need_for(case), candidates_for(case.organisation))


# --------------------------------------------------------------------------- mediation


@in_record_language
@transaction.atomic
def mediation_request(*, case: Case, actor: User, note: str = "") -> Mediation:
    """Open a mediation on the case and move the case to 调解."""
    require(actor, Perm.MEDIATION_WORK)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != State.MEDIATION:
        if State.MEDIATION not in TRANSITIONS[State(case.state)]:
            raise Conflict(
                "该案件当前状态不能进入调解。",
                "The case cannot enter mediation from its current state.",
                code="mediation_not_allowed",
                details={"state": case.state},
            )
        case = case_transition(case=case, actor=actor, to_state=State.MEDIATION, note=note)
    try:
        with transaction.atomic():
            m = Mediation.objects.create(case=case, requested_at=clock.now(), created_by=actor)
    except IntegrityError:
        raise Conflict(
            "该案件已有进行中的调解。",
            "The case already has an open mediation.",
            code="mediation_open",
        ) from None
    timeline_add(case=case, actor=actor, kind="mediation.requested", note=note)
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="mediation.request",
        obj=m,
        after={"case": case.pk},
    )
    return m


@in_record_language
@transaction.atomic
def mediation_assign(*, mediation: Mediation, actor: User, mediator: Mediator) -> Mediation:
    require(actor, Perm.MEDIATION_WORK)
    m = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=mediation.pk)
    )
    _open(m)
    if mediator.organisation_id != m.case.organisation_id:
        raise _bad("调解员不属于本机构。", "Not a mediator of this organisation.", "mediator_org")
    ranked = {x.candidate.id: x for x in mediation_match(m.case)}
    chosen = ranked.get(mediator.pk)
    if chosen is None:
        raise Conflict(
            "该调解员不可指定：存在利益冲突、已满额、未在册或未签署承诺。",
            "This mediator cannot be assigned: a conflict of interest, a full diary, not on "
            "the roster or no undertakings recorded.",
            code="mediator_unavailable",
            details={"mediator": mediator.pk},
        )
    m.mediator = mediator
    m.state = MediationState.ASSIGNED
    m.assigned_at = clock.now()
    m.match_score = chosen.score
    m.match_reasons = [{"zh": r.zh, "en": r.en} for r in chosen.reasons]
    m.dialect_matched = chosen.dialect_matched
    m.save()
    timeline_add(
        case=m.case,
        actor=actor,
        kind="mediation.assigned",
        note=f"调解员：{mediator.name}（匹配分 {chosen.score}）；"
        + "；".join(r.zh for r in chosen.reasons),
    )
    audit_record(
        actor=actor,
        organisation=m.case.organisation,
        action="mediation.assign",
        obj=m,
        after={"mediator": mediator.pk, "score": chosen.score},
    )
    return m


def _aware(at: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return at if timezone.is_aware(at) else timezone.make_aware(at)


@in_record_language
@transaction.atomic
def session_add(
    *,
    mediation: Mediation,
    actor: User,
    mode: str,
    at: dt.datetime,
    place: str,
    participants: str,
    minutes: str = "",
) -> MediationSession:
    _may_work(actor, mediation)
    _open(mediation)
    if mediation.mediator_id is None:
        raise Conflict("请先指定调解员。", "Assign a mediator first.", code="no_mediator")
    if mode not in SessionMode.values:
        raise _bad(f"未知的方式：{mode}", f"Unknown mode: {mode}", "mode_invalid", field="mode")
    s = MediationSession.objects.create(
        mediation=mediation,
        mode=mode,
        at=_aware(at),
        place=_text(place, "place", limit=200),
        participants=_text(participants, "participants", limit=300),
        minutes=_text(minutes, "minutes", limit=20000, required=False),
        created_by=actor,
    )
    timeline_add(
        case=mediation.case,
        actor=actor,
        kind="mediation.session",
        note=f"{s.get_mode_display()} {s.at:%Y-%m-%d %H:%M} {s.place}；参加人：{s.participants}",
    )
    audit_record(
        actor=actor,
        organisation=mediation.case.organisation,
        action="mediation.session",
        obj=s,
        after={"mode": mode, "at": s.at.isoformat(), "place": s.place},
    )
    return s


@in_record_language
@transaction.atomic
def proposal_add(
    *,
    mediation: Mediation,
    actor: User,
    side: str,
    amount: Decimal,
    months: int = 0,
    start: str = "",
    day: int = 15,
    pay_by: dt.date | None = None,
    note: str = "",
    counter_to: Proposal | None = None,
) -> Proposal:
    """A proposal or counter-proposal. Installments are checked with the negotiation
    module's planner (the same rules as any plan); a lump sum needs a pay-by date."""
    from qingqian.negotiation.services import plan_schedule
    from qingqian.payments.selectors import case_debt_total

    _may_work(actor, mediation)
    _open(mediation)
    if side not in ProposalSide.values:
        raise _bad(f"未知的提出方：{side}", f"Unknown side: {side}", "side_invalid", field="side")
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise _bad(
            "金额须大于 0。", "The amount must be above 0.", "amount_invalid", field="amount"
        )
    amount = amount.quantize(CENT)
    balance = case_debt_total(mediation.case)
    if amount > balance:
        raise _bad(
            f"金额 {amount} 元超过未收余额 {balance} 元。",
            f"The amount {amount} exceeds the balance {balance}.",
            "amount_over_balance",
            field="amount",
        )
    if months:
        plan_schedule(kind="equal", total=amount, months=months, start=start)
    elif pay_by is None:
        raise _bad(
            "一次付清须填写付款期限。",
            "A lump sum needs a pay-by date.",
            "pay_by_required",
            field="pay_by",
        )
    if counter_to is not None:
        if counter_to.mediation_id != mediation.pk or counter_to.state != ProposalState.OPEN:
            raise Conflict("被还价的方案不可用。", "That proposal is not open.", code="not_open")
        counter_to.state = ProposalState.COUNTERED
        counter_to.save(update_fields=["state"])
    p = Proposal.objects.create(
        mediation=mediation,
        side=side,
        amount=amount,
        months=months,
        start=start if months else "",
        day=day,
        pay_by=None if months else pay_by,
        note=_text(note, "note", limit=300, required=False),
        counter_to=counter_to,
        created_by=actor,
    )
    timeline_add(
        case=mediation.case,
        actor=actor,
        kind="mediation.proposal",
        note=f"{p.get_side_display()}{'还价' if counter_to else '提出方案'}："
        + documents.proposal_text(p),
    )
    audit_record(
        actor=actor,
        organisation=mediation.case.organisation,
        action="mediation.proposal",
        obj=p,
        after={"side": side, "amount": str(amount), "months": months},
    )
    return p


@in_record_language
@transaction.atomic
def proposal_accept(*, proposal: Proposal, actor: User) -> Proposal:
    """Both parties accept the proposal (recorded by the mediator in the session)."""
    p = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("mediation__case")
        .get(pk=proposal.pk)
    )
    _may_work(actor, p.mediation)
    _open(p.mediation)
    if p.state != ProposalState.OPEN:
        raise Conflict(
            "该方案已不可接受。", "This proposal can no longer be accepted.", code="not_open"
        )
    p.state = ProposalState.ACCEPTED
    p.save(update_fields=["state"])
    Proposal.objects.filter(mediation=p.mediation, state=ProposalState.OPEN).exclude(
        pk=p.pk
    ).update(state=ProposalState.REJECTED)
    timeline_add(
        case=p.mediation.case,
        actor=actor,
        kind="mediation.proposal_accepted",
        note="双方接受方案：" + documents.proposal_text(p),
    )
    audit_record(
        actor=actor,
        organisation=p.mediation.case.organisation,
        action="mediation.proposal_accept",
        obj=p,
        after={"amount": str(p.amount)},
    )
    return p


@in_record_language
@transaction.atomic
def mediation_fail(*, mediation: Mediation, actor: User, reason: str) -> Mediation:
    """Mediation failed: close it with the record and hand the case to the judicial route."""
    m = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=mediation.pk)
    )
    _may_work(actor, m)
    _open(m)
    m.state = MediationState.FAILED
    m.failure_reason = _text(reason, "reason", limit=2000)
    m.closed_at = clock.now()
    m.save()
    record = documents.mediation_record(m)
    timeline_add(case=m.case, actor=actor, kind="mediation.failed", note=record)
    audit_record(
        actor=actor,
        organisation=m.case.organisation,
        action="mediation.fail",
        obj=m,
        after={"reason": m.failure_reason},
    )
    case = Case.objects.get(pk=m.case_id)
    if case.state == State.MEDIATION:
        case_transition(
            case=case,
            actor=_case_actor(actor, case),
            to_state=State.LITIGATION,
            note="调解不成，转诉讼程序。" + m.failure_reason,
        )
    return m


def _case_actor(actor: User, case: Case) -> User:
    """Who moves the case: the actor if they may, else the organisation's system account
    (a community mediator does not move cases; their act is audited under their name)."""
    if actor.has_perm_code(Perm.CASE_TRANSITION):
        return actor
    from qingqian.contact.services import contact_system_actor

    return contact_system_actor(organisation=case.organisation)


# --------------------------------------------------------------------------- agreement


@in_record_language
@transaction.atomic
def agreement_draft(
    *,
    mediation: Mediation,
    actor: User,
    facts: str,
    disputed: str,
    method: str,
    place: str,
    organisation_seal: bool = True,
) -> MediationAgreement:
    """Draft the 调解协议书 from the accepted proposal. Refused unless every element the law
    asks for is there (parties, facts, what was disputed, the terms with how, where and by
    when they are performed, the mediator and the organisation's seal)."""
    m = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case", "mediator")
        .get(pk=mediation.pk)
    )
    _may_work(actor, m)
    _open(m)
    if hasattr(m, "agreement"):
        raise Conflict("已起草调解协议。", "An agreement is already drafted.", code="drafted")
    accepted = m.proposals.filter(state=ProposalState.ACCEPTED).order_by("-pk").first()
    if accepted is None:
        raise Conflict(
            "没有双方接受的方案，不能起草协议。",
            "No proposal accepted by both sides yet.",
            code="no_accepted_proposal",
        )
    terms = documents.agreement_terms(
        m,
        accepted,
        facts=facts.strip(),
        disputed=disputed.strip(),
        method=method.strip(),
        place=place.strip(),
        seal=organisation_seal,
        drafted_on=clock.today(),
    )
    missing = documents.missing_elements(terms)
    if missing:
        raise _bad(
            "调解协议缺少必备内容：" + "、".join(z for z, _ in missing),
            "The agreement lacks required elements: " + ", ".join(e for _, e in missing),
            "agreement_elements_missing",
            missing=[e for _, e in missing],
        )
    a = MediationAgreement.objects.create(
        mediation=m, proposal=accepted, terms=terms, terms_sha256=documents.digest(terms)
    )
    timeline_add(
        case=m.case,
        actor=actor,
        kind="mediation.agreement_drafted",
        note=f"调解协议书起草完毕，条款 SHA-256 {a.terms_sha256}",
    )
    audit_record(
        actor=actor,
        organisation=m.case.organisation,
        action="mediation.agreement_draft",
        obj=a,
        after={"terms_sha256": a.terms_sha256},
    )
    return a


def _signable(a: MediationAgreement) -> None:
    if a.state != AgreementState.SIGNING:
        raise Conflict("协议已签署生效。", "The agreement is already in effect.", code="signed")
    if documents.digest(a.terms) != a.terms_sha256:
        raise Conflict(
            "协议条款与摘要不符，拒绝签署。",
            "Terms do not match their digest.",
            code="agreement_tampered",
        )


def _party_for(a: MediationAgreement, side: str) -> Party:
    case = a.mediation.case
    if side == "creditor":
        return case.creditor
    if side == "debtor":
        return debtor_of(case)
    raise _bad(f"未知的签署方：{side}", f"Unknown signatory: {side}", "side_invalid")


def _subject(a: MediationAgreement, side: str) -> str:
    return f"mediation-agreement:{a.pk}:{a.terms_sha256}:{side}"


def agreement_code_send(
    *, agreement: MediationAgreement, actor: User, side: str, deliver: Callable[[str], None]
) -> None:
    """Send a one-time code to the creditor's or the debtor's own phone."""
    a = MediationAgreement.objects.select_related("mediation__case__creditor").get(pk=agreement.pk)
    _may_work(actor, a.mediation)
    _signable(a)
    _party_for(a, side)
    otp_issue(purpose=OTP_PURPOSE, subject=_subject(a, side), deliver=deliver)


@in_record_language
def agreement_sign_party(
    *, agreement: MediationAgreement, actor: User, side: str, typed_name: str, code: str
) -> MediationAgreement:
    """A party signs: their typed name and the code sent to them. The code is checked in its
    own transaction, so a wrong try counts although nothing is signed."""
    a = MediationAgreement.objects.select_related("mediation__case").get(pk=agreement.pk)
    _may_work(actor, a.mediation)
    _signable(a)
    _party_for(a, side)
    name = _text(typed_name, "typed_name", limit=100)
    otp_verify(purpose=OTP_PURPOSE, subject=_subject(a, side), code=(code or "").strip())
    with transaction.atomic():
        locked = MediationAgreement.objects.select_for_update().get(pk=a.pk)
        _signable(locked)
        setattr(locked, f"{side}_name", name)
        setattr(locked, f"{side}_signed_at", clock.now())
        locked.save(update_fields=[f"{side}_name", f"{side}_signed_at"])
        label = "债权人" if side == "creditor" else "债务人"
        timeline_add(
            case=a.mediation.case,
            actor=actor,
            kind="mediation.party_signed",
            note=f"{label}代表 {name} 以验证码签署调解协议书（条款 SHA-256 {locked.terms_sha256}）",
        )
        audit_record(
            actor=actor,
            organisation=a.mediation.case.organisation,
            action="mediation.agreement_sign_party",
            obj=locked,
            after={"side": side, "typed_name": name},
        )
        return _complete_if_signed(locked, actor)


@in_record_language
def agreement_sign_mediator(
    *, agreement: MediationAgreement, actor: User, typed_name: str
) -> MediationAgreement:
    """The mediator signs (their own login, and their name typed as on the roster)."""
    a = MediationAgreement.objects.select_related("mediation__case", "mediation__mediator").get(
        pk=agreement.pk
    )
    _may_work(actor, a.mediation)
    _signable(a)
    name = _text(typed_name, "typed_name", limit=100)
    mediator = a.mediation.mediator
    assert mediator is not None
    if name != mediator.name:
        raise _bad(
            f"请输入调解员的姓名：{mediator.name}",
            f"Type the mediator's name: {mediator.name}",
            "typed_name_mismatch",
            field="typed_name",
        )
    with transaction.atomic():
        locked = MediationAgreement.objects.select_for_update().get(pk=a.pk)
        _signable(locked)
        locked.mediator_name = name
        locked.mediator_signed_at = clock.now()
        locked.save(update_fields=["mediator_name", "mediator_signed_at"])
        timeline_add(
            case=a.mediation.case,
            actor=actor,
            kind="mediation.mediator_signed",
            note=f"调解员 {name} 签署调解协议书",
        )
        audit_record(
            actor=actor,
            organisation=a.mediation.case.organisation,
            action="mediation.agreement_sign_mediator",
            obj=locked,
            after={"typed_name": name},
        )
        return _complete_if_signed(locked, actor)


@in_record_language
def _complete_if_signed(a: MediationAgreement, actor: User) -> MediationAgreement:
    if not (a.creditor_signed_at and a.debtor_signed_at and a.mediator_signed_at):
        return a
    from qingqian.negotiation.models import InstallmentPlan
    from qingqian.negotiation.services import (
        plan_agree_by_mediation,
        plan_propose,
        plan_schedule,
    )

    m = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=a.mediation_id)
    )
    case = m.case
    a.state = AgreementState.SIGNED
    a.effective_on = clock.today()
    pdf = documents.agreement_pdf(a)
    a.signed_sha256 = hashlib.sha256(pdf).hexdigest()
    mover = _case_actor(actor, case)
    proposal = a.proposal
    if proposal.months:
        schedule = plan_schedule(
            kind="equal", total=proposal.amount, months=proposal.months, start=proposal.start
        )
        existing = InstallmentPlan.objects.filter(active_case=case).first()
        version = plan_propose(
            case=case,
            actor=mover,
            schedule=schedule,
            grace_days=10,
            consequence="acceleration",
            plan=existing,
        )
        a.plan_version = plan_agree_by_mediation(
            version=version,
            actor=mover,
            debtor=debtor_of(case),
            agreement_sha256=a.signed_sha256,
        )
        proposal.plan_version = a.plan_version
        proposal.save(update_fields=["plan_version"])
    a.save()
    m.state = MediationState.AGREED
    m.closed_at = clock.now()
    m.save(update_fields=["state", "closed_at"])
    document_register(
        case=case,
        kind="mediation_agreement",
        data=pdf,
        title="调解协议书",
        signed_at=a.mediator_signed_at or clock.now(),
        actor=actor,
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="mediation.agreement_signed",
        note=f"调解协议书经双方及调解员签署生效（{a.effective_on.isoformat()}）；"
        f"签署文件 SHA-256 {a.signed_sha256}；条款 SHA-256 {a.terms_sha256}",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="mediation.agreement_signed",
        obj=a,
        after={"signed_sha256": a.signed_sha256, "effective_on": str(a.effective_on)},
    )
    if (
        proposal.months
        and case.state != State.PAYMENT_PLAN
        and State.PAYMENT_PLAN in TRANSITIONS[State(case.state)]
    ):
        case_transition(
            case=case,
            actor=mover,
            to_state=State.PAYMENT_PLAN,
            note="调解协议约定分期履行，转还款计划。",
        )
    return a


# --------------------------------------------------------------------------- confirmation


def confirmation_due(agreement: MediationAgreement) -> tuple[dt.date, str]:
    """The last day to apply (30 days from the agreement taking effect, holidays shifted)
    and the rule cited."""
    assert agreement.effective_on is not None
    result = court_deadline(DeadlineKind.JUDICIAL_CONFIRMATION, start=agreement.effective_on)
    rule = result.rules[0]
    return result["deadline"], f"{rule.document}{rule.article}"


@in_record_language
@transaction.atomic
def confirmation_file(
    *, agreement: MediationAgreement, actor: User, court: str, filed_on: dt.date
) -> ConfirmationApplication:
    """File the joint application for judicial confirmation (within 30 days); the court's
    handling is tracked as a ``judicial_confirmation`` proceeding on the case."""
    a = (
        MediationAgreement.objects.select_for_update(of=("self",))
        .select_related("mediation__case")
        .get(pk=agreement.pk)
    )
    _may_work(actor, a.mediation)
    if a.state != AgreementState.SIGNED or a.effective_on is None:
        raise Conflict(
            "调解协议尚未生效。", "The agreement is not in effect yet.", code="agreement_not_signed"
        )
    if hasattr(a, "confirmation"):
        raise Conflict("已提出司法确认申请。", "Already applied.", code="already_filed")
    due, rule = confirmation_due(a)
    if filed_on < a.effective_on:
        raise _bad(
            "申请日早于协议生效日。",
            "Filed before the agreement took effect.",
            "filed_too_early",
            field="filed_on",
        )
    if filed_on > due:
        raise _bad(
            f"已超过司法确认申请期限（{due.isoformat()}，{rule}）。",
            f"Past the deadline for judicial confirmation ({due.isoformat()}, {rule}).",
            "confirmation_late",
            field="filed_on",
            due=due.isoformat(),
        )
    court = _text(court, "court", limit=100)
    text = documents.confirmation_text(a, court=court, filed_on=filed_on, rule=rule)
    case = a.mediation.case
    proceeding = proceeding_create(
        case=case,
        actor=actor,
        kind=ProceedingKind.JUDICIAL_CONFIRMATION,
        court=court,
        perm=Perm.MEDIATION_WORK,
        filed_on=filed_on,
    )
    app = ConfirmationApplication.objects.create(
        agreement=a,
        court=court,
        filed_on=filed_on,
        due_by=due,
        rule=rule,
        proceeding=proceeding,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="mediation.confirmation_filed",
        note=f"向{court}共同申请司法确认（{filed_on.isoformat()}，期限 {due.isoformat()}，"
        f"{rule}）；申请书 SHA-256 {app.text_sha256}",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="mediation.confirmation_file",
        obj=app,
        after={"court": court, "filed_on": filed_on.isoformat()},
    )
    return app


@in_record_language
@transaction.atomic
def confirmation_ruling(
    *,
    application: ConfirmationApplication,
    actor: User,
    ruling_on: dt.date,
    confirmed: bool,
    case_number: str = "",
) -> ConfirmationApplication:
    """Record the court's ruling on the application (on the proceeding as well)."""
    app = (
        ConfirmationApplication.objects.select_for_update(of=("self",))
        .select_related("agreement__mediation__case", "proceeding")
        .get(pk=application.pk)
    )
    _may_work(actor, app.agreement.mediation)
    if app.state != ConfirmationState.FILED:
        raise Conflict("裁定已记录。", "The ruling is already recorded.", code="ruled")
    if ruling_on < app.filed_on:
        raise _bad(
            "裁定日早于申请日。",
            "The ruling predates the application.",
            "dates_out_of_order",
            field="ruling_on",
        )
    fields: dict[str, Any] = {
        "judgment_on": ruling_on,
        "is_ruling": True,
        "effective_on": ruling_on,
        "outcome": Outcome.CONFIRMED if confirmed else Outcome.NOT_CONFIRMED,
        "accepted_on": app.proceeding.accepted_on or app.filed_on,
    }
    if case_number:
        fields["case_number"] = case_number
    proceeding_update(proceeding=app.proceeding, actor=actor, perm=Perm.MEDIATION_WORK, **fields)
    app.state = ConfirmationState.CONFIRMED if confirmed else ConfirmationState.REJECTED
    app.ruling_on = ruling_on
    app.ruling_number = case_number.strip()
    app.save(update_fields=["state", "ruling_on", "ruling_number"])
    case = app.agreement.mediation.case
    timeline_add(
        case=case,
        actor=actor,
        kind="mediation.confirmation_ruled",
        note=("法院裁定调解协议有效" if confirmed else "法院裁定驳回司法确认申请")
        + f"（{ruling_on.isoformat()} {app.ruling_number}）",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="mediation.confirmation_ruling",
        obj=app,
        after={"confirmed": confirmed, "ruling_on": ruling_on.isoformat()},
    )
    return app


def agreement_terms_json(a: MediationAgreement) -> str:
    return json.dumps(a.terms, ensure_ascii=False, sort_keys=True)


__all__ = [
    "agreement_code_send",
    "agreement_draft",
    "agreement_sign_mediator",
    "agreement_sign_party",
    "confirmation_file",
    "confirmation_ruling",
    "debtor_profile_set",
    "dialect_matched",
    "mediation_assign",
    "mediation_fail",
    "mediation_match",
    "mediation_request",
    "mediator_add",
    "mediator_undertakings_record",
    "proposal_accept",
    "proposal_add",
    "session_add",
]
