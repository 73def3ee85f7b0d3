from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q

from qingqian.accounts.models import ApiToken, User
from qingqian.audit.services import audit_record
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed

TOKEN_PREFIX = "qq_"  # noqa: S105 (a public prefix, not a secret)
#: A token's ``last_used_at`` is written at most this often (it shows in the admin as a minute).
TOKEN_USE_RECORDED_EVERY = dt.timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str = "cli",
    actor: User | None = None,
    days: int | None = None,
    scope: str = "write",
) -> str:
    """Create a token for ``user`` and return it in clear (the only time it is visible).

    It expires after ``days`` (default ``QINGQIAN_API_TOKEN_DAYS``) and has a ``scope``:
    ``read`` (safe methods only) or ``write``."""
    from django.conf import settings

    if scope not in ("read", "write"):
        raise ValidationFailed(
            f"未知的令牌范围：{scope}", f"Unknown token scope: {scope}", code="token_scope"
        )
    days = settings.QINGQIAN_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3660:
        raise ValidationFailed(
            "令牌有效期须为 1–3660 天。", "A token lasts 1 to 3660 days.", code="token_days"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[:10],
        digest=ApiToken.digest_of(token),
        expires_at=clock.now() + dt.timedelta(days=days),
        scope=scope,
    )
    audit_record(
        actor=actor,
        organisation=user.organisation,
        action="api_token.create",
        obj=row,
        after={
            "user": user.username,
            "name": name,
            "prefix": row.prefix,
            "scope": scope,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        },
    )
    return token


def api_token_lookup(token: str) -> ApiToken | None:
    """The live token row (not revoked, not expired, its user active), or ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = clock.now()
    row = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    last = row.last_used_at
    if last is None or not dt.timedelta(0) <= now - last < TOKEN_USE_RECORDED_EVERY:
        # "Last used" to the minute: a busy client does not write the row on every call.
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


_NO_TOKEN = object()


def request_token(request: Any) -> ApiToken | None:
    """The live token the request presents as ``Authorization: Bearer <token>``, read once per
    request: the access middleware and the API's authentication both ask, and both get the
    same row from one look-up."""
    cached = getattr(request, "_qingqian_api_token", _NO_TOKEN)
    if cached is not _NO_TOKEN:
        return cached  # type: ignore[return-value]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    row = api_token_lookup(token) if scheme.lower() == "bearer" and token else None
    request._qingqian_api_token = row
    return row
