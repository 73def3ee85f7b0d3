"""``GET /api/v1/me``: who the token or session belongs to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from qingqian.accounts.http import api_user as _user
from qingqian.common.api_errors import ERRORS

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    role: str
    organisation: str | None
    creditor_id: int | None


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    return {
        "username": user.get_username(),
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
        "creditor_id": user.creditor_id,
    }
