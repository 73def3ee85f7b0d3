"""gunicorn settings for ``qingqian serve`` (docs/operations.md).

Sizing: ``cores + 1`` worker processes, each with a few threads (``gthread``), so a request
waiting on PostgreSQL or the object store does not hold a whole process. gunicorn's general
``2 × cores + 1`` is for workers that block while they wait; here the threads do the waiting,
and more processes than that only take turns on the cores: on two cores at 50 users, five
processes answered with a p95 of 300–520 ms where three answered with 250–290 ms
(benchmarks/load.py, docs/operations.md). Override with ``QINGQIAN_WEB_WORKERS`` /
``QINGQIAN_WEB_THREADS``.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess


def default_workers() -> int:
    return (os.cpu_count() or 1) + 1


bind = os.environ.get("QINGQIAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QINGQIAN_WEB_WORKERS") or default_workers())
threads = int(os.environ.get("QINGQIAN_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("QINGQIAN_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# No keep-alive by default: a gthread worker keeps every connection it accepted, so clients
# (or a reverse proxy's pooled upstream connections) that keep theirs open stay with the one
# worker that accepted them while the other processes idle. Closed after each response, every
# request is accepted afresh by whichever process is free (docs/operations.md).
keepalive = int(os.environ.get("QINGQIAN_WEB_KEEPALIVE", "0"))
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# The reverse proxy (deploy/) terminates TLS and sets X-Forwarded-*; trust it on loopback.
forwarded_allow_ips = os.environ.get("QINGQIAN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "qingqian-web"
accesslog = None  # one structured line per request comes from qingqian.ops.metrics instead
errorlog = "-"
loglevel = os.environ.get("QINGQIAN_LOG_LEVEL", "info").lower()
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "qingqian.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}


def child_exit(server: Any, worker: Any) -> None:
    """A worker's counters stay summed in; its live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
