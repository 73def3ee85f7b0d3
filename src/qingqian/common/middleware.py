"""Request ids (every request gets one, or keeps a sane ``X-Request-ID``; audit rows cite it),
the working language, the error boundary and security headers. Route access is checked in
``qingqian.accounts.middleware`` (common sits below accounts)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("qingqian_request_id", default="")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str) -> None:
    """For commands and tasks: audit rows written outside a request cite this id."""
    _request_id.set(value)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class SystemJobBoundaryMiddleware:
    """A request acts as its user, never as a platform job declared around it
    (``common.system``): whatever called the handler, the view runs with no job declared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from qingqian.common.system import no_system_job

        with no_system_job():
            return self.get_response(request)


class ChineseFirstMiddleware:
    """Chinese unless the user chose otherwise: ignore the browser's Accept-Language.

    Staff of a Chinese firm often run English-locale browsers; the working language is
    Chinese, and English is an explicit choice (the switch in the header sets a cookie, which
    Django's LocaleMiddleware reads first). See docs/decisions/0001-chinese-source-strings.md.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


_API_PREFIX = "/api/"


class ErrorBoundaryMiddleware:
    """What a client can cause never answers 500.

    * An id in the URL above 2^63−1 is simply not found (404) before any view runs.
    * A value that overflows a column or Python's arithmetic below a view (``OverflowError``,
      the database's ``DataError``) answers 422 ``value_out_of_range``.
    * An :class:`ApplicationError` that escapes a staff page (an out-of-scope case looked up
      outside the view's own ``try``) answers its own status with the error page.

    Under ``/api/`` the answer has the API's error format. Inputs are checked in
    ``common.bounds`` first; this is the net under that check, so the class stays closed for
    routes added later too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: object,
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> HttpResponse | None:
        from qingqian.common.bounds import ID_MAX

        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > ID_MAX:
                return self._answer(request, 404, "not_found", "资源不存在。 / Not found.")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import DataError

        from qingqian.common.exceptions import ApplicationError

        if isinstance(exception, ApplicationError):
            if not request.path.startswith(_API_PREFIX) and exception.status not in (403, 404):
                return _page_error(request, exception)
            from django.utils.translation import get_language

            message = (
                exception.message
                if request.path.startswith(_API_PREFIX)
                else exception.message_for(get_language())
            )
            return self._answer(request, exception.status, exception.code, message)
        if isinstance(exception, OverflowError | DataError):
            return self._answer(
                request, 422, "value_out_of_range", "数值超出允许范围。 / A value is out of range."
            )
        return None

    @staticmethod
    def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        if request.path.startswith(_API_PREFIX):
            from django.http import JsonResponse

            body = {"code": code, "message": message, "details": {}}
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        from django.shortcuts import render

        if status == 404:
            return render(request, "web/not_found.html", status=404)
        if status == 403:
            return render(request, "web/forbidden.html", {"reason": message}, status=403)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _page_error(request: HttpRequest, exc: Any) -> HttpResponse:
    """The one answer of the staff pages to a refused action (an :class:`ApplicationError`
    a view lets through): a form that was posted goes back where it came from with the
    reason as a message in the user's language, so nothing the user sees is half-done; a page
    that was asked for shows the reason with the error's code and its status. A view needs
    no ``try`` of its own unless it answers differently."""
    from django.contrib import messages
    from django.shortcuts import redirect, render
    from django.utils.http import url_has_allowed_host_and_scheme
    from django.utils.translation import get_language

    text = exc.message_for(get_language())
    back = request.POST.get("next") or request.headers.get("Referer", "")
    safe = back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST" and safe and not htmx:
        messages.error(request, text)
        return redirect(back)
    return render(
        request,
        "web/error.html",
        {"message": text, "code": exc.code, "back": back if safe else ""},
        status=exc.status,
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (settings
    ``QINGQIAN_CSP`` and ``QINGQIAN_PERMISSIONS_POLICY``; a view's own header wins).

    The staff UI and the portal load scripts and styles from this origin only (htmx from
    static files, its indicator styles off), so the policy needs no ``unsafe-inline``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        csp = getattr(settings, "QINGQIAN_CSP", "")
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        policy = getattr(settings, "QINGQIAN_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
