"""``/healthz`` (liveness), ``/readyz`` (database and storage reachable), ``/metrics``.

Who may use them (tests/web/test_access_matrix.py): ``/healthz`` and ``/readyz`` anyone
(they say nothing but ok or which dependency failed); ``/metrics`` only a scraper holding
``QINGQIAN_METRICS_TOKEN`` as a bearer token, or, when no token is set, a client whose
address is in ``QINGQIAN_METRICS_ALLOW`` (default: this machine only).
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from qingqian.ops import metrics

log = logging.getLogger("qingqian.ops")

# Storages whose reachability makes the server ready (each a name in settings.STORAGES).
READY_STORAGES = ("default",)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a slow database never gets a
    healthy process restarted."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_storage() -> None:
    for name in READY_STORAGES:
        # A HEAD (S3) or stat (file system) of a name nobody writes: False is an answer,
        # an exception (no route, bad credentials, missing bucket) is not.
        storages[name].exists(".readyz-probe")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers ``SELECT 1`` and the object store answers a probe."""
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("storage", _check_storage)):
        try:
            check()
            checks[name] = "ok"
        except Exception:  # any failure means not ready; the log has the details
            log.exception("readiness check failed", extra={"check": name})
            checks[name] = "failed"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.QINGQIAN_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR", "") in settings.QINGQIAN_METRICS_ALLOW


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse(
            {
                "code": "metrics_forbidden",
                "message": "无权读取运行指标。 / Not allowed to read the metrics.",
                "details": {},
            },
            status=403,
        )
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
