"""The one channel interface: ``deliver(attempt, message)`` and its checks."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from qingqian.audit.services import audit_record
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, ValidationFailed
from qingqian.contact.models import ContactAttempt, ContactHold, Purpose, TransactionalMessage
from qingqian.contact.services import recipient_key
from qingqian.contact.speech import debtor_speech, template_for

# How long an allowed decision may wait before a channel uses it.
DEFAULT_DECISION_TTL = dt.timedelta(minutes=15)

OPT_OUT_LINES: dict[str, str] = {
    "sms": "回复TD退订 / Reply STOP to opt out",
    "email": (
        "如不希望再通过电子邮件收到本类信息，请回复“退订”，我们将停止发送。"
        " / To stop receiving these e-mails, reply UNSUBSCRIBE and we will stop."
    ),
}


class DeliveryRefused(Conflict):
    """The channel refuses: no allowed, fresh, unused decision for exactly this message."""

    code = "delivery_refused"


@dataclass(frozen=True)
class Message:
    to: str  # the clear recipient (phone number, e-mail or postal address); never stored
    body: str
    subject: str = ""
    template: str = ""  # provider template code (SMS) or our template name
    params: dict[str, str] = field(default_factory=dict)
    opt_out_line: str = ""  # the line the policy asked for, if any (already in ``body``)
    dialect: str = ""  # the dialect the body is written in ("": the plain template)


@dataclass(frozen=True)
class Delivery:
    channel: str
    provider_ref: str
    document: bytes | None = None  # the letter's PDF


class Adapter(Protocol):
    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery: ...


_overrides: dict[str, Adapter] = {}


@contextlib.contextmanager
def use_adapter(channel: str, adapter: Adapter) -> Iterator[Adapter]:
    """Swap an adapter (tests, a staging provider) for the duration of a ``with`` block."""
    before = _overrides.get(channel)
    _overrides[channel] = adapter
    try:
        yield adapter
    finally:
        if before is None:
            _overrides.pop(channel, None)
        else:
            _overrides[channel] = before


_DEFAULTS = {
    "email": "qingqian.contact.channels.email.EmailAdapter",
    "sms": "qingqian.contact.channels.sms.AliyunSmsAdapter",
    "robot": "qingqian.contact.channels.voice.RobotCallAdapter",
    "letter": "qingqian.contact.channels.letter.LetterAdapter",
}


def adapter_for(channel: str) -> Adapter:
    if channel in _overrides:
        return _overrides[channel]
    configured = getattr(settings, "QINGQIAN_CONTACT_ADAPTERS", {})
    path = configured.get(channel) or _DEFAULTS.get(channel)
    if path is None:
        raise DeliveryRefused(
            f"渠道 {channel} 由人工完成，没有可投递的消息。",
            f"The {channel} channel is carried out by people; there is nothing to deliver.",
            code="channel_not_deliverable",
            details={"channel": channel},
        )
    adapter: Adapter = import_string(path)()
    return adapter


def render_message(
    attempt: ContactAttempt, *, template: str, context: dict[str, Any], to: str, subject: str = ""
) -> Message:
    """Render ``contact/messages/<template>.txt`` — or its version in the debtor's dialect,
    ``contact/messages/<dialect>/<template>.txt``, if there is one (``contact.speech``); add
    the opt-out line the policy asks for."""
    known = debtor_speech(attempt.organisation_id, [attempt.party_id])
    speech = known.get(attempt.party_id)
    name, dialect = template_for(template, speech.dialect if speech and speech.preferred else "")
    body = render_to_string(name, context).strip()
    line = ""
    if attempt.channel in attempt.policy.policy().opt_out_channels:
        line = OPT_OUT_LINES.get(attempt.channel, "")
        if line:
            body = f"{body}\n{line}"
    return Message(
        to=to,
        body=body,
        subject=subject,
        template=template,
        params={k: str(v) for k, v in context.items()},
        opt_out_line=line,
        dialect=dialect,
    )


def _refuse(code: str, zh: str, en: str, **details: Any) -> DeliveryRefused:
    return DeliveryRefused(zh, en, code=code, details=details)


def deliver(attempt: ContactAttempt, message: Message) -> Delivery:
    """Send ``message`` on ``attempt``: refused unless the attempt is allowed, fresh, unused,
    addressed to the authorised recipient, still clear of holds and carries its opt-out line."""
    if not attempt.allowed:
        raise _refuse(
            "contact_not_authorised",
            "该联系尝试未获准许，不得发送。",
            "The attempt was denied; nothing may be sent on it.",
            attempt_id=attempt.pk,
            rule=attempt.rule,
        )
    adapter = adapter_for(attempt.channel)
    ttl = getattr(settings, "QINGQIAN_CONTACT_DECISION_TTL", DEFAULT_DECISION_TTL)
    with transaction.atomic():
        locked = (
            ContactAttempt.objects.select_for_update().select_related("policy").get(pk=attempt.pk)
        )
        now = clock.now()
        if locked.sent_at is not None:
            raise _refuse(
                "contact_already_used",
                "该许可已使用过；每次联系都需要新的许可。",
                "This decision was already used; every contact needs a new one.",
                attempt_id=locked.pk,
            )
        if not locked.at - dt.timedelta(minutes=1) <= now <= locked.at + ttl:
            raise _refuse(
                "contact_decision_stale",
                "许可已过期（或尚未到时间），请重新申请。",
                "The decision is stale (or for a later time); ask the gate again.",
                attempt_id=locked.pk,
                decided_at=locked.at.isoformat(),
            )
        since = ContactHold.objects.filter(
            Q(party_id=locked.party_id) | Q(party__isnull=True, case_id=locked.case_id),
            lifted_at__isnull=True,
            placed_at__gt=locked.at,
        ).exclude(kind__in=["cease", "dispute"] if locked.purpose == Purpose.LEGAL_NOTICE else [])
        if since.exists():
            raise _refuse(
                "contact_hold_since",
                "许可之后已设置联系暂停，不得发送。",
                "A hold was placed after the decision; nothing may be sent.",
                attempt_id=locked.pk,
            )
        if locked.script and message.template != locked.script:
            # The decision was given for one script (a third party: a non-disclosing one).
            raise _refuse(
                "script_not_authorised",
                "消息模板与许可中的话术不一致。",
                "The message is not the script the decision was given for.",
                attempt_id=locked.pk,
                script=locked.script,
            )
        if not locked.number_hash:
            raise _refuse(
                "recipient_not_authorised",
                "许可未指明收件人，请带上号码或地址重新申请。",
                "The decision names no recipient; ask again with the number or address.",
                attempt_id=locked.pk,
            )
        to_hash, _ = recipient_key(locked.channel, message.to)
        if to_hash != locked.number_hash:
            raise _refuse(
                "recipient_not_authorised",
                "收件人与许可中的号码或地址不一致。",
                "The recipient is not the one the decision authorised.",
                attempt_id=locked.pk,
            )
        required = locked.channel in locked.policy.policy().opt_out_channels
        if required and not (message.opt_out_line and message.opt_out_line in message.body):
            raise ValidationFailed(
                "该政策要求消息包含退订说明。",
                "The policy requires an opt-out line in this message.",
                code="opt_out_line_missing",
                details={"channel": locked.channel},
            )
        delivery = adapter.send(locked, message)
        locked.sent_at = now
        locked.provider_ref = delivery.provider_ref[:100]
        locked.save(update_fields=["sent_at", "provider_ref"])
        audit_record(
            actor=locked.actor,
            organisation=locked.organisation,
            action="contact.deliver",
            obj=locked,
            after={
                "channel": locked.channel,
                "to": locked.number_masked,
                "template": message.template,
                "provider_ref": locked.provider_ref,
            },
        )
    attempt.sent_at, attempt.provider_ref = locked.sent_at, locked.provider_ref
    return delivery


def send_transactional(channel: str, to: str, subject: str, body: str) -> Delivery:
    """A non-collection message (e.g. a one-time code to a creditor user). Not gated: it is
    not contact with a debtor; audited with the masked recipient."""
    if channel not in ("email", "sms"):
        raise ValidationFailed(
            "事务性消息只能通过电子邮件或短信发送。",
            "Transactional messages go by e-mail or SMS only.",
            code="unknown_channel",
            details={"channel": channel},
        )
    to_hash, to_masked = recipient_key(channel, to)
    adapter = adapter_for(channel)
    message = Message(to=to, body=body, subject=subject, template="transactional")
    with transaction.atomic():
        delivery = adapter.send(None, message)
        row = TransactionalMessage.objects.create(
            channel=channel,
            to_hash=to_hash,
            to_masked=to_masked,
            subject=subject[:200],
            provider_ref=delivery.provider_ref[:100],
        )
        audit_record(
            actor=None,
            organisation=None,
            action="contact.transactional",
            obj=row,
            after={"channel": channel, "to": to_masked, "subject": row.subject},
        )
    return delivery
