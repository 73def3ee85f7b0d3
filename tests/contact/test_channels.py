"""Channels: nothing is sent without an allowed, fresh, unused decision for that recipient."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import time_machine

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.channels import deliver, render_message, send_transactional
from qingqian.contact.channels.base import use_adapter
from qingqian.contact.channels.letter import LetterAdapter
from qingqian.contact.channels.sms import AliyunSmsAdapter, sign
from qingqian.contact.models import ContactPolicy, TransactionalMessage
from qingqian.contact.presets import US_REG_F
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_place,
    contact_system_actor,
)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
TEN_AM = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
CTX = {
    "firm": "测试调解中心",
    "name": "姑苏文旅",
    "amount": "20000.50",
    "reference": "TEST-2026-000001",
    "phone": "0512-00000000",
    "creditor": "苏州园区精密电子",
}


class FakeAliyunSms:
    """An in-process stand-in for the SendSms endpoint: it checks the signature like the
    provider does and answers in its JSON shape."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.calls: list[dict[str, str]] = []

    def __call__(self, url: str, params: dict[str, str]) -> Mapping[str, Any]:
        body = dict(params)
        given = body.pop("Signature")
        if sign(body, self.secret) != given:
            return {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        if body["Action"] != "SendSms" or not body["TemplateCode"]:
            return {"Code": "isv.INVALID_PARAMETERS", "Message": "bad request"}
        self.calls.append(params)
        return {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.calls)}"}


@pytest.fixture
def fake_sms() -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms("s3cret")
    adapter = AliyunSmsAdapter(
        access_key_id="LTAI-test",
        access_key_secret="s3cret",
        sign_name="清欠",
        templates={"reminder": "SMS_000001"},
        transport=fake,
    )
    with use_adapter("sms", adapter):
        yield fake


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp(settings: Any) -> Iterator[list[Any]]:
    """A real SMTP server on loopback (aiosmtpd) behind Django's SMTP backend."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "notice@qingqian.localhost"
    try:
        yield received
    finally:
        controller.stop()


def use_us_policy() -> None:
    ContactPolicy.objects.create(
        name="cn-default", version=2, data=US_REG_F.to_dict() | {"name": "cn-default", "version": 2}
    )


@time_machine.travel(TEN_AM, tick=False)
def test_sms_goes_out_signed_once_per_decision(
    case: Any, debtor: Any, org: Any, fake_sms: FakeAliyunSms
) -> None:
    robot = contact_system_actor(organisation=org)
    attempt = contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, number="13912345678"
    )
    msg = render_message(attempt, template="reminder", context=CTX, to="13912345678")
    delivery = deliver(attempt, msg)
    assert delivery.provider_ref == "biz-1"
    sent = fake_sms.calls[0]
    assert sent["PhoneNumbers"] == "13912345678"
    assert sent["TemplateCode"] == "SMS_000001"
    assert "20000.50" in sent["TemplateParam"]
    with pytest.raises(ApplicationError) as exc:
        deliver(attempt, msg)
    assert exc.value.code == "contact_already_used"
    assert len(fake_sms.calls) == 1
    audit = AuditEvent.objects.get(action="contact.deliver", object_id=str(attempt.pk))
    assert "13912345678" not in str(audit.after)


@time_machine.travel(TEN_AM, tick=False)
def test_deliver_refuses_without_an_allowed_fresh_decision(
    case: Any, debtor: Any, org: Any, fake_sms: FakeAliyunSms
) -> None:
    robot = contact_system_actor(organisation=org)
    contact_hold_place(case=case, party=debtor, kind="cease", actor=None)
    denied = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
    assert not denied.allowed
    with pytest.raises(ApplicationError) as exc:
        deliver(denied, render_message(denied, template="reminder", context=CTX, to="13912345678"))
    assert exc.value.code == "contact_not_authorised"
    assert fake_sms.calls == []


def test_deliver_refuses_stale_other_recipient_and_later_hold(
    case: Any, debtor: Any, org: Any, fake_sms: FakeAliyunSms
) -> None:
    robot = contact_system_actor(organisation=org)
    with time_machine.travel(TEN_AM, tick=False):
        a = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
        other = render_message(a, template="reminder", context=CTX, to="13800000000")
        with pytest.raises(ApplicationError) as exc:
            deliver(a, other)
        assert exc.value.code == "recipient_not_authorised"
    with time_machine.travel(TEN_AM + dt.timedelta(hours=1), tick=False):
        msg = render_message(a, template="reminder", context=CTX, to="13912345678")
        with pytest.raises(ApplicationError) as exc:
            deliver(a, msg)
        assert exc.value.code == "contact_decision_stale"
        b = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
    with time_machine.travel(TEN_AM + dt.timedelta(hours=1, minutes=1), tick=False):
        contact_hold_place(case=case, party=debtor, kind="vulnerability", actor=None)
        with pytest.raises(ApplicationError) as exc:
            deliver(b, render_message(b, template="reminder", context=CTX, to="13912345678"))
        assert exc.value.code == "contact_hold_since"
        c = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
        assert not c.allowed  # the vulnerability hold is in force
    assert fake_sms.calls == []


def test_case_wide_hold_after_the_decision_stops_delivery(
    case: Any, debtor: Any, org: Any, fake_sms: FakeAliyunSms
) -> None:
    robot = contact_system_actor(organisation=org)
    with time_machine.travel(TEN_AM, tick=False):
        a = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
    with time_machine.travel(TEN_AM + dt.timedelta(minutes=1), tick=False):
        contact_hold_place(case=case, party=None, kind="complaint", actor=None)
        with pytest.raises(ApplicationError) as exc:
            deliver(a, render_message(a, template="reminder", context=CTX, to="13912345678"))
        assert exc.value.code == "contact_hold_since"
    assert fake_sms.calls == []


@time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
def test_email_over_real_smtp_carries_the_opt_out_line_when_the_policy_asks(
    case: Any, debtor: Any, org: Any, smtp: list[Any]
) -> None:
    use_us_policy()
    # us-reg-f judges the hours in the party's zone: 10:00 in New York (23:00 in Shanghai).
    debtor.timezone = "America/New_York"
    debtor.save(update_fields=["timezone"])
    robot = contact_system_actor(organisation=org)
    a = contact_attempt_authorize(
        case=case, party=debtor, channel="email", actor=robot, number="Debtor@Example.com"
    )
    assert a.allowed, a.reasons
    msg = render_message(
        a, template="reminder", context=CTX, to="debtor@example.com", subject="还款提醒"
    )
    assert msg.opt_out_line and msg.opt_out_line in msg.body
    # A hand-made message without the line is refused under this policy.
    bare = msg.__class__(to=msg.to, body="付钱", subject="x")
    with pytest.raises(ApplicationError) as exc:
        deliver(a, bare)
    assert exc.value.code == "opt_out_line_missing"
    deliver(a, msg)
    assert len(smtp) == 1
    envelope = smtp[0]
    assert envelope.rcpt_tos == ["debtor@example.com"]
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert parsed["Subject"] == "还款提醒"
    text = parsed.get_content()
    assert "UNSUBSCRIBE" in text and "TEST-2026-000001" in text


@time_machine.travel(TEN_AM, tick=False)
def test_cn_default_sms_has_no_opt_out_line(case: Any, debtor: Any, org: Any) -> None:
    robot = contact_system_actor(organisation=org)
    a = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot)
    assert render_message(a, template="reminder", context=CTX, to="13912345678").opt_out_line == ""


@time_machine.travel(TEN_AM, tick=False)
def test_legal_notice_letter_under_cease_hold_is_a_pdf(case: Any, debtor: Any, org: Any) -> None:
    from pypdf import PdfReader

    contact_hold_place(case=case, party=debtor, kind="cease", actor=None)
    robot = contact_system_actor(organisation=org)
    address = "苏州市姑苏区人民路 1 号"
    a = contact_attempt_authorize(
        case=case,
        party=debtor,
        channel="letter",
        actor=robot,
        number=address,
        purpose="legal_notice",
    )
    assert a.allowed
    msg = render_message(a, template="legal_notice", context=CTX, to=address, subject="律师函")
    with use_adapter("letter", LetterAdapter()):
        delivery = deliver(a, msg)
    assert delivery.document is not None and delivery.document.startswith(b"%PDF")
    import io

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(delivery.document)).pages)
    assert "TEST-2026-000001" in text


def test_voice_and_visit_have_nothing_to_deliver(case: Any, debtor: Any, users: Any) -> None:
    with time_machine.travel(TEN_AM, tick=False):
        a = contact_attempt_authorize(
            case=case, party=debtor, channel="voice", actor=users["collector"]
        )
        with pytest.raises(ApplicationError) as exc:
            deliver(a, render_message(a, template="reminder", context=CTX, to="13912345678"))
    assert exc.value.code == "channel_not_deliverable"


def test_transactional_message_skips_the_gate_but_is_audited(fake_sms: FakeAliyunSms) -> None:
    delivery = send_transactional("sms", "13700001234", "", "验证码 123456，5 分钟内有效")
    assert delivery.provider_ref == "biz-1"
    row = TransactionalMessage.objects.get()
    assert "13700001234" not in row.to_masked
    audit = AuditEvent.objects.get(action="contact.transactional")
    assert audit.after["to"] == row.to_masked
    with pytest.raises(ApplicationError):
        send_transactional("robot", "13700001234", "", "x")


def test_sms_signature_matches_the_documented_algorithm() -> None:
    # Alibaba Cloud's RPC signature v1 over a fixed request (values chosen here).
    params = {"AccessKeyId": "testid", "Action": "SendSms", "Timestamp": "2026-03-02T02:00:00Z"}
    query = "AccessKeyId=testid&Action=SendSms&Timestamp=2026-03-02T02%3A00%3A00Z"
    import base64
    import hashlib
    import hmac

    to_sign = "POST&%2F&" + urllib.parse.quote(query, safe="~")
    expected = base64.b64encode(
        hmac.new(b"testsecret&", to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert sign(params, "testsecret") == expected


@time_machine.travel(TEN_AM, tick=False)
def test_messages_and_robot_scripts_in_the_debtors_own_dialect(
    case: Any, debtor: Any, org: Any
) -> None:
    from qingqian.contact.channels.voice import RobotCallAdapter
    from qingqian.mediation.models import DebtorProfile

    robot = contact_system_actor(organisation=org)

    def sms() -> Any:
        a = contact_attempt_authorize(
            case=case, party=debtor, channel="sms", actor=robot, number="13912345678"
        )
        return render_message(a, template="reminder", context=CTX, to="13912345678")

    # a registered place alone does not change the written language
    plain = sms()
    assert plain.dialect == "" and "贵方尚有应付款项" in plain.body
    DebtorProfile.objects.create(party=debtor, locality="昆山市/周市镇", dialect="kunshan")
    wu = sms()
    assert wu.dialect == "kunshan" and "侬还有 20000.50 元款子" in wu.body
    assert wu.opt_out_line == plain.opt_out_line  # what the policy asks for, as in Mandarin
    # the robot reads the Kunshan script and the provider is told which voice to use
    sent: list[bytes] = []

    def transport(url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        sent.append(body)
        return {"call_id": "call-1"}

    call = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, number="13912345678"
    )
    msg = render_message(call, template="robot_script", context=CTX, to="13912345678")
    assert "侬现在方便讲两句伐" in msg.body and "录音" in msg.body and "转人工" in msg.body
    adapter = RobotCallAdapter(url="https://voice.test/calls", transport=transport)
    with use_adapter("robot", adapter):
        deliver(call, msg)
    assert b'"dialect": "kunshan"' in sent[0]
    # a dialect with no script of its own falls back to the plain one
    DebtorProfile.objects.filter(party=debtor).update(dialect="shanghai")
    assert sms().dialect == ""
