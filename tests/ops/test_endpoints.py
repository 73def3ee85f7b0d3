"""Health, readiness and metrics: what they answer, to whom, and that the figures are real."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest
from django.test import Client

from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_system_actor,
)
from qingqian.ops.logs import JsonFormatter
from qingqian.ops.metrics import render

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition text (fails if absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    head = f"{name}{{{want}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(head + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {head} in:\n{text}")


def test_healthz_answers_without_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        resp = Client().get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
    assert "no-cache" in resp["Cache-Control"] or "max-age=0" in resp["Cache-Control"]


def test_readyz_checks_database_and_storage() -> None:
    resp = Client().get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_is_503_when_the_store_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.files.storage import storages

    def broken(name: str) -> bool:
        raise ConnectionError("no route to the object store")

    monkeypatch.setattr(storages["default"], "exists", broken)
    resp = Client().get("/readyz")
    assert resp.status_code == 503
    assert resp.json() == {"status": "not_ready", "checks": {"database": "ok", "storage": "failed"}}


def test_metrics_from_this_machine_by_default() -> None:
    resp = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/plain")
    assert "qingqian_log_size" in resp.content.decode()


def test_metrics_refused_to_other_addresses() -> None:
    resp = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert resp.status_code == 403
    body = resp.json()
    assert body["code"] == "metrics_forbidden"
    assert " / " in body["message"]
    assert "qingqian_" not in resp.content.decode()


def test_metrics_token_required_once_set(settings: Any) -> None:
    settings.QINGQIAN_METRICS_TOKEN = "scrape-secret-for-tests"
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert local.get("/metrics").status_code == 403  # the address alone no longer suffices
    wrong = {"Authorization": "Bearer nope"}
    assert local.get("/metrics", headers=wrong).status_code == 403
    good = {"Authorization": "Bearer scrape-secret-for-tests"}
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics", headers=good).status_code == 200


def test_request_counter_and_latency_count_each_request() -> None:
    client = Client()
    before = render().decode()
    get = {"method": "GET", "route": "/healthz", "status": "200"}
    try:
        start = _metric(before, "qingqian_http_requests_total", **get)
    except AssertionError:
        start = 0.0
    for _ in range(3):
        client.get("/healthz")
    after = render().decode()
    assert _metric(after, "qingqian_http_requests_total", **get) == start + 3
    assert (
        _metric(
            after, "qingqian_http_request_duration_seconds_count", method="GET", route="/healthz"
        )
        >= 3
    )
    # A path that matches no route is one label, never the path itself.
    # (A word, not digits: digits occur in the process figures by chance.)
    client.get("/no/such/page/unmatched-zebra")
    text = render().decode()
    assert "zebra" not in text
    assert 'route="<unmatched>"' in text


def test_database_figures(case: Any, debtor: Any, org: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    robot = contact_system_actor(organisation=org)
    for i in range(5):  # cn-default: three robot calls a day (in flight counts), the rest denied
        contact_attempt_authorize(
            case=case,
            party=debtor,
            channel="robot",
            actor=robot,
            at=dt.datetime(2026, 3, 2, 10, i, tzinfo=SH),
        )
    DBTaskResult.objects.create(
        task_path="qingqian.cases.tasks.ledger_import_task",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        run_after=dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH),
        exception_class_path="",
        traceback="",
    )
    text = render().decode()
    assert (
        _metric(text, "qingqian_contact_gate_decisions_total", channel="robot", decision="allowed")
        == 3
    )
    assert (
        _metric(text, "qingqian_contact_gate_decisions_total", channel="robot", decision="denied")
        == 2
    )
    assert _metric(text, "qingqian_task_queue_depth", status="ready") == 1
    assert _metric(text, "qingqian_task_queue_depth", status="running") == 0
    from qingqian.ledger.models import LogEntry, LogState

    size = LogState.objects.filter(pk=1).values_list("size", flat=True).first() or 0
    assert _metric(text, "qingqian_log_size") == size
    pending = LogEntry.objects.filter(index__isnull=True).count()
    assert pending > 0  # opening the case appended to the log
    assert _metric(text, "qingqian_log_pending_entries") == pending


def test_json_log_lines_carry_extra_fields_and_request_id() -> None:
    from qingqian.common.middleware import _request_id

    token = _request_id.set("req-abcdef12")
    try:
        record = logging.makeLogRecord(
            {
                "name": "qingqian.request",
                "levelno": 20,
                "levelname": "INFO",
                "msg": "%s done",
                "args": ("导入",),
                "route": "/cases/",
                "status": 200,
            }
        )
        line = JsonFormatter().format(record)
    finally:
        _request_id.reset(token)
    out = json.loads(line)
    assert out["message"] == "导入 done"
    assert out["request_id"] == "req-abcdef12"
    assert out["route"] == "/cases/" and out["status"] == 200
    assert out["level"] == "INFO" and out["logger"] == "qingqian.request"
    assert "\n" not in line
