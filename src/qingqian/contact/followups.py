"""Acting on what a debtor said: transcript analysis turned into holds and human work.

A robot call's transcript lines (the signed webhook), an agent's notes or a chat message go
through the pure analyser (``contact.transcripts``). What it finds is acted on in one
transaction, erring on the side of stopping:

* **distress** (self-harm talk, illness, bereavement, job loss, hardship): a vulnerability
  hold on the person at once (automated contact stops), a follow-up for compliance, and an
  e-mail to the organisation's compliance officers naming the case, never the words said;
* **anger**: a follow-up for the case handler — a human takes over from the robot;
* **dispute** ("这笔钱我早就还了"): a dispute hold and a follow-up to check the claim;
* **promise to pay**: a follow-up carrying the amount and date read from the words, which the
  handler confirms or corrects before it counts.

Nothing the analyser says lifts a hold or changes a debt by itself. The words stay in the
call event (or are not stored at all for notes); the follow-up keeps labels and rule hits.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.roles import Role
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.contact.models import ContactCallEvent, ContactFollowUp, FollowUpKind, HoldKind
from qingqian.contact.services import contact_hold_place, contact_system_actor
from qingqian.parties.models import Party

log = logging.getLogger(__name__)

SOURCES = ("robot", "notes", "chat")
#: Speakers whose lines are analysed (the robot's own script lines are not).
DEBTOR_SPEAKERS = frozenset({"debtor", "callee", "customer", ""})
MAX_TEXT = 4000


def _analyse(text: str, today: dt.date) -> Any:
    from qingqian.contact.transcripts import default_analyzer  # heavy: loaded on first use

    return default_analyzer().analyse_one(text, today)


@in_record_language
def transcript_analyse(
    *,
    case: Case,
    party: Party | None,
    text: str,
    source: str,
    actor: User | None,
    event: ContactCallEvent | None = None,
) -> list[ContactFollowUp]:
    """Analyse one utterance about ``case`` and act on it; returns the follow-ups created."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            "没有可分析的文字。", "There is no text to analyse.", code="text_empty"
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            f"文字过长（最多 {MAX_TEXT} 字）。",
            f"The text is too long (at most {MAX_TEXT} characters).",
            code="text_too_long",
        )
    if source not in SOURCES:
        raise ValidationFailed(
            f"未知的来源：{source}", f"Unknown source: {source}", code="unknown_source"
        )
    analysis = _analyse(text, clock.today())
    actions = set(analysis.actions)
    if not actions:
        return []
    system = contact_system_actor(organisation=case.organisation)
    hits = [h.as_dict() for h in analysis.rule_hits]
    common: dict[str, Any] = {
        "organisation_id": case.organisation_id,
        "case": case,
        "party": party,
        "event": event,
        "source": source,
        "labels": list(analysis.labels),
        "rule_hits": hits,
        "created_at": clock.now(),
    }
    handler_role = "handler"
    created: list[ContactFollowUp] = []
    with transaction.atomic():
        if "stop_automated_contact" in actions:
            contact_hold_place(
                case=case,
                party=party,
                kind=HoldKind.VULNERABILITY,
                actor=actor or system,
                reason="通话/记录分析发现困境信号，自动联系已停止，待合规复核。"
                " / Distress found in what was said; automated contact stopped for review.",
            )
            created.append(
                ContactFollowUp.objects.create(
                    kind=FollowUpKind.DISTRESS, assigned_role=Role.COMPLIANCE, **common
                )
            )
        if "handoff_to_human" in actions:
            created.append(
                ContactFollowUp.objects.create(
                    kind=FollowUpKind.HANDOFF,
                    assigned_role=handler_role,
                    assigned_to=case.handler,
                    **common,
                )
            )
        if "dispute_hold" in actions:
            contact_hold_place(
                case=case,
                party=party,
                kind=HoldKind.DISPUTE,
                actor=actor or system,
                reason="对方表示对债务有异议，核实前暂停联系。"
                " / The person disputes the debt; contact paused until it is checked.",
            )
            created.append(
                ContactFollowUp.objects.create(
                    kind=FollowUpKind.DISPUTE,
                    assigned_role=handler_role,
                    assigned_to=case.handler,
                    **common,
                )
            )
        if "promise" in actions and analysis.promise is not None:
            created.append(
                ContactFollowUp.objects.create(
                    kind=FollowUpKind.PROMISE,
                    assigned_role=handler_role,
                    assigned_to=case.handler,
                    promise=analysis.promise.as_dict(),
                    **common,
                )
            )
        kinds = "、".join(str(FollowUpKind(f.kind).label) for f in created)
        timeline_add(
            case=case,
            actor=actor or system,
            kind="transcript_analysed",
            note=f"通话/记录分析（{source}）：{'，'.join(analysis.labels)} → {kinds}",
        )
        audit_record(
            actor=actor or system,
            organisation=case.organisation,
            action="contact.transcript_analyse",
            obj=case,
            after={
                "source": source,
                "labels": list(analysis.labels),
                "followups": [f.pk for f in created],
                "event": event.pk if event else None,
            },
        )
        if any(f.kind == FollowUpKind.DISTRESS for f in created):
            transaction.on_commit(lambda: _tell_compliance(case))
    return created


def _tell_compliance(case: Case) -> None:
    """E-mail the organisation's compliance officers: which case, never what was said."""
    from qingqian.contact.channels.base import send_transactional

    officers = User.objects.filter(
        organisation_id=case.organisation_id, role=Role.COMPLIANCE, is_active=True
    ).exclude(email="")
    for officer in officers:
        try:
            send_transactional(
                "email",
                officer.email,
                f"【清欠】困境信号待复核：{case.reference}",
                f"案件 {case.reference} 的通话或记录中发现困境信号，自动联系已停止。"
                "请登录清欠查看“人工跟进”并复核。\n"
                f"Distress was found on case {case.reference}; automated contact has "
                "stopped. Please review it under Follow-ups in Qingqian.",
            )
        except Exception:  # a failed notice must not undo the hold; the follow-up remains
            log.exception("compliance notice for case %s failed", case.pk)


def transcript_event_handle(event: ContactCallEvent) -> list[ContactFollowUp]:
    """The voice webhook's hook (``QINGQIAN_CONTACT_TRANSCRIPT_HOOK``): analyse a debtor's
    transcript line from a robot call."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if str(payload.get("speaker", "")).lower() not in DEBTOR_SPEAKERS:
        return []
    text = str(payload.get("text", ""))
    if not text.strip():
        return []
    attempt = event.attempt
    return transcript_analyse(
        case=attempt.case,
        party=attempt.party,
        text=text[:MAX_TEXT],
        source="robot",
        actor=None,
        event=event,
    )


@in_record_language
def followup_done(
    *,
    followup: ContactFollowUp,
    actor: User,
    note: str,
    promise_amount: Decimal | None = None,
    promise_date: dt.date | None = None,
) -> ContactFollowUp:
    """Close a follow-up with what was done. Distress reviews are closed by compliance only.

    For a promise, ``promise_amount`` and ``promise_date`` (as heard, or as the handler
    corrected them) confirm it: a promise record (source ``transcript``) is made in the same
    transaction, and from then on payments decide whether it is kept."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "请说明处理情况。", "Say what was done.", code="followup_note_missing"
        )
    if followup.kind == FollowUpKind.DISTRESS and actor.role not in (Role.COMPLIANCE, Role.ADMIN):
        raise PermissionDenied(
            "困境复核只能由合规专员处理。",
            "Only a compliance officer may close a distress review.",
            code="followup_forbidden",
        )
    with transaction.atomic():
        locked = ContactFollowUp.objects.select_for_update().get(pk=followup.pk)
        if locked.done_at is not None:
            raise Conflict(
                "该跟进已处理。", "This follow-up is already closed.", code="followup_done"
            )
        confirming = promise_amount is not None or promise_date is not None
        if confirming and locked.kind != FollowUpKind.PROMISE:
            raise ValidationFailed(
                "只有还款承诺可以确认。",
                "Only a promise to pay can be confirmed.",
                code="followup_not_promise",
            )
        if confirming:
            if promise_amount is None or promise_date is None:
                raise ValidationFailed(
                    "确认承诺需要金额和日期。",
                    "Confirming a promise needs its amount and date.",
                    code="promise_incomplete",
                )
            from qingqian.negotiation.services import promise_record

            promise_record(
                case=locked.case,
                amount=promise_amount,
                due_date=promise_date,
                source="transcript",
                actor=actor,
                confirmed_by=actor,
            )
        locked.done_at = clock.now()
        locked.done_by = actor
        locked.done_note = note[:2000]
        locked.save(update_fields=["done_at", "done_by", "done_note"])
        timeline_add(
            case=locked.case,
            actor=actor,
            kind="followup_done",
            note=f"{FollowUpKind(locked.kind).label}：{locked.done_note}",
        )
        audit_record(
            actor=actor,
            organisation=locked.case.organisation,
            action="contact.followup_done",
            obj=locked,
            after={"kind": locked.kind, "note": locked.done_note},
        )
    return locked
