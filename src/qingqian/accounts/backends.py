"""Login lockout (django-axes) for every login that arrives with a request.

django-axes refuses ``authenticate()`` calls without a request; those come from code, not
from a person at a login form (a shell, a script, a test), so they skip the lockout
count and go on to the ordinary model backend. Every web and admin login passes its request
and is counted (security finding 6).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
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
