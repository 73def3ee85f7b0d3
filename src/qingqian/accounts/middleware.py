"""Hold signed-in staff to their second factor (``accounts.twofactor``).

After the password, a user who must use two-factor authentication (their role is in
``settings.QINGQIAN_2FA_REQUIRED_ROLES``) or who has enrolled an authenticator reaches no
page, no htmx partial, no session-authenticated API call and no Django admin page until a
code has been verified in this session (``request.user.is_verified()``, set by django-otp's
``OTPMiddleware``). Pages are redirected to the verification page (or, for a required role
without an authenticator, to the enrolment page); API calls are answered 403
``two_factor_required``. Bearer-token API calls are not sessions: a token is its own
credential, issued on the server (``qingqian token``).

A user who needs nothing is remembered in the session, so ordinary staff pay one query per
session, not per request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from qingqian.common import clock

#: Views a signed-in but unverified user may still use.
ALLOWED_UNVERIFIED = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "account:twofactor_verify",
        "account:twofactor_enrol",
        "admin:logout",
        "account:password_reset",
        "account:password_reset_done",
        "account:password_reset_confirm",
        "account:password_reset_complete",
        "healthz",
        "readyz",
    }
)
SESSION_NOT_NEEDED = "qingqian_2fa_not_needed"


def needs_second_factor(request: HttpRequest) -> bool:
    """Whether this signed-in request must still verify a second factor."""
    from qingqian.accounts import twofactor

    user: Any = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    if twofactor.required_for(user):
        return True
    if request.session.get(SESSION_NOT_NEEDED) == user.pk:
        return False
    if twofactor.is_enrolled(user):
        return True
    request.session[SESSION_NOT_NEEDED] = user.pk
    return False


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name in ALLOWED_UNVERIFIED:
            return None
        if match.namespaces[:1] == ["api"] and request.headers.get("Authorization"):
            return None  # a bearer token, not the session
        if not needs_second_factor(request):
            return None
        if match.namespaces[:1] == ["api"]:
            body = {
                "code": "two_factor_required",
                "message": "请先完成两步验证。 / Verify your second factor first.",
                "details": {},
            }
            return HttpResponse(
                json.dumps(body, ensure_ascii=False), status=403, content_type="application/json"
            )
        from qingqian.accounts import twofactor

        user: Any = request.user
        target = (
            "account:twofactor_verify" if twofactor.is_enrolled(user) else "account:twofactor_enrol"
        )
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        url = reverse(target) + (f"?{query}" if query else "")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


#: Where the session keeps when its idle clock was last renewed (seconds since the epoch).
SESSION_RENEWED = "qingqian_renewed"


class IdleSessionMiddleware:
    """Sessions end after ``SESSION_COOKIE_AGE`` idle seconds; activity renews the clock.

    Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) would cost every
    page a write to the session table and a commit. Instead the expiry is pushed forward at
    most once per ``QINGQIAN_SESSION_RENEW_SECONDS`` (60 by default): a session then ends
    between ``SESSION_COOKIE_AGE - 60`` and ``SESSION_COOKIE_AGE`` seconds after its last
    request. Sits just below ``SessionMiddleware``, which does the saving.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(clock.now().timestamp())
        last = session.get(SESSION_RENEWED)
        every = settings.QINGQIAN_SESSION_RENEW_SECONDS
        if session.modified or not isinstance(last, int) or not 0 <= now - last < every:
            session[SESSION_RENEWED] = now  # marks it modified: SessionMiddleware saves it
        return response
