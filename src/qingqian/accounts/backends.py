"""Login lockout (django-axes) for every login that arrives with a request.

django-axes refuses ``authenticate()`` calls without a request; those come from code, not
from a person at a login form (a shell, a script, a test), so they skip the lockout
count and go on to the ordinary model backend. Every web and admin login passes its request
and is counted (security finding 6). Passwords are then checked by ``StaffModelBackend``.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class StaffModelBackend(ModelBackend):
    """Django's model backend, but a signed-in request loads the user's organisation with the
    user (one join): nearly every page and panel reads ``user.organisation`` to scope its
    queries, which otherwise costs each request a query of its own."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        user = model._default_manager.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
