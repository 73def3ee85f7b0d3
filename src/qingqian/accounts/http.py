"""Who is asking: the user of a staff page or of an API call, as the interfaces need it.

One definition each (there were 26 copies): the access middleware and the API's
authentication have already let the request through, so a missing user here is a
programming error, not a refusal.
"""

from __future__ import annotations

from django.http import HttpRequest

from qingqian.accounts.models import User


def staff_user(request: HttpRequest) -> User:
    """The signed-in user of a staff page."""
    user = request.user
    assert isinstance(user, User)
    return user


def api_user(request: HttpRequest) -> User:
    """The user an API operation authenticated (bearer token or staff session)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
