"""Robot calls: place a call with the provider; receive its events at a signed webhook.

Outbound: ``RobotCallAdapter.send`` posts the call (number, script, our attempt id) to the
provider, signed like the webhook. Inbound: the provider posts each event (answered,
completed with an outcome, transcript lines) to ``POST /api/v1/contact/calls/{id}/events``
with ``X-Qingqian-Timestamp`` (Unix seconds) and ``X-Qingqian-Signature: sha256=<hex>`` over
``<timestamp>.<attempt id>.<raw body>`` (HMAC-SHA256 with the shared secret). Events older or
newer than five minutes and repeated event ids are refused (replay protection).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, NotFound, ValidationFailed
from qingqian.contact.channels.base import Delivery, Message
from qingqian.contact.models import ContactAttempt, ContactCallEvent
from qingqian.contact.services import contact_outcome_record

TOLERANCE = dt.timedelta(minutes=5)
EVENT_KINDS = frozenset({"queued", "ringing", "answered", "transcript", "completed"})
Transport = Callable[[str, bytes, dict[str, str]], Mapping[str, Any]]


class WebhookRejected(ApplicationError):
    status = 401
    code = "webhook_rejected"


def webhook_secret() -> bytes:
    configured = getattr(settings, "QINGQIAN_VOICE_WEBHOOK_SECRET", "")
    if configured:
        return str(configured).encode()
    return hashlib.sha256(f"voice-webhook:{settings.SECRET_KEY}".encode()).digest()


def signature(secret: bytes, timestamp: str, attempt_id: int | str, body: bytes) -> str:
    mac = hmac.new(secret, f"{timestamp}.{attempt_id}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _http_transport(url: str, body: bytes, headers: dict[str, str]) -> Mapping[str, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        result: Mapping[str, Any] = json.loads(response.read())
        return result


class RobotCallAdapter:
    def __init__(self, *, url: str | None = None, transport: Transport | None = None) -> None:
        self.url = url or getattr(settings, "QINGQIAN_VOICE_PROVIDER_URL", "")
        self.transport = transport or _http_transport

    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery:
        if attempt is None:
            raise ValidationFailed(
                "机器人外呼必须有联系许可。",
                "A robot call needs an allowed attempt.",
                code="contact_not_authorised",
            )
        if not self.url:
            raise ApplicationError(
                "未配置语音机器人服务。",
                "No voice-robot provider is configured.",
                code="voice_not_configured",
                status=502,
            )
        body = json.dumps(
            {
                "call_ref": str(attempt.pk),
                "to": message.to,
                "script": message.body,
                "dialect": message.dialect or "mandarin",
            },
            ensure_ascii=False,
        ).encode()
        ts = str(int(clock.now().timestamp()))
        answer = self.transport(
            self.url,
            body,
            {
                "Content-Type": "application/json",
                "X-Qingqian-Timestamp": ts,
                "X-Qingqian-Signature": signature(webhook_secret(), ts, attempt.pk, body),
            },
        )
        return Delivery(channel="robot", provider_ref=str(answer.get("call_id", "")))


def call_event_receive(
    *, attempt_id: int, body: bytes, timestamp: str, signature_header: str
) -> ContactCallEvent:
    """Verify and store one provider event; a ``completed`` event records the outcome."""
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        raise WebhookRejected(
            "缺少或无效的时间戳。", "Missing or invalid timestamp.", code="webhook_bad_timestamp"
        ) from None
    expected = signature(webhook_secret(), timestamp, attempt_id, body)
    if not hmac.compare_digest(expected, signature_header or ""):
        raise WebhookRejected("签名无效。", "Invalid signature.", code="webhook_bad_signature")
    if abs(clock.now() - sent) > TOLERANCE:
        raise WebhookRejected(
            "时间戳超出允许范围（可能是重放）。",
            "The timestamp is outside the allowed window (a possible replay).",
            code="webhook_stale",
        )
    try:
        data = json.loads(body)
    except ValueError:
        raise ValidationFailed("请求体不是 JSON。", "The body is not JSON.") from None
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是对象。", "The body must be an object.")
    event_id, kind = str(data.get("event_id", "")), str(data.get("kind", ""))
    if not event_id or kind not in EVENT_KINDS:
        raise ValidationFailed(
            "事件需要 event_id 和有效的 kind。",
            "An event needs an event_id and a known kind.",
            code="webhook_bad_event",
            details={"kinds": sorted(EVENT_KINDS)},
        )
    attempt = ContactAttempt.objects.filter(pk=attempt_id, channel="robot", allowed=True).first()
    if attempt is None:
        raise NotFound("通话不存在。", "Call not found.", code="call_not_found")
    try:
        with transaction.atomic():
            event = ContactCallEvent.objects.create(
                attempt=attempt, event_id=event_id[:100], kind=kind, payload=data, sent_at=sent
            )
            if kind == "completed" and not attempt.outcome:
                contact_outcome_record(
                    attempt=attempt, outcome=str(data.get("outcome", "")), at=clock.now()
                )
    except IntegrityError:
        raise WebhookRejected(
            "重复的事件（重放）。", "A repeated event (replay).", code="webhook_replay", status=409
        ) from None
    hook = getattr(settings, "QINGQIAN_CONTACT_TRANSCRIPT_HOOK", "")
    if kind == "transcript" and hook:
        import_string(hook)(event)
    return event
