from __future__ import annotations

import secrets

from django.db import transaction

from qingqian.accounts.models import ApiToken, User
from qingqian.common import clock
from qingqian.compliance.services import audit_record

TOKEN_PREFIX = "qq_"  # noqa: S105 (a public prefix, not a secret)


@transaction.atomic
def api_token_create(*, user: User, name: str = "cli", actor: User | None = None) -> str:
    """Create a token for ``user`` and return it in clear (the only time it is visible)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name, prefix=token[:10], digest=ApiToken.digest_of(token)
    )
    audit_record(
        actor=actor,
        organisation=user.organisation,
        action="api_token.create",
        obj=row,
        after={"user": user.username, "name": name, "prefix": row.prefix},
    )
    return token


def api_token_authenticate(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=clock.now())
    return row.user
