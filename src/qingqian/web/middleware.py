"""Route access: ``qingqian.access`` enforced before any view runs.

Here, at the top of the layering, because the table names every app's views; ``common`` sits
below ``accounts`` and ``accounts`` below ``access`` (docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from qingqian.accounts.roles import PERM_LABELS, Perm

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def openapi_path(route: str) -> str:
    """A Django route as the OpenAPI schema writes it: ``api/v1/cases/<int:case_id>`` →
    ``/api/v1/cases/{case_id}``."""
    return "/" + _ROUTE_PARAM.sub(r"{\1}", route)


class RouteAccessMiddleware:
    """Enforce ``qingqian.access`` before any view runs (see that module)."""

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
        from qingqian import access

        match = request.resolver_match
        if match is None or request.path_info.startswith("/admin/"):
            return None  # the Django admin checks staff status itself
        if match.namespaces[:1] == ["api"]:
            if match.view_name in access.API_DOCUMENTS:
                return None
            path = openapi_path(match.route)
            spec = access.API.get(access.api_key(request.method or "GET", path))
            if spec is None:
                declared = any(k.split(" ", 1)[1] == path for k in access.API)
                return None if declared else _api_refusal(404, "route_undeclared", None)
            if not isinstance(spec, Perm):
                return None
            user = _api_user(request)
            if user is None:
                return None  # the API's own authentication answers 401
            if user.organisation_id is None or not user.has_perm_code(spec):
                return _api_refusal(403, "permission_denied", spec)
            return None
        spec = access.ROUTES.get(match.view_name)
        if spec is None:
            return _page_refusal(request, None)
        if not isinstance(spec, Perm):
            return None
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if getattr(user, "organisation_id", None) is None or not user.has_perm_code(spec):
            return _page_refusal(request, spec)
        return None


def _api_user(request: HttpRequest) -> Any:
    from qingqian.accounts.services import request_token

    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        row = request_token(request)
        return row.user if row is not None else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _api_refusal(status: int, code: str, perm: Perm | None) -> HttpResponse:
    import json

    if perm is None:
        zh, en = "没有这个接口。", "No such operation."
    else:
        what_zh, what_en = PERM_LABELS[perm]
        zh, en = f"您的角色无权{what_zh}。", f"Your role may not {what_en}."
    body = {
        "code": code,
        "message": f"{zh} / {en}",
        "details": {"permission": perm.value} if perm is not None else {},
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


def _page_refusal(request: HttpRequest, perm: Perm | None) -> HttpResponse:
    """The 403 page: the missing permission in words (``web/forbidden.html``), never its code."""
    from django.template.loader import render_to_string

    html = render_to_string(
        "web/forbidden.html", {"perm": perm.value if perm else ""}, request=request
    )
    return HttpResponse(html, status=403)
