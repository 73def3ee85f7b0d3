"""``qingqian serve`` for real: gunicorn worker processes, a task worker, whitenoise, the
health and metrics endpoints, JSON logs, and a clean stop."""

from __future__ import annotations

import json
import re
import subprocess
from http.client import HTTPConnection
from pathlib import Path

import pytest

from tests.ops.procs import http, serving

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _once_per_ci_run() -> None:
    """These start their own processes on their own databases: the suite's database does
    not matter, so they run in the SQLite pass only, not again in the PostgreSQL ones."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs once, in the SQLite pass (it makes its own databases)")


def _children(pid: int) -> list[str]:
    out = subprocess.run(  # noqa: S603
        ["ps", "-o", "args=", "--ppid", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.splitlines()


def test_serve_runs_gunicorn_and_a_task_worker(tmp_path: Path) -> None:
    env = {
        "QINGQIAN_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "QINGQIAN_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    log = tmp_path / "serve.log"
    with serving(env, log, "--workers", "2", "--threads", "2", "--task-workers", "1") as (
        base,
        proc,
    ):
        status, body, _ = http(base + "/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "storage": "ok"}

        # Static files come from whitenoise inside the app server, with caching headers.
        status, css, headers = http(base + "/static/qingqian/app.css")
        assert status == 200 and len(css) > 100
        assert headers.get("Content-Type", "").startswith("text/css")

        # The login page renders through the full stack (templates, sessions, CSRF).
        status, page, _ = http(base + "/login/")
        assert status == 200 and "csrfmiddlewaretoken" in page.decode()

        for _ in range(20):
            assert http(base + "/healthz")[0] == 200

        # No keep-alive: a gthread worker keeps every connection it accepted, so a client (or
        # a proxy's pooled connection) that keeps one open would be tied to one process.
        host, port = base.removeprefix("http://").split(":")
        conn = HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("GET", "/healthz", headers={"Connection": "keep-alive"})
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read()
            assert (resp.getheader("Connection") or "").lower() == "close"
        finally:
            conn.close()
        status, text, _ = http(base + "/metrics")
        assert status == 200
        metrics = text.decode()
        # Summed over both worker processes: every one of the 20 requests is counted.
        m = re.search(
            r'^qingqian_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$',
            metrics,
            re.M,
        )
        assert m is not None, metrics[:2000]
        assert float(m.group(1)) >= 20
        assert "qingqian_task_queue_depth" in metrics
        assert "qingqian_log_size" in metrics

        # The process tree: gunicorn's master with its 2 workers, and a db_worker.
        kids = _children(proc.pid)
        assert any("gunicorn" in k for k in kids), kids
        assert any("db_worker" in k for k in kids), kids
        master = next(
            int(p)
            for p, a in (
                line.split(None, 1)
                for line in subprocess.run(  # noqa: S603
                    ["ps", "-o", "pid=,args=", "--ppid", str(proc.pid)],  # noqa: S607
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.splitlines()
            )
            if "gunicorn" in a
        )
        assert len(_children(master)) == 2

    assert proc.returncode == 0
    lines = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
    records = [json.loads(ln) for ln in lines]
    # Structured request logs: one JSON object per request, with route, status, duration.
    reqs = [r for r in records if r.get("logger") == "qingqian.request"]
    assert len(reqs) >= 20
    assert {"route", "status", "duration_ms", "request_id", "ts"} <= set(reqs[0])
    # After the stop nothing of it runs on.
    assert _children(proc.pid) == []
