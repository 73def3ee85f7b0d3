"""Request ids: every request gets one (or keeps a sane ``X-Request-ID``); audit rows cite it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

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
