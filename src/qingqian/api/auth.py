from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from qingqian.accounts.services import request_token
from qingqian.common.exceptions import PermissionDenied


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` with a per-user token from ``qingqian token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = request_token(request)
        if row is None:
            return None
        if row.scope == "read" and request.method not in ("GET", "HEAD", "OPTIONS"):
            raise PermissionDenied(
                "此令牌只读。", "This token may only read.", code="token_read_only"
            )
        request.user = row.user
        return row.user


class StaffSession(SessionAuth):
    """The logged-in web session (CSRF-checked), so the staff UI can call the API too."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None
