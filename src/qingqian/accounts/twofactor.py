"""Two-factor authentication for staff: a TOTP authenticator plus single-use backup codes.

The second factor rides on django-otp: a confirmed ``TOTPDevice`` (RFC 6238, 30 s, six
digits) per user, and a ``StaticDevice`` holding the backup codes. Backup codes are never kept
in clear: the ``StaticToken`` holds the first 16 hex digits of an HMAC-SHA256 of the code,
keyed with ``SECRET_KEY`` and bound to the user, so a copy of the database does not reveal a
usable code. Both devices throttle wrong codes (django-otp: after n failures in a row the next
try waits 2^(n-1) seconds, kept in the database, so signing in again does not reset it).

Who must: the roles in ``settings.QINGQIAN_2FA_REQUIRED_ROLES`` (administrators and
compliance officers by default) cannot use any page until they have enrolled and verified a
code in this session (``accounts.middleware.TwoFactorMiddleware``). Anyone else may enrol;
once enrolled, they are asked for a code at every sign-in as well.

Every enrolment, verification, failure, new set of backup codes and removal is audited
(``twofactor.*``); the audit rows never hold a code or the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qingqian.audit.services import audit_record
from qingqian.common.exceptions import ValidationFailed

if TYPE_CHECKING:
    from qingqian.accounts.models import User

BACKUP_CODE_COUNT = 10
# Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): about 49 bits each.
_BACKUP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_BACKUP_LENGTH = 10
DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


class TwoFactorError(ValidationFailed):
    """A second-factor step was refused (``twofactor_wrong``, ``twofactor_throttled``,
    ``twofactor_not_enrolled``, ``twofactor_required``, ``twofactor_no_enrolment``)."""

    code = "twofactor_error"


def required_for(user: User) -> bool:
    """Whether the user's role must use a second factor."""
    return bool(user.is_authenticated and user.role in settings.QINGQIAN_2FA_REQUIRED_ROLES)


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(code: str) -> str:
    """The code as typed, without spaces, dashes and case (``"AB3D5-fg7hk"`` → ``"ab3d5fg7hk"``)."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:32]


def _backup_token(user: User, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    msg = f"qingqian-2fa-backup\x1f{user.pk}\x1f{normalise_code(code)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:16]


def _audit(user: User, action: str, **after: Any) -> None:
    audit_record(
        actor=user, organisation=user.organisation, action=action, obj=user, after=after or None
    )


def enrolment_start(user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator secret for the user (earlier unconfirmed ones go).

    Nothing changes for a user already enrolled until the new one is confirmed with a code.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        _audit(user, "twofactor.enrol_start", device=device.pk)
    return device


def pending_enrolment(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _throttled(device: TOTPDevice | StaticDevice) -> TwoFactorError | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    data = data or {}
    until = data.get("locked_until")
    wait = 0
    if until is not None:
        from django.utils import timezone

        wait = max(1, int((until - timezone.now()).total_seconds()) + 1)
    return TwoFactorError(
        f"错误次数过多，请 {wait} 秒后再试。",
        f"Too many wrong codes; try again in {wait} seconds.",
        code="twofactor_throttled",
        status=429,
        details={"retry_after_seconds": wait, "failures": data.get("failure_count", 0)},
    )


def _wrong(user: User, action_detail: str) -> TwoFactorError:
    _audit(user, "twofactor.failure", step=action_detail)
    return TwoFactorError(
        "验证码错误，请重新输入。",
        "Wrong code; please try again.",
        code="twofactor_wrong",
    )


def enrolment_confirm(user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from it; returns it and new backup codes.

    A previous authenticator and its backup codes are replaced. A wrong code is audited and
    refused (``twofactor_wrong``), and counts towards the throttle.
    """
    device = pending_enrolment(user)
    if device is None:
        raise TwoFactorError(
            "没有待确认的验证器，请重新开始绑定。",
            "No authenticator is waiting to be confirmed; start the enrolment again.",
            code="twofactor_no_enrolment",
        )
    error = _throttled(device)
    if error is not None:
        _audit(user, "twofactor.failure", step="enrol", throttled=True)
        raise error
    given = normalise_code(code)
    if not (given.isdigit() and device.verify_token(given)):
        raise _wrong(user, "enrol")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit(user, "twofactor.enrol", device=device.pk)
        codes = _backup_codes_replace(user)
    return device, codes


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(_BACKUP_LENGTH))
        for _ in range(BACKUP_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=backup, token=_backup_token(user, c)) for c in codes]
    )
    _audit(user, "twofactor.backup_codes", count=len(codes))
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def backup_codes_regenerate(user: User) -> list[str]:
    """A new set of backup codes (the old ones stop working); needs an authenticator."""
    if not is_enrolled(user):
        raise TwoFactorError(
            "请先绑定验证器。",
            "Enrol an authenticator first.",
            code="twofactor_not_enrolled",
        )
    with transaction.atomic():
        return _backup_codes_replace(user)


def verify(user: User, code: str) -> TOTPDevice | StaticDevice:
    """Check a code from the authenticator (six digits) or a backup code (used up).

    Returns the device that accepted it (for ``django_otp.login``); raises
    :class:`TwoFactorError` when throttled (429) or wrong (422), both audited.
    """
    device = authenticator(user)
    if device is None:
        raise TwoFactorError(
            "尚未绑定验证器。",
            "No authenticator is enrolled.",
            code="twofactor_not_enrolled",
        )
    given = normalise_code(code)
    if given.isdigit() and len(given) == device.digits:
        error = _throttled(device)
        if error is not None:
            _audit(user, "twofactor.failure", step="verify", throttled=True)
            raise error
        if device.verify_token(given):
            _audit(user, "twofactor.verify", method="totp")
            return device
        raise _wrong(user, "verify")
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if backup is None or len(given) != _BACKUP_LENGTH:
        if backup is not None:
            backup.throttle_increment()
        raise _wrong(user, "backup")
    error = _throttled(backup)
    if error is not None:
        _audit(user, "twofactor.failure", step="backup", throttled=True)
        raise error
    if backup.verify_token(_backup_token(user, given)):
        _audit(user, "twofactor.verify", method="backup", left=backup_codes_left(user))
        return backup
    raise _wrong(user, "backup")


def disable(user: User) -> None:
    """Remove the authenticator and backup codes; refused for roles that must use them."""
    if required_for(user):
        raise TwoFactorError(
            "您的角色必须使用两步验证，不能关闭；如需更换手机，请重新绑定。",
            "Your role must use two-factor authentication; to change phones, enrol again.",
            code="twofactor_required",
            status=403,
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _audit(user, "twofactor.disable")


def enrol_with_secret(user: User, key_hex: str, *, actor: User | None = None) -> TOTPDevice:
    """Enrol ``user`` with a given secret (the demo's published one; tests). Audited."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key_hex, confirmed=True)
        audit_record(
            actor=actor,
            organisation=user.organisation,
            action="twofactor.enrol",
            obj=user,
            after={"device": device.pk, "source": "given_secret"},
        )
    return device
