"""One-time codes for signing and identity checks.

``otp_issue`` makes a six-digit code with :mod:`secrets`, stores only its HMAC-SHA256 (keyed
with ``SECRET_KEY`` and bound to purpose and subject), hands the clear code to ``deliver``
(an e-mail or SMS adapter chosen by the caller) and audits the issue. ``otp_verify`` checks a
code in constant time against the newest live code for the purpose and subject. A code lives
ten minutes, allows five wrong tries (then it is locked) and can be used once. Issuing a new
code retires older unused ones for the same purpose and subject.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from qingqian.accounts.models import OneTimeCode
from qingqian.audit.services import audit_record
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, ValidationFailed

OTP_TTL = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_DIGITS = 6
#: Codes issued per person (the subjects given as ``throttle_subjects``) in one hour.
OTP_MAX_PER_HOUR = 5


class OtpError(ValidationFailed):
    """A one-time code was refused (``otp_wrong``, ``otp_expired``, ``otp_locked``,
    ``otp_used``, ``otp_missing``, ``otp_invalid_request``)."""

    code = "otp_error"


def _digest(purpose: str, subject: str, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    msg = f"qingqian-otp\x1f{purpose}\x1f{subject}\x1f{code}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _check_request(purpose: str, subject: str) -> None:
    if not purpose or not subject or len(purpose) > 40 or len(subject) > 200:
        raise OtpError(
            "验证码请求无效：用途或对象缺失或过长。",
            "Invalid code request: purpose or subject missing or too long.",
            code="otp_invalid_request",
        )


def otp_issue(
    *,
    purpose: str,
    subject: str,
    deliver: Callable[[str], None],
    throttle_subjects: list[str] | None = None,
) -> OneTimeCode:
    """Issue a code, deliver it once in clear, and return the stored row (digest only).

    If ``deliver`` raises, nothing is kept: the row and its audit entry roll back. At most
    :data:`OTP_MAX_PER_HOUR` codes go to one person in an hour: counted over
    ``throttle_subjects`` (every subject that reaches the same person; default ``subject``),
    then ``otp_rate_limited`` (429) — nothing is sent (security finding 6).
    """
    _check_request(purpose, subject)
    code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
    now = clock.now()
    recent = OneTimeCode.objects.filter(
        purpose=purpose,
        subject__in=throttle_subjects or [subject],
        created_at__gt=now - dt.timedelta(hours=1),
    ).count()
    if recent >= OTP_MAX_PER_HOUR:
        raise OtpError(
            f"验证码发送过于频繁：每小时最多 {OTP_MAX_PER_HOUR} 次，请稍后再试。",
            f"Too many codes: at most {OTP_MAX_PER_HOUR} an hour; try again later.",
            code="otp_rate_limited",
            status=429,
            details={"limit_per_hour": OTP_MAX_PER_HOUR},
        )
    with transaction.atomic():
        # Older live codes for the same purpose and subject stop working.
        OneTimeCode.objects.filter(
            purpose=purpose, subject=subject, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = OneTimeCode.objects.create(
            purpose=purpose,
            subject=subject,
            digest=_digest(purpose, subject, code),
            created_at=now,
            expires_at=now + OTP_TTL,
        )
        audit_record(
            actor=None,
            organisation=None,
            action="otp.issue",
            obj=row,
            after={
                "purpose": purpose,
                "subject": subject,
                "expires_at": row.expires_at.isoformat(),
            },
        )
        deliver(code)
    return row


def otp_verify(*, purpose: str, subject: str, code: str) -> OneTimeCode:
    """Accept ``code`` for the newest code issued for ``purpose``/``subject`` and mark it used.

    Raises :class:`OtpError` (bilingual) when no code was issued, it expired, it is locked
    after five wrong tries, it was already used, or the code is wrong (saying how many tries
    remain). Wrong tries are counted even though the error propagates.
    """
    _check_request(purpose, subject)
    now = clock.now()
    error: ApplicationError | None = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(purpose=purpose, subject=subject)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            raise OtpError(
                "尚未发送验证码，请先获取验证码。",
                "No code has been sent; request a code first.",
                code="otp_missing",
            )
        if row.used_at is not None:
            raise OtpError(
                "该验证码已使用，请重新获取。",
                "This code has already been used; request a new one.",
                code="otp_used",
            )
        if row.locked_at is not None or row.attempts >= OTP_MAX_ATTEMPTS:
            raise OtpError(
                "错误次数过多，验证码已锁定，请重新获取。",
                "Too many wrong attempts: the code is locked; request a new one.",
                code="otp_locked",
            )
        if row.expires_at <= now:
            raise OtpError(
                "验证码已过期（有效期 10 分钟），请重新获取。",
                "The code has expired (valid for 10 minutes); request a new one.",
                code="otp_expired",
            )
        given = (code or "").strip()
        if hmac.compare_digest(_digest(purpose, subject, given), row.digest):
            row.used_at = now
            row.save(update_fields=["used_at"])
            audit_record(
                actor=None,
                organisation=None,
                action="otp.verify",
                obj=row,
                after={"purpose": purpose, "subject": subject},
            )
            return row
        row.attempts += 1
        left = OTP_MAX_ATTEMPTS - row.attempts
        if left <= 0:
            row.locked_at = now
            error = OtpError(
                "验证码错误，错误次数已达 5 次，验证码已锁定，请重新获取。",
                "Wrong code; 5 wrong attempts: the code is now locked; request a new one.",
                code="otp_locked",
                details={"attempts_left": 0},
            )
        else:
            error = OtpError(
                f"验证码错误，还可尝试 {left} 次。",
                f"Wrong code; {left} attempt(s) left.",
                code="otp_wrong",
                details={"attempts_left": left},
            )
        row.save(update_fields=["attempts", "locked_at"])
        audit_record(
            actor=None,
            organisation=None,
            action="otp.wrong",
            obj=row,
            after={"purpose": purpose, "subject": subject, "attempts": row.attempts},
        )
    raise error


def typed_name_clean(typed_name: str | None) -> str:
    """The signatory's typed name with its spaces collapsed (a name typed to sign together
    with a one-time code); ``typed_name_required`` if empty or over 100 characters."""
    name = " ".join((typed_name or "").split())
    if not name or len(name) > 100:
        raise ValidationFailed(
            "请输入签署人姓名（不超过 100 字）。",
            "Type the signatory's name (at most 100 characters).",
            code="typed_name_required",
            details={"field": "typed_name"},
        )
    return name
