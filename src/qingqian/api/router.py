"""The public API under ``/api/v1``: the NinjaAPI, its authentication, its error handlers and
the routers of the apps (each app owns its operations in its ``api`` module).

Errors always have the shape ``{"code", "message", "details"}`` (message: 中文 / English).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from qingqian.api.auth import BearerToken, StaffSession
from qingqian.common.exceptions import (
    ApplicationError,
)

api = NinjaAPI(
    title="Qingqian API",
    version="1",
    description="清欠 debt-recovery platform. Authenticate with `Authorization: Bearer <token>`.",
    auth=[BearerToken(), StaffSession()],
    urls_namespace="api",
)
api.add_router("", "qingqian.accounts.api.router")
api.add_router("", "qingqian.cases.api.router")
api.add_router("", "qingqian.legaldata.api.router")
api.add_router("/ledger", "qingqian.ledger.api.router")
api.add_router("/netting", "qingqian.netting.api.router")
api.add_router("/payments", "qingqian.payments.api.router")
api.add_router("/payments", "qingqian.negotiation.api.transfer_router")  # plan-aware amounts
api.add_router("/contact", "qingqian.contact.api.router")
api.add_router("/cases", "qingqian.evidence.api.router")
api.add_router("/cases", "qingqian.negotiation.api.router")
api.add_router("/cases", "qingqian.litigation.api.router")
api.add_router("/reports", "qingqian.kpis.api.router")  # h20: performance figures
api.add_router("/cases", "qingqian.mediation.api.router")  # h18
api.add_router("", "qingqian.vouchers.api.router")  # h23v: debt vouchers


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def _app_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(
        request,
        422,
        "validation_error",
        "请求数据无效。 / The request data is invalid.",
        {
            "errors": [
                {"loc": list(map(str, e.get("loc", []))), "msg": e.get("msg", "")}
                for e in exc.errors
            ]
        },
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "not_authenticated",
        "需要登录或有效的 API 令牌。 / Log in or send a valid API token.",
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "资源不存在。 / Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))
