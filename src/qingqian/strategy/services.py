"""The strategy engine's Django layer: playbooks as rows, one run per debtor, steps scheduled
as background tasks, every contact through the contact gate.

* :func:`playbook_save` validates the whole set with the kernel (``load_playbooks``) before
  writing, so a broken playbook never reaches the engine.
* :func:`strategy_start` gives each debtor of a case ONE treatment across all their open
  invoices in the organisation (disputed invoices excluded), or keeps the one running.
* :func:`strategy_step_execute` runs a due step: each contact channel is put to
  ``contact.services.contact_attempt_authorize``; a step whose every channel is refused is
  recorded as ``skipped`` with the gate's reasons (never silently); court steps are handed to
  the lawyer. Then the next step is planned and scheduled.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case, Invoice, PartyRole
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, PermissionDenied
from qingqian.common.language import in_record_language
from qingqian.contact.models import CHANNEL_LABELS
from qingqian.parties.models import Party
from qingqian.strategy.models import (
    InvoiceDispute,
    PlaybookRow,
    RunStatus,
    StepState,
    StrategyRun,
    StrategyStep,
)
from qingqian.strategy.playbooks import (
    DEFAULT_PLAYBOOK_DATA,
    STEP_LABELS,
    Playbook,
    Progress,
    StepKind,
    Treatment,
    load_playbooks,
    plan,
)
from qingqian.strategy.selectors import WORKING_STATES, debtor_view, playbooks_data  # noqa: F401

#: Playbook channel → contact-gate channel (``court`` is not a contact with the debtor).
GATE_CHANNEL = {
    "sms": "sms",
    "call": "voice",
    "email": "email",
    "letter": "letter",
    "in_person": "visit",
}
#: Steps that are handed to a lawyer or mediator once their contacts (if any) are cleared.
HANDOVER_KINDS = frozenset(
    {StepKind.MEDIATION, StepKind.PAYMENT_ORDER, StepKind.LITIGATION, StepKind.PRESERVATION}
)
#: Internal cost estimate per step (yuan) for the champion/challenger comparison. These are
#: the organisation's own planning figures, not legal numbers; edit them here.
STEP_COST = {
    "sms_reminder": Decimal("0.50"),
    "call": Decimal("8.00"),
    "formal_demand": Decimal("25.00"),
    "lawyer_letter": Decimal("300.00"),
    "mediation": Decimal("500.00"),
    "payment_order": Decimal("800.00"),
    "litigation": Decimal("3000.00"),
    "preservation": Decimal("1500.00"),
}
STEP_HOUR = 9  # steps run at 09:00 Asia/Shanghai on their day


# --- playbooks --------------------------------------------------------------------------------


def active_playbooks(organisation: Organisation | None) -> tuple[Playbook, ...]:
    data = playbooks_data(organisation)
    return load_playbooks(data) if data else load_playbooks(DEFAULT_PLAYBOOK_DATA)


@transaction.atomic
def playbook_save(*, actor: User, data: dict[str, Any], position: int | None = None) -> PlaybookRow:
    """Create or replace the organisation's playbook ``data['key']`` after validating the
    whole resulting set (``StrategyError`` listing every problem with its path)."""
    if not actor.has_perm_code(Perm.STRATEGY_EDIT) or actor.organisation is None:
        raise PermissionDenied(
            "只有律师或管理员可以修改催收策略。",
            "Only a lawyer or an administrator may edit playbooks.",
            code="playbook_forbidden",
        )
    org = actor.organisation
    if not PlaybookRow.objects.filter(organisation=org).exists():
        # First edit: copy the shared set so the organisation owns a complete one.
        for shared in PlaybookRow.objects.filter(organisation__isnull=True):
            PlaybookRow.objects.create(
                organisation=org,
                key=shared.key,
                position=shared.position,
                data=shared.data,
                active=shared.active,
                updated_at=clock.now(),
            )
    key = str(data.get("key", "")) if isinstance(data, dict) else ""
    current = {r.key: r for r in PlaybookRow.objects.filter(organisation=org, active=True)}
    order = sorted(current.values(), key=lambda r: (r.position, r.key))
    merged = [data if r.key == key else r.data for r in order]
    if key not in current:
        merged.insert(len(merged) if position is None else position, data)
    load_playbooks(merged)  # raises with every problem
    row, _created = PlaybookRow.objects.update_or_create(
        organisation=org,
        key=key,
        defaults={
            "data": data,
            "active": True,
            "updated_at": clock.now(),
            "updated_by": actor,
            **({"position": position} if position is not None else {}),
        },
    )
    if key not in current and position is None:
        row.position = max((r.position for r in order), default=-1) + 1
        row.save(update_fields=["position"])
    audit_record(
        actor=actor, organisation=org, action="playbook.save", obj=row, after={"data": data}
    )
    return row


# --- runs and steps ---------------------------------------------------------------------------


def _step_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(STEP_HOUR), tzinfo=clock.BUSINESS_TZ)


def _schedule(step: StrategyStep) -> None:
    """Queue the step's task after commit: deferred to its day when the backend can defer;
    otherwise the periodic ``strategy_steps_due_task`` picks it up on its day."""
    from qingqian.strategy.tasks import strategy_step_enqueue

    step_id, at = step.pk, _step_at(step.due_on)
    transaction.on_commit(lambda: strategy_step_enqueue(step_id, at), robust=True)


def _new_step(run: StrategyRun, treatment: Treatment) -> StrategyStep | None:
    if treatment.next_step is None or treatment.next_date is None or treatment.step_index is None:
        return None
    step = StrategyStep.objects.create(
        run=run,
        index=treatment.step_index,
        kind=treatment.next_step.kind.value,
        channels=[c.value for c in treatment.next_step.channels],
        due_on=treatment.next_date,
    )
    if run.reason != _reason(treatment):
        run.reason = _reason(treatment)  # "why" always explains the step now scheduled
        run.save(update_fields=["reason"])
    _schedule(step)
    return step


def _reason(t: Treatment) -> dict[str, str]:
    return {"zh": t.reason_zh, "en": t.reason_en}


@in_record_language
@transaction.atomic
def strategy_start(*, case: Case, actor: User | None) -> list[StrategyRun]:
    """Start (or keep) the one treatment of each debtor of ``case``; returns the runs."""
    runs: list[StrategyRun] = []
    books = active_playbooks(case.organisation)
    today = clock.today()
    debtors = Party.objects.filter(
        case_roles__case=case, case_roles__role=PartyRole.DEBTOR
    ).order_by("pk")
    for party in debtors:
        Party.objects.select_for_update().filter(pk=party.pk).first()
        existing = StrategyRun.objects.filter(debtor=party, status=RunStatus.ACTIVE).first()
        if existing is not None:
            runs.append(existing)
            continue
        treatment = plan(books, debtor_view(party, organisation=case.organisation), today=today)
        if treatment.status != "active" or treatment.playbook_key is None:
            timeline_add(
                case=case,
                actor=actor,
                kind="strategy_none",
                note=f"{party.name}：{treatment.reason_zh}",
            )
            continue
        book = next(b for b in books if b.key == treatment.playbook_key)
        steps = (
            book.challenger.steps
            if treatment.arm == "challenger" and book.challenger
            else book.steps
        )
        run = StrategyRun.objects.create(
            organisation=case.organisation,
            debtor=party,
            case=case,
            playbook_key=treatment.playbook_key,
            arm=treatment.arm or "champion",
            experiment=treatment.experiment or "",
            started_on=today,
            assigned_amount=treatment.amount,
            invoice_ids=list(treatment.invoice_ids),
            excluded_invoice_ids=list(treatment.excluded_invoice_ids),
            steps=[s.to_dict() for s in steps],
            reason=_reason(treatment),
            created_at=clock.now(),
        )
        step = _new_step(run, treatment)
        timeline_add(case=case, actor=actor, kind="strategy_started", note=treatment.reason_zh)
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="strategy.start",
            obj=run,
            after={"treatment": treatment.to_dict(), "first_step": step.pk if step else None},
        )
        runs.append(run)
    return runs


#: Channels a step sends by itself (a person makes calls and visits), with the message
#: template and where the recipient comes from.
SENT_BY_STEP = {"sms": "reminder", "letter": "legal_notice"}


def _recipient(party: Party, channel: str) -> str:
    """The clear recipient the step sends to: the phone (decrypted here only to send; the
    delivery is audited with the masked number) or the postal address; ``""`` if none."""
    from qingqian.common import crypto

    if channel == "sms":
        return crypto.decrypt(party.phone_enc) if party.phone_enc else ""
    if channel == "letter":
        return party.address.strip()
    return ""


def _contact(
    *, case: Case, party: Party, channel: str, actor: User
) -> tuple[bool, list[dict[str, Any]], str]:
    """Ask the contact gate (``contact.services.contact_attempt_authorize``) and, for an SMS or
    a letter it allows, send the message on that very decision through the channel
    (``contact.channels.deliver``). Returns (allowed, reasons, what was done)."""
    from qingqian.contact.channels.base import deliver, render_message
    from qingqian.contact.services import contact_attempt_authorize

    template = SENT_BY_STEP.get(channel)
    to = _recipient(party, channel) if template else ""
    if template and not to:
        why = {"code": "no_recipient", "message": "没有登记可用的号码或地址 / no number or address"}
        return False, [why], ""
    attempt = contact_attempt_authorize(
        case=case, party=party, channel=channel, actor=actor, number=to or None
    )
    if not attempt.allowed or not template:
        return bool(attempt.allowed), list(attempt.reasons or []), ""
    context = {
        "firm": case.organisation.name,
        "name": party.name,
        "creditor": case.creditor.name,
        "amount": f"{case.outstanding:,.2f}",
        "reference": case.reference,
        "phone": getattr(settings, "QINGQIAN_CONTACT_PHONE", ""),
    }
    try:
        message = render_message(attempt, template=template, context=context, to=to)
        delivery = deliver(attempt, message)
    except ApplicationError as exc:  # not configured, refused: the step says why
        return False, [{"code": exc.code, "message": exc.message_zh}], ""
    return True, [], f"sent:{delivery.provider_ref}"


def _step_actor(case: Case, gate_channel: str) -> User:
    from qingqian.contact.services import contact_system_actor

    if gate_channel in ("voice", "visit") and case.handler is not None:
        return case.handler
    return contact_system_actor(organisation=case.organisation)


@in_record_language
@transaction.atomic
def strategy_step_execute(*, step_id: int) -> StrategyStep:
    """Run one due step (idempotent: a step already run is returned unchanged)."""
    step = (
        StrategyStep.objects.select_for_update()
        .select_related("run", "run__case", "run__debtor")
        .get(pk=step_id)
    )
    run = step.run
    if step.state != StepState.SCHEDULED or run.status != RunStatus.ACTIVE:
        return step
    today = clock.today()
    if step.due_on > today:
        return step
    case, party = run.case, run.debtor
    gate = [GATE_CHANNEL[c] for c in step.channels if c in GATE_CHANNEL]
    allowed: list[str] = []
    reasons: list[dict[str, Any]] = []
    sent: list[str] = []
    for channel in gate:
        ok, why, done = _contact(
            case=case, party=party, channel=channel, actor=_step_actor(case, channel)
        )
        if ok:
            allowed.append(channel)
            if done:
                sent.append(channel)
        else:
            reasons.append({"channel": channel, "reasons": why})
    kind = StepKind(step.kind)
    label_zh = STEP_LABELS[kind][0]
    if gate and not allowed:
        step.state = StepState.SKIPPED
        note = f"{label_zh}：联系闸门拒绝，已跳过（{_reason_text(reasons)}）"
    elif kind in HANDOVER_KINDS:
        step.state = StepState.HANDED_OVER
        note = f"{label_zh}：已交律师/调解员办理"
    elif sent and set(sent) == set(allowed):
        step.state = StepState.SENT
        note = f"{label_zh}：联系闸门已放行并已发送（{_channel_words(sent)}）"
    else:
        step.state = StepState.AUTHORIZED
        left = [c for c in allowed if c not in sent]
        done = f"，已发送：{_channel_words(sent)}" if sent else ""
        note = (
            f"{label_zh}：联系闸门已放行（{_channel_words(allowed)}）{done}，"
            f"待人工执行：{_channel_words(left)}"
        )
    step.reasons = reasons
    step.executed_at = clock.now()
    step.cost = (
        STEP_COST.get(step.kind, Decimal("0")) if step.state != StepState.SKIPPED else Decimal("0")
    )
    step.save(update_fields=["state", "reasons", "executed_at", "cost"])
    timeline_add(case=case, actor=None, kind="strategy_step", note=note)
    audit_record(
        actor=None,
        organisation=case.organisation,
        action="strategy.step",
        obj=step,
        after={"state": step.state, "allowed": allowed, "refused": reasons},
    )
    progress = Progress(run.playbook_key, run.arm, step.index + 1, today)
    treatment = plan(
        active_playbooks(case.organisation),
        debtor_view(party, organisation=case.organisation, progress=progress),
        today=today,
    )
    if treatment.status == "active" and (treatment.playbook_key, treatment.arm) == (
        run.playbook_key,
        run.arm,
    ):
        _new_step(run, treatment)
    else:
        run.status = RunStatus.COMPLETED if treatment.status == "completed" else RunStatus.STOPPED
        run.save(update_fields=["status"])
        timeline_add(case=case, actor=None, kind="strategy_ended", note=treatment.reason_zh)
    return step


def _channel_words(channels: list[str]) -> str:
    """Gate channels in words for the timeline (``["letter", "email"]`` → 信函、电子邮件)."""
    return "、".join(CHANNEL_LABELS.get(c, (c, c))[0] for c in channels)


def _reason_text(reasons: list[dict[str, Any]]) -> str:
    parts = []
    for item in reasons:
        msgs = "；".join(str(r.get("message", r.get("code", ""))) for r in item["reasons"])
        parts.append(f"{_channel_words([item['channel']])}：{msgs}")
    return " | ".join(parts)


def strategy_steps_due() -> list[int]:
    """Ids of scheduled steps whose day has come (the sweep's work list)."""
    return list(
        StrategyStep.objects.filter(
            state=StepState.SCHEDULED, due_on__lte=clock.today(), run__status=RunStatus.ACTIVE
        ).values_list("pk", flat=True)
    )


@in_record_language
@transaction.atomic
def invoice_dispute_open(*, invoice: Invoice, actor: User | None, note: str = "") -> InvoiceDispute:
    row = InvoiceDispute.objects.create(invoice=invoice, opened_at=clock.now(), note=note)
    timeline_add(
        case=invoice.case, actor=actor, kind="invoice_disputed", note=f"{invoice.number} {note}"
    )
    audit_record(
        actor=actor,
        organisation=invoice.case.organisation,
        action="invoice.dispute",
        obj=row,
        after={"invoice": invoice.number},
    )
    return row
