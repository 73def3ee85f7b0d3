"""The collector's contact actions on a debtor (issue 19): a call asked of the gate first,
its result recorded with the standard codes, and SMS, e-mail and letters from templates
through the gate. Every action is one gate decision; nothing reaches a debtor without one.

* :func:`desk_call_ask` asks the gate for a call by a person (``voice``) to the debtor's
  number on file; only an allowed decision is followed by the number in clear (audited,
  ``party_reveal``) for the ``tel:`` link.
* :func:`desk_call_record` records what came of an allowed call: the disposition
  (``Disposition``), the gate's outcome derived from it, and the agreed callback time.
* :func:`desk_message_send` asks the gate for an SMS, an e-mail or a letter to the debtor's
  own address of that kind and, when allowed, sends the rendered template on that decision
  (``channels.deliver``). A refusal is the recorded decision with its reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.cases.services import timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact.models import ContactAttempt, Disposition
from qingqian.contact.services import contact_attempt_authorize, contact_outcome_record
from qingqian.parties.models import Party

#: Templates a person may send from the desk, per channel (``contact/messages/<name>.txt``).
DESK_TEMPLATES: dict[str, tuple[str, ...]] = {
    "sms": ("reminder",),
    "email": ("reminder", "legal_notice"),
    "letter": ("legal_notice", "reminder"),
}
#: h23v: notices sent on behalf of another app, which fills their extra context (the notice
#: of an assignment of a voucher's claim, Civil Code Art. 546); not offered on the desk.
NOTICE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "email": ("assignment_notice",),
    "letter": ("assignment_notice",),
}
TEMPLATE_LABELS: dict[str, tuple[str, str]] = {
    "reminder": ("还款提醒", "Payment reminder"),
    "legal_notice": ("欠款通知书", "Notice of the debt"),
    "assignment_notice": ("债权转让通知书", "Notice of assignment of the claim"),  # h23v
}
TEMPLATE_SUBJECTS: dict[str, str] = {
    "reminder": "还款提醒 / Payment reminder",
    "legal_notice": "欠款通知书 / Notice of the debt",
    "assignment_notice": "债权转让通知书 / Notice of assignment of the claim",  # h23v
}

#: The gate's outcome each disposition implies (did the line connect, did they refuse).
DISPOSITION_OUTCOME: dict[str, str] = {
    Disposition.RIGHT_PARTY: "connected",
    Disposition.THIRD_PARTY: "connected",
    Disposition.WRONG_NUMBER: "connected",
    Disposition.NO_ANSWER: "no_answer",
    Disposition.REFUSED: "refused",
    Disposition.PROMISE: "connected",
    Disposition.DISPUTE: "connected",
    Disposition.CALLBACK: "connected",
}
#: How far ahead a callback may be agreed.
CALLBACK_HORIZON = dt.timedelta(days=90)


def require_contact_work(actor: User) -> None:
    if not actor.has_perm_code(Perm.CONTACT_WORK):
        raise PermissionDenied(
            "无权联系债务人。", "You may not contact debtors.", code="contact_work_forbidden"
        )


def check_case_party(case: Case, party: Party) -> None:
    if not case.case_parties.filter(party=party, role__in=("debtor", "guarantor")).exists():
        raise ValidationFailed(
            "只能联系本案的债务人或担保人。",
            "Only a debtor or guarantor of this case.",
            code="not_case_party",
        )


def _role(case: Case, party: Party) -> str:
    roles = set(case.case_parties.filter(party=party).values_list("role", flat=True))
    return "debtor" if "debtor" in roles else "guarantor"


def desk_recipient(party: Party, channel: str) -> str:
    """The clear address the channel uses: the number on file (calls and SMS), the e-mail
    address, the postal address; ``""`` when none is on file. Decrypted only to send."""
    if channel in ("voice", "sms"):
        return crypto.decrypt(party.phone_enc) if party.phone_enc else ""
    if channel == "email":
        return crypto.decrypt(party.email_enc) if party.email_enc else ""
    if channel == "letter":
        return " ".join(p for p in (party.city, party.district, party.address) if p).strip()
    return ""


def no_recipient(channel: str) -> ValidationFailed:
    what = {
        "voice": ("电话号码", "telephone number"),
        "sms": ("手机号码", "mobile number"),
        "email": ("电子邮件地址", "e-mail address"),
        "letter": ("邮寄地址", "postal address"),
    }[channel]
    return ValidationFailed(
        f"该当事人没有登记{what[0]}。",
        f"No {what[1]} is on file for this party.",
        code="no_recipient",
        details={"channel": channel},
    )


def desk_call_ask(*, case: Case, party: Party, actor: User) -> ContactAttempt:
    """Ask the gate whether ``actor`` may call ``party`` now (recorded either way)."""
    require_contact_work(actor)
    check_case_party(case, party)
    if not party.phone_hash:
        raise no_recipient("voice")
    return contact_attempt_authorize(
        case=case, party=party, channel="voice", actor=actor, party_role=_role(case, party)
    )


@in_record_language
def desk_call_record(
    *,
    attempt: ContactAttempt,
    actor: User,
    disposition: str,
    callback_at: dt.datetime | None = None,
) -> ContactAttempt:
    """Record a call's result with a standard code and, for a callback or a promise, the
    agreed time to call back. Once per call; the gate's outcome follows from the code."""
    require_contact_work(actor)
    if disposition not in Disposition.values:
        raise ValidationFailed(
            f"未知的通话结果：{disposition}",
            f"Unknown call result: {disposition}",
            code="unknown_disposition",
            details={"disposition": disposition},
        )
    if attempt.channel != "voice":
        raise ValidationFailed(
            "只有电话可以登记通话结果。",
            "Only a call has a call result.",
            code="not_a_call",
        )
    if disposition == Disposition.CALLBACK and callback_at is None:
        raise ValidationFailed(
            "约定回电须填写回电时间。",
            "An agreed callback needs its time.",
            code="callback_time_missing",
        )
    now = clock.now()
    if callback_at is not None and not now < callback_at <= now + CALLBACK_HORIZON:
        raise ValidationFailed(
            "回电时间须在今后 90 天以内。",
            "The callback must be within the next 90 days.",
            code="callback_time_invalid",
        )
    if attempt.disposition:
        raise Conflict(
            "该通话已登记结果。",
            "This call already has a result.",
            code="disposition_recorded",
            details={"attempt_id": attempt.pk},
        )
    with transaction.atomic():
        locked = contact_outcome_record(
            attempt=attempt, outcome=DISPOSITION_OUTCOME[disposition], at=now, actor=actor
        )
        locked.disposition = disposition
        locked.callback_at = callback_at
        locked.save(update_fields=["disposition", "callback_at"])
        case = Case.objects.get(pk=locked.case_id)
        label = Disposition(disposition).label
        when = (
            f"，约定 {callback_at.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M} 回电"
            if callback_at
            else ""
        )
        timeline_add(
            case=case, actor=actor, kind="contact_disposition", note=f"通话结果：{label}{when}"
        )
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="contact.disposition",
            obj=locked,
            after={
                "disposition": disposition,
                "callback_at": callback_at.isoformat() if callback_at else None,
            },
        )
    attempt.disposition, attempt.callback_at = locked.disposition, locked.callback_at
    attempt.outcome, attempt.outcome_at = locked.outcome, locked.outcome_at
    return locked


@dataclass(frozen=True)
class Sent:
    attempt: ContactAttempt
    document: bytes | None = None  # a letter's PDF


@in_record_language
def desk_message_send(
    *,
    case: Case,
    party: Party,
    channel: str,
    template: str,
    actor: User,
    extra: Mapping[str, str] | None = None,
) -> Sent:
    """Ask the gate for ``channel`` to the party's own address of that kind and, if allowed,
    send ``template`` on that decision. A refusal returns the recorded decision unsent.
    With ``extra`` (more context for the template) only a ``NOTICE_TEMPLATES`` one."""
    from qingqian.contact.channels.base import deliver, render_message

    require_contact_work(actor)
    check_case_party(case, party)
    allowed = DESK_TEMPLATES if extra is None else NOTICE_TEMPLATES
    if template not in allowed.get(channel, ()):
        raise ValidationFailed(
            "该渠道没有这个模板。",
            "There is no such template for this channel.",
            code="unknown_template",
            details={"channel": channel, "template": template},
        )
    to = desk_recipient(party, channel)
    if not to:
        raise no_recipient(channel)
    attempt = contact_attempt_authorize(
        case=case,
        party=party,
        channel=channel,
        actor=actor,
        number=to,
        party_role=_role(case, party),
    )
    if not attempt.allowed:
        return Sent(attempt)
    context: dict[str, Any] = {
        "firm": case.organisation.name,
        "name": party.name,
        "creditor": case.creditor.name,
        "amount": f"{case.outstanding:,.2f}",
        "reference": case.reference,
        "phone": getattr(settings, "QINGQIAN_CONTACT_PHONE", ""),
        **(extra or {}),
    }
    message = render_message(
        attempt, template=template, context=context, to=to, subject=TEMPLATE_SUBJECTS[template]
    )
    delivery = deliver(attempt, message)
    timeline_add(
        case=case,
        actor=actor,
        kind="contact_sent",
        note=f"{channel} {TEMPLATE_LABELS[template][0]} → {attempt.number_masked}",
    )
    return Sent(attempt, delivery.document)


def open_calls(case: Case, actor: User) -> list[ContactAttempt]:
    """The actor's allowed calls on the case in the last day still without a result."""
    since = clock.now() - dt.timedelta(days=1)
    return list(
        ContactAttempt.objects.filter(
            case=case,
            actor=actor,
            channel="voice",
            allowed=True,
            disposition="",
            at__gte=since,
        )
        .select_related("party")
        .order_by("-at")[:5]
    )
