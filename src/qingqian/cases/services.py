"""Writes on cases. Every state change writes its timeline row and audit row in the same
transaction; functions are keyword-only and named ``<entity>_<verb>``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm, Role
from qingqian.audit.services import audit_record
from qingqian.cases.lifecycle import check_transition
from qingqian.cases.models import (
    Case,
    CaseParty,
    DebtType,
    HotlineCall,
    IntakeChannel,
    Invoice,
    PartyRole,
    ReferenceCounter,
    TimelineEvent,
)
from qingqian.cases.signals import case_state_changed
from qingqian.common import bounds, clock, crypto
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.common.money import parse_amount
from qingqian.common.system import system_job
from qingqian.ledger.services import NewEntry, ledger_append, ledger_append_many, timeline_statement
from qingqian.parties.identifiers import mask, normalise_phone
from qingqian.parties.models import Party


def require(user: User | None, perm: Perm) -> None:
    """Refuse unless ``user``'s role holds ``perm``. ``None`` (no signed-in user) is refused
    too, unless the caller declared the platform's job (``common.system.acting_as_system``)."""
    if user is None:
        if system_job():
            return
        raise PermissionDenied(
            "此操作需要一名登录用户，或由系统任务执行。",
            "This needs a signed-in user, or a declared system job.",
            code="no_actor",
            details={"permission": perm.value},
        )
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": perm.value},
        )


def check_handler(*, organisation: Organisation, handler: User | None) -> None:
    """A handler belongs to the organisation; a collector needs a valid certificate."""
    if handler is None:
        return
    if handler.organisation_id != organisation.pk or not handler.is_active:
        raise ValidationFailed(
            "承办人不属于本机构。",
            "The handler is not in this organisation.",
            code="handler_invalid",
            details={"field": "handler"},
        )
    if handler.role == Role.CREDITOR:
        raise ValidationFailed(
            "债权人用户不能承办案件。",
            "A creditor user cannot handle cases.",
            code="handler_invalid",
            details={"field": "handler"},
        )
    if handler.role == Role.COLLECTOR and not handler.certification_valid_on(clock.today()):
        raise ValidationFailed(
            f"催收员 {handler.get_username()} 没有有效的资格证书，不能分派催收工作。",
            f"Collector {handler.get_username()} has no valid certificate and cannot be given "
            "collection work.",
            code="certification_invalid",
            details={"field": "handler", "cert_expires": str(handler.cert_expires or "")},
        )


def references_reserve(*, organisation: Organisation, count: int, year: int) -> list[str]:
    """Reserve ``count`` consecutive case references (row-locked on PostgreSQL)."""
    counter, _ = ReferenceCounter.objects.get_or_create(organisation=organisation, year=year)
    counter = ReferenceCounter.objects.select_for_update().get(pk=counter.pk)
    start = counter.value + 1
    ReferenceCounter.objects.filter(pk=counter.pk).update(value=F("value") + count)
    code = organisation.short_code.upper()
    return [f"{code}-{year}-{n:06d}" for n in range(start, start + count)]


@dataclass(frozen=True)
class InvoiceInput:
    number: str
    amount: Decimal
    issue_date: dt.date | None
    due_date: dt.date | None
    note: str = ""


def _check_dates(contract_date: dt.date | None, due_date: dt.date | None) -> None:
    if contract_date and due_date and due_date < contract_date:
        raise ValidationFailed(
            f"到期日 {due_date} 早于合同日期 {contract_date}。",
            f"The due date {due_date} is before the contract date {contract_date}.",
            code="due_before_contract",
            details={"field": "due_date"},
        )


def _check_party_org(organisation: Organisation, *parties: Party) -> None:
    for p in parties:
        if p.organisation_id != organisation.pk:
            raise ValidationFailed(
                "当事人不属于本机构。",
                "The party belongs to another organisation.",
                code="party_not_found",
                status=404,
            )


def timeline_add(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
) -> TimelineEvent:
    event = TimelineEvent.objects.create(
        case=case,
        at=clock.now(),
        actor=actor,
        kind=kind,
        note=note,
        from_state=from_state,
        to_state=to_state,
    )
    ledger_append(
        kind=f"case.{kind}",
        case_id=case.pk,
        statement=timeline_statement(
            case_id=case.pk,
            reference=case.reference,
            event_id=event.pk,
            kind=kind,
            at=event.at,
            actor_id=actor.pk if actor else None,
            from_state=from_state,
            to_state=to_state,
            note=note,
        ),
    )
    return event


def timeline_events_log(events: list[TimelineEvent]) -> None:
    """One log entry per bulk-created timeline row, in one bulk insert."""
    ledger_append_many(
        NewEntry(
            kind=f"case.{e.kind}",
            case_id=e.case.pk,
            statement=timeline_statement(
                case_id=e.case.pk,
                reference=e.case.reference,
                event_id=e.pk,
                kind=e.kind,
                at=e.at,
                actor_id=e.actor_id,
                from_state=e.from_state,
                to_state=e.to_state,
                note=e.note,
            ),
        )
        for e in events
    )


def case_snapshot(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "state": case.state,
        "outcome": case.outcome,
        "principal": str(case.principal),
        "outstanding": str(case.outstanding),
        "handler": case.handler.get_username() if case.handler else None,
    }


@in_record_language
@transaction.atomic
def case_open(
    *,
    organisation: Organisation,
    actor: User | None,
    creditor: Party,
    debtors: list[Party],
    guarantors: list[Party] | None = None,
    debt_type: str,
    principal: object | None = None,
    invoices: list[InvoiceInput] | None = None,
    channel: str,
    currency: str = "CNY",
    interest_rate: Decimal | None = None,
    interest_terms: str = "",
    contract_date: dt.date | None = None,
    funds_transfer_date: dt.date | None = None,
    due_date: dt.date | None = None,
    last_payment_date: dt.date | None = None,
    summary: str = "",
    handler: User | None = None,
) -> Case:
    """Open a case. Principal is given, or the sum of the invoices when there are any."""
    require(actor, Perm.CASE_CREATE)
    if actor is not None and actor.role == Role.CREDITOR and actor.creditor_id != creditor.pk:
        raise PermissionDenied(
            "只能为本债权人提交案件。",
            "You can only submit cases for your own creditor.",
            code="creditor_scope",
        )
    if not debtors:
        raise ValidationFailed(
            "至少需要一个债务人。",
            "At least one debtor is required.",
            code="debtor_missing",
            details={"field": "debtors"},
        )
    guarantors = guarantors or []
    _check_party_org(organisation, creditor, *debtors, *guarantors)
    if creditor in debtors:
        raise ValidationFailed(
            "债权人不能同时是债务人。",
            "The creditor cannot also be a debtor.",
            code="creditor_is_debtor",
            details={"field": "debtors"},
        )
    if debt_type not in DebtType.values:
        raise ValidationFailed(
            f"未知的债务类型：{debt_type}",
            f"Unknown debt type: {debt_type}",
            code="invalid_debt_type",
            details={"field": "debt_type"},
        )
    if channel not in IntakeChannel.values:
        raise ValidationFailed(
            f"未知的来源：{channel}",
            f"Unknown intake channel: {channel}",
            code="invalid_channel",
            details={"field": "channel"},
        )
    if currency != "CNY":
        raise ValidationFailed(
            "目前只支持人民币（CNY）。",
            "Only CNY is supported for now.",
            code="unsupported_currency",
            details={"field": "currency"},
        )
    bounds.check_dates(
        {
            "contract_date": contract_date,
            "funds_transfer_date": funds_transfer_date,
            "due_date": due_date,
            "last_payment_date": last_payment_date,
        }
    )
    for inv in invoices or []:
        bounds.check_dates(
            {"invoices.issue_date": inv.issue_date, "invoices.due_date": inv.due_date}
        )
        bounds.check_amount(inv.amount, field="invoices.amount")
    _check_dates(contract_date, due_date)
    if (
        funds_transfer_date
        and contract_date
        and funds_transfer_date < contract_date - dt.timedelta(days=3650)
    ):
        raise ValidationFailed(
            "款项交付日期不合理。",
            "The funds-transfer date is implausible.",
            code="invalid_date",
            details={"field": "funds_transfer_date"},
        )
    if interest_rate is not None and not (
        interest_rate.is_finite() and Decimal(0) <= interest_rate <= Decimal(100)
    ):
        raise ValidationFailed(
            "年利率应在 0–100% 之间。",
            "The annual rate must be within 0–100%.",
            code="invalid_rate",
            details={"field": "interest_rate"},
        )
    invoices = invoices or []
    if invoices:
        total = sum((i.amount for i in invoices), Decimal("0.00"))
        if principal is not None and parse_amount(principal, field="principal") != total:
            raise ValidationFailed(
                "本金与发票合计不一致。",
                "The principal differs from the invoices' total.",
                code="principal_mismatch",
                details={"field": "principal", "invoices_total": str(total)},
            )
        amount = total
        oldest = min((i.due_date for i in invoices if i.due_date), default=due_date)
    else:
        if principal is None:
            raise ValidationFailed(
                "请填写本金。",
                "The principal is required.",
                code="amount_missing",
                details={"field": "principal"},
            )
        amount = parse_amount(principal, field="principal")
        oldest = due_date
    check_handler(organisation=organisation, handler=handler)
    today = clock.today()
    [reference] = references_reserve(organisation=organisation, count=1, year=today.year)
    case = Case.objects.create(
        organisation=organisation,
        reference=reference,
        creditor=creditor,
        debt_type=debt_type,
        principal=amount,
        outstanding=amount,
        currency=currency,
        interest_rate=interest_rate,
        interest_terms=interest_terms,
        contract_date=contract_date,
        funds_transfer_date=funds_transfer_date,
        due_date=due_date,
        last_payment_date=last_payment_date,
        channel=channel,
        summary=summary,
        handler=handler,
        debtor_name=debtors[0].name,
        oldest_due_date=oldest,
    )
    CaseParty.objects.bulk_create(
        [CaseParty(case=case, party=p, role=PartyRole.DEBTOR) for p in debtors]
        + [CaseParty(case=case, party=p, role=PartyRole.GUARANTOR) for p in guarantors]
    )
    if invoices:
        numbers = [i.number for i in invoices]
        clash = Invoice.objects.filter(creditor=creditor, number__in=numbers).values_list(
            "number", flat=True
        )
        if clash or len(set(numbers)) != len(numbers):
            dup = list(clash) or [n for n in numbers if numbers.count(n) > 1]
            raise Conflict(
                f"发票号已存在：{'、'.join(sorted(set(dup)))}",
                f"Invoice numbers already exist: {', '.join(sorted(set(dup)))}",
                code="duplicate_invoice",
                details={"numbers": sorted(set(dup))},
            )
        Invoice.objects.bulk_create(
            [
                Invoice(
                    case=case,
                    creditor=creditor,
                    number=i.number,
                    amount=i.amount,
                    outstanding=i.amount,
                    issue_date=i.issue_date,
                    due_date=i.due_date,
                    note=i.note,
                )
                for i in invoices
            ]
        )
    timeline_add(
        case=case,
        actor=actor,
        kind="opened",
        to_state=case.state,
        note=f"来源：{IntakeChannel(channel).label}",
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="case.open",
        obj=case,
        after=case_snapshot(case) | {"channel": channel},
    )
    return case


@in_record_language
@transaction.atomic
def case_transition(
    *, case: Case, actor: User | None, to_state: str, outcome: str | None = None, note: str = ""
) -> Case:
    """Move a case along the lifecycle (row-locked); illegal moves raise ``IllegalTransition``."""
    require(actor, Perm.CASE_TRANSITION)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    target, out = check_transition(locked.state, to_state, outcome)
    before = case_snapshot(locked)
    from_state = locked.state
    locked.state = target.value
    locked.outcome = out.value if out else ""
    locked.save(update_fields=["state", "outcome", "updated_at"])
    timeline_add(
        case=locked,
        actor=actor,
        kind="state_changed",
        from_state=from_state,
        to_state=locked.state,
        note=note,
    )
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="case.transition",
        obj=locked,
        before=before,
        after=case_snapshot(locked) | {"note": note},
    )
    case_state_changed.send(sender=Case, case=locked, from_state=from_state, to_state=locked.state)
    return locked


@in_record_language
@transaction.atomic
def case_assign(*, case: Case, actor: User | None, handler: User | None) -> Case:
    require(actor, Perm.CASE_ASSIGN)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    check_handler(organisation=locked.organisation, handler=handler)
    before = case_snapshot(locked)
    locked.handler = handler
    locked.save(update_fields=["handler", "updated_at"])
    timeline_add(
        case=locked, actor=actor, kind="assigned", note=handler.get_username() if handler else "—"
    )
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="case.assign",
        obj=locked,
        before=before,
        after=case_snapshot(locked),
    )
    return locked


@transaction.atomic
def hotline_call_record(
    *,
    organisation: Organisation,
    agent: User,
    caller_name: str,
    callback_phone: str,
    summary: str,
    consent_to_record: bool,
    received_at: dt.datetime | None = None,
) -> HotlineCall:
    require(agent, Perm.HOTLINE_USE)
    caller_name = caller_name.strip()
    if not caller_name or not summary.strip():
        raise ValidationFailed(
            "请填写来电人和通话摘要。",
            "Caller and call summary are required.",
            code="hotline_incomplete",
        )
    e164 = normalise_phone(callback_phone)
    call = HotlineCall.objects.create(
        organisation=organisation,
        agent=agent,
        caller_name=caller_name[:100],
        callback_phone_enc=crypto.encrypt(e164),
        callback_phone_hash=crypto.lookup_hash(e164),
        callback_phone_masked=mask(e164, 6, 2),
        summary=summary.strip(),
        consent_to_record=consent_to_record,
        received_at=received_at or clock.now(),
    )
    audit_record(
        actor=agent,
        organisation=organisation,
        action="hotline.record",
        obj=call,
        after={"caller": call.caller_name, "consent_to_record": consent_to_record},
    )
    return call


@in_record_language
@transaction.atomic
def hotline_call_open_case(*, call: HotlineCall, actor: User, **case_fields: Any) -> Case:
    """Open the case the caller described and link it to the call."""
    locked = HotlineCall.objects.select_for_update().get(pk=call.pk)
    if locked.case_id is not None:
        raise Conflict(
            "这通来电已经立案。",
            "A case was already opened from this call.",
            code="hotline_already_opened",
            details={"case_id": locked.case_id},
        )
    case = case_open(
        organisation=locked.organisation,
        actor=actor,
        channel=IntakeChannel.HOTLINE,
        summary=case_fields.pop("summary", "") or locked.summary,
        **case_fields,
    )
    locked.case = case
    locked.save(update_fields=["case"])
    timeline_add(
        case=case,
        actor=actor,
        kind="hotline_linked",
        note=f"来电人：{locked.caller_name}，"
        f"同意录音：{'是' if locked.consent_to_record else '否'}",
    )
    return case
