"""``/api/v1/contact``: the gate, outcomes, holds and the robot provider's signed webhook.

Every endpoint checks access (the case through ``cases_visible_to``) and calls one service.
The authorisation always decides at the server's own time; an ``at`` sent by the client is
accepted for the contract and ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.http import api_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound, PermissionDenied
from qingqian.contact.channels.voice import call_event_receive
from qingqian.contact.models import ContactAttempt, ContactHold
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_lift,
    contact_hold_place,
    contact_outcome_record,
    contact_system_actor,
)
from qingqian.parties.models import Party

router = Router(tags=["contact"])


class ReasonOut(Schema):
    code: str
    message: str


class AuthorizeIn(Schema):
    case_id: int
    party_id: int
    channel: str
    at: dt.datetime | None = None  # ignored: the server decides at its own time
    number: str | None = None
    party_role: str = "debtor"
    purpose: str = "collection"
    script: str = ""  # the message template to be used (a third party: a non-disclosing one)


class AuthorizeOut(Schema):
    allowed: bool
    attempt_id: int
    reasons: list[ReasonOut]
    policy_version: str
    rule: str
    at: dt.datetime


class OutcomeIn(Schema):
    outcome: str
    at: dt.datetime | None = None


class AttemptOut(Schema):
    attempt_id: int
    allowed: bool
    channel: str
    outcome: str
    outcome_at: dt.datetime | None
    policy_version: str


class HoldIn(Schema):
    case_id: int
    party_id: int | None = None
    kind: str
    reason: str = ""
    channel: str = ""


class HoldLiftIn(Schema):
    reason: str


class HoldOut(Schema):
    hold_id: int
    case_id: int
    party_id: int | None
    kind: str
    channel: str
    reason: str
    placed_at: dt.datetime
    lifted_at: dt.datetime | None


class CallEventOut(Schema):
    event_id: str
    kind: str
    attempt_id: int
    outcome: str


def _need(user: User, perm: Perm) -> None:
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您的角色不能进行此联系操作。",
            "Your role may not do this contact work.",
            code="contact_forbidden",
        )


def _attempt_out(a: ContactAttempt) -> dict[str, Any]:
    return {
        "attempt_id": a.pk,
        "allowed": a.allowed,
        "channel": a.channel,
        "outcome": a.outcome,
        "outcome_at": a.outcome_at,
        "policy_version": a.policy_version,
    }


def _hold_out(h: ContactHold) -> dict[str, Any]:
    return {
        "hold_id": h.pk,
        "case_id": h.case_id,
        "party_id": h.party_id,
        "kind": h.kind,
        "channel": h.channel,
        "reason": h.reason,
        "placed_at": h.placed_at,
        "lifted_at": h.lifted_at,
    }


@router.post("/authorize", response={200: AuthorizeOut, **ERRORS})
def authorize(request: HttpRequest, payload: AuthorizeIn) -> dict[str, Any]:
    user = _user(request)
    _need(user, Perm.CONTACT_WORK)
    case = case_get_for_user(user, payload.case_id)
    party = Party.objects.filter(pk=payload.party_id, organisation_id=case.organisation_id).first()
    if party is None:
        raise NotFound("当事人不存在。", "Party not found.", code="party_not_found")
    # Robots act under the organisation's system actor; people act as themselves.
    actor = (
        contact_system_actor(organisation=case.organisation) if payload.channel == "robot" else user
    )
    attempt = contact_attempt_authorize(
        case=case,
        party=party,
        channel=payload.channel,
        actor=actor,
        number=payload.number,
        party_role=payload.party_role,
        purpose=payload.purpose,
        script=payload.script,
    )
    return {**attempt.as_dict(), "at": attempt.at}


def _attempt_for(user: User, attempt_id: int) -> ContactAttempt:
    attempt = ContactAttempt.objects.filter(pk=attempt_id, case__in=cases_visible_to(user)).first()
    if attempt is None:
        raise NotFound("联系尝试不存在。", "Attempt not found.", code="attempt_not_found")
    return attempt


@router.post("/attempts/{attempt_id}/outcome", response={200: AttemptOut, **ERRORS})
def outcome(request: HttpRequest, attempt_id: int, payload: OutcomeIn) -> dict[str, Any]:
    user = _user(request)
    _need(user, Perm.CONTACT_WORK)
    attempt = _attempt_for(user, attempt_id)
    done = contact_outcome_record(attempt=attempt, outcome=payload.outcome, at=None, actor=user)
    return _attempt_out(done)


@router.post("/holds", response={201: HoldOut, **ERRORS})
def holds_place(request: HttpRequest, payload: HoldIn) -> Status[dict[str, Any]]:
    user = _user(request)
    _need(user, Perm.CONTACT_HOLD)
    case = case_get_for_user(user, payload.case_id)
    party = None
    if payload.party_id is not None:
        found = Party.objects.filter(
            pk=payload.party_id, organisation_id=case.organisation_id
        ).first()
        if found is None:
            raise NotFound("当事人不存在。", "Party not found.", code="party_not_found")
        party = found
    hold = contact_hold_place(
        case=case,
        party=party,
        kind=payload.kind,
        actor=user,
        reason=payload.reason,
        channel=payload.channel,
    )
    return Status(201, _hold_out(hold))


@router.post("/holds/{hold_id}/lift", response={200: HoldOut, **ERRORS})
def holds_lift(request: HttpRequest, hold_id: int, payload: HoldLiftIn) -> dict[str, Any]:
    user = _user(request)
    hold = ContactHold.objects.filter(pk=hold_id, case__in=cases_visible_to(user)).first()
    if hold is None:
        raise NotFound("暂停不存在。", "Hold not found.", code="hold_not_found")
    return _hold_out(contact_hold_lift(hold=hold, actor=user, reason=payload.reason))


@router.post("/calls/{attempt_id}/events", auth=None, response={200: CallEventOut, **ERRORS})
def call_events(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    """The robot provider's webhook: authenticated by its HMAC signature, not by a user."""
    event = call_event_receive(
        attempt_id=attempt_id,
        body=request.body,
        timestamp=request.headers.get("X-Qingqian-Timestamp", ""),
        signature_header=request.headers.get("X-Qingqian-Signature", ""),
    )
    event.attempt.refresh_from_db(fields=["outcome"])
    return {
        "event_id": event.event_id,
        "kind": event.kind,
        "attempt_id": event.attempt_id,
        "outcome": event.attempt.outcome,
    }
