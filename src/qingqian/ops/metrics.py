"""Prometheus metrics: requests and latencies counted in each process (summed across the
server's worker processes through ``PROMETHEUS_MULTIPROC_DIR``), and the product's own
figures read from the database at scrape time, so every process reports the one truth:
the task queue's depth, the contact gate's decisions and the case log's size.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "qingqian_http_requests_total",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "qingqian_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_request_log = logging.getLogger("qingqian.request")


def _route(request: HttpRequest) -> str:
    """The URL pattern, never the path itself (ids in paths would explode the label set)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return "/" + str(match.route)


class MetricsMiddleware:
    """Counts and times every request, and writes one structured log line for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        REQUESTS.labels(request.method or "", route, str(response.status_code)).inc()
        LATENCY.labels(request.method or "", route).observe(elapsed)
        _request_log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                # This middleware wraps RequestIdMiddleware: the id is on the response.
                "request_id": response.get("X-Request-ID", ""),
            },
        )
        return response


class DatabaseCollector(Collector):
    """Figures every process reads alike from the database at scrape time."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        from qingqian.contact.models import ContactAttempt
        from qingqian.ledger.models import LogEntry, LogState

        queue = GaugeMetricFamily(
            "qingqian_task_queue_depth",
            "Background tasks by status (ready: waiting for a worker; running: taken).",
            labels=["status"],
        )
        counts = dict(
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for status in ("READY", "RUNNING"):
            queue.add_metric([status.lower()], counts.get(status, 0))
        yield queue

        gate = CounterMetricFamily(
            "qingqian_contact_gate_decisions",
            "Decisions of the contact gate recorded so far, by channel and outcome.",
            labels=["channel", "decision"],
        )
        for channel, allowed, n in (
            ContactAttempt.objects.values_list("channel", "allowed")
            .annotate(n=Count("id"))
            .values_list("channel", "allowed", "n")
            .order_by()
        ):
            gate.add_metric([channel, "allowed" if allowed else "denied"], n)
        yield gate

        state = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
        size = GaugeMetricFamily(
            "qingqian_log_size", "Entries sequenced into the case log (its tree size)."
        )
        size.add_metric([], state or 0)
        yield size
        pending = GaugeMetricFamily(
            "qingqian_log_pending_entries", "Entries appended but not yet sequenced."
        )
        pending.add_metric([], LogEntry.objects.filter(index__isnull=True).count())
        yield pending


def render() -> bytes:
    """The exposition text: this process's (or every worker's) counters plus the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    db = CollectorRegistry()
    db.register(DatabaseCollector())
    return own + generate_latest(db)
