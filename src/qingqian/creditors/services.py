"""Creditor desk services: add and verify one's own e-mail or mobile for one-time codes,
send a code to a verified one, and the case message thread. Every write is audited."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
from django.core.validators import validate_email
from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.otp import otp_issue, otp_verify
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.cases.services import timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.contact.channels.base import send_transactional
from qingqian.contact.services import recipient_key
from qingqian.creditors.models import CaseMessage, ContactPoint, PointKind

VERIFY_PURPOSE = "contact_point.verify"
MAX_POINTS = 5
MAX_MESSAGE = 2000


def _normalise(kind: str, raw: str) -> str:
    value = (raw or "").strip()
    if kind == PointKind.EMAIL:
        try:
            validate_email(value)
        except Exception:
            raise ValidationFailed(
                "电子邮箱地址格式不正确。",
                "That is not a valid e-mail address.",
                code="email_invalid",
                details={"field": "value"},
            ) from None
        return value.lower()
    if kind == PointKind.MOBILE:
        try:
            number = phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException:
            number = None
        if (
            number is None
            or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
        ):
            raise ValidationFailed(
                "请输入有效的手机号码（验证码以短信发送，固定电话无法接收）。",
                "Enter a valid mobile number (the code goes by text; a landline cannot get it).",
                code="mobile_invalid",
                details={"field": "value"},
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationFailed("未知的地址类型。", "Unknown address kind.", code="point_kind")


def _subject(point: ContactPoint) -> str:
    return f"contact_point:{point.pk}:{point.value_hash[:16]}"


def _send(point: ContactPoint, subject: str, body: str) -> None:
    send_transactional(point.kind, crypto.decrypt(point.value_enc), subject, body)


def contact_point_add(*, user: User, kind: str, value: str) -> ContactPoint:
    """Add (or find again) one of the user's addresses and send it a verification code."""
    normal = _normalise(kind, value)
    value_hash = crypto.lookup_hash(f"point:{kind}:{normal}")
    _, masked = recipient_key(kind, normal)
    with transaction.atomic():
        point = ContactPoint.objects.filter(user=user, kind=kind, value_hash=value_hash).first()
        if point is None:
            if ContactPoint.objects.filter(user=user).count() >= MAX_POINTS:
                raise ValidationFailed(
                    f"最多可登记 {MAX_POINTS} 个地址。",
                    f"At most {MAX_POINTS} addresses.",
                    code="too_many_points",
                )
            point = ContactPoint.objects.create(
                user=user,
                kind=kind,
                value_enc=crypto.encrypt(normal),
                value_hash=value_hash,
                masked=masked,
                created_at=clock.now(),
            )
            audit_record(
                actor=user,
                organisation=user.organisation,
                action="contact_point.add",
                obj=point,
                after={"kind": kind, "masked": masked},
            )
    if point.verified_at is None:
        contact_point_send_verification(user=user, point=point)
    return point


def contact_point_send_verification(*, user: User, point: ContactPoint) -> None:
    point = _own(user, point.pk)
    otp_issue(
        purpose=VERIFY_PURPOSE,
        subject=_subject(point),
        deliver=lambda code: _send(
            point,
            "清欠：验证您的电子邮箱",
            f"清欠（{_org_name(user)}）：您正在验证此地址用于接收签署验证码。"
            f"验证码 {code}，10 分钟内有效。如非本人操作，请忽略。",
        ),
    )


def _org_name(user: User) -> str:
    return user.organisation.name if user.organisation else "清欠"


def _own(user: User, point_id: int) -> ContactPoint:
    point = ContactPoint.objects.filter(pk=point_id, user=user).first()
    if point is None:
        raise ValidationFailed(
            "该地址不存在。", "No such address.", code="point_not_found", status=404
        )
    return point


def contact_point_verify(*, user: User, point_id: int, code: str) -> ContactPoint:
    point = _own(user, point_id)
    otp_verify(purpose=VERIFY_PURPOSE, subject=_subject(point), code=code)
    with transaction.atomic():
        point.verified_at = clock.now()
        point.save(update_fields=["verified_at"])
        audit_record(
            actor=user,
            organisation=user.organisation,
            action="contact_point.verify",
            obj=point,
            after={"kind": point.kind, "masked": point.masked},
        )
    return point


def contact_points_verified(user: User) -> list[ContactPoint]:
    return list(ContactPoint.objects.filter(user=user, verified_at__isnull=False))


def code_send_to_point(
    *, user: User, point_id: int, text: Callable[[str], tuple[str, str]]
) -> Callable[[str], None]:
    """A ``deliver`` for ``otp_issue`` that sends to one of the user's verified addresses;
    ``text(code)`` gives (subject, body). Refused when the address is not verified."""
    point = _own(user, point_id)
    if point.verified_at is None:
        raise ValidationFailed(
            "该地址尚未验证，请先完成验证。",
            "This address is not verified yet; verify it first.",
            code="point_unverified",
        )

    def deliver(code: str) -> None:
        subject, body = text(code)
        _send(point, subject, body)

    return deliver


# --------------------------------------------------------------------------- messages


@in_record_language
def case_message_post(*, case: Case, author: User, body: str) -> CaseMessage:
    """Post to the case's thread. The caller has checked the author may see the case."""
    text = (body or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise ValidationFailed(
            f"请填写留言（不超过 {MAX_MESSAGE} 字）。",
            f"Write a message (at most {MAX_MESSAGE} characters).",
            code="message_length",
            details={"field": "body"},
        )
    with transaction.atomic():
        row = CaseMessage.objects.create(
            case=case,
            author=author,
            from_creditor=author.is_creditor_user,
            body=text,
            created_at=clock.now(),
        )
        timeline_add(
            case=case,
            actor=author,
            kind="message_creditor" if row.from_creditor else "message_staff",
            note=("债权人留言" if row.from_creditor else "经办方回复") + f"（{len(text)} 字）",
        )
        audit_record(
            actor=author,
            organisation=case.organisation,
            action="case_message.post",
            obj=row,
            after={"case": case.pk, "from_creditor": row.from_creditor, "chars": len(text)},
        )
    return row


def case_messages(case: Case) -> list[CaseMessage]:
    return list(CaseMessage.objects.filter(case=case).select_related("author"))
