"""Many workers, one truth: two ``qingqian serve`` instances (each a gunicorn web process
and a task worker) against one PostgreSQL and one object store, under load from both at
once. The contact gate's cap, payment idempotency, the log's sequencing and netting
application must come out exact across processes, not only across threads."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from qingqian.accounts.services import api_token_create
from qingqian.ledger import merkle
from qingqian.ledger.models import Checkpoint, LogEntry
from tests.ops import s3
from tests.ops.procs import frozen, http, production_env, serving

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.s3, pytest.mark.real_clock]

# 10:00 in Shanghai on a working day: robot calls are within hours (cn-default caps 3/day).
START_UTC = "2026-03-02 02:00:00"
APPLY = """
import sys, django
django.setup()
from qingqian.common.exceptions import Conflict
from qingqian.accounts.models import User
from qingqian.netting import services
from qingqian.netting.models import NettingRound
r = NettingRound.objects.get(pk=int(sys.argv[1]))
try:
    services.round_apply(round_=r, actor=User.objects.get(pk=int(sys.argv[2])))
    print("applied")
except Conflict:
    print("conflict")
"""


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _post(base: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, raw, _ = http(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=120,
    )
    return status, json.loads(raw)


def _enqueue_integrations(n: int) -> None:
    from django_tasks_db.models import DBTaskResult

    for _ in range(n):
        DBTaskResult.objects.create(
            task_path="qingqian.ledger.tasks.ledger_integrate_task",
            args_kwargs={"args": [], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            priority=0,
            run_after=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
            exception_class_path="",
            traceback="",
        )


def _round_ready(org: Any, users: dict[str, Any]) -> Any:
    """A netting round over the seed chain, consented, solved and accepted: ready to apply."""
    from qingqian.netting import services
    from tests.netting.world import build_chain

    mediator = users["mediator"]
    chain = build_chain(org, users["lawyer"])
    r = services.round_create(
        organisation=org, actor=mediator, title="跨进程清欠", parties=list(chain.values())
    )
    r = services.round_invite(round_=r, actor=mediator)
    for p in r.participants.all():
        services.participant_confirm(participant=p, actor=mediator)
        services.participant_consent(participant=p, actor=mediator)
    services.round_run(round_=r, actor=mediator)
    for p in r.participants.all():
        services.participant_accept(participant=p, actor=mediator)
    r.refresh_from_db()
    return r


@pytest.mark.django_db(transaction=True)
def test_two_servers_two_task_workers_one_truth(
    case: Any, debtor: Any, users: dict[str, Any], org: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the processes share one database server")
    config = s3.require_s3()
    prefix = s3.new_prefix()
    from qingqian.netting.models import Setoff
    from qingqian.payments.models import Payment

    round_ = _round_ready(org, users)
    setoffs = Setoff.objects.filter(round=round_).count()
    assert setoffs > 0
    collector = api_token_create(user=users["collector"])
    lawyer = api_token_create(user=users["lawyer"])
    outstanding = case.outstanding

    env = {
        **production_env(),
        **s3.server_env(config, prefix),
        "DATABASE_URL": _database_url(),
        "QINGQIAN_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "QINGQIAN_DATA_DIR": str(tmp_path),
    }
    clock = frozen(START_UTC)
    args = ("--workers", "1", "--threads", "8", "--task-workers", "1")
    with (
        serving(env, tmp_path / "a.log", *args, migrate=False, prefix=clock) as (a, _),
        serving(env, tmp_path / "b.log", *args, migrate=False, prefix=clock) as (b, _),
    ):
        _enqueue_integrations(12)  # two task workers sequence the log while appends go on
        gate = {"case_id": case.pk, "party_id": debtor.pk, "channel": "robot"}
        same = {"amount": "100.00", "kind": "bank_transfer", "idempotency_key": "once-only"}
        pay = f"/api/v1/payments/cases/{case.pk}/payments"
        jobs: list[tuple[str, str, str, dict[str, Any]]] = []
        for i in range(32):
            base = (a, b)[i % 2]
            jobs.append(("gate", base, collector, gate))
            if i < 16:
                jobs.append(("same", base, lawyer, same))
                key = {"amount": "10.00", "kind": "bank_transfer", "idempotency_key": f"k{i}"}
                jobs.append(("distinct", base, lawyer, key))
        with ThreadPoolExecutor(max_workers=24) as pool:
            paths = {"gate": "/api/v1/contact/authorize", "same": pay, "distinct": pay}
            results = list(pool.map(lambda j: (j[0], *_post(j[1], paths[j[0]], j[2], j[3])), jobs))
        # Netting: four processes try to apply the same accepted round at once.
        appliers = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", APPLY, str(round_.pk), str(users["mediator"].pk)],
                env={
                    **__import__("os").environ,
                    **env,
                    "DJANGO_SETTINGS_MODULE": "qingqian.settings",
                },
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        verdicts = sorted(p.communicate(timeout=300)[0].strip() for p in appliers)

        from django_tasks_db.models import DBTaskResult

        deadline = time.monotonic() + 180
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists():
            assert not DBTaskResult.objects.filter(status="FAILED").exists(), list(
                DBTaskResult.objects.filter(status="FAILED").values_list("traceback", flat=True)
            )
            assert time.monotonic() < deadline, "task workers did not finish"
            time.sleep(0.5)
        workers = {
            w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids
        }

    # The gate: exactly the day's cap of 3 robot calls got through, from 32 across 2 servers.
    gate_results = [r for r in results if r[0] == "gate"]
    assert all(status == 200 for _, status, _ in gate_results), gate_results
    assert sum(body["allowed"] for _, _, body in gate_results) == 3

    # One idempotency key: one payment, every answer names it; 16 keys: 16 payments.
    once = [r for r in results if r[0] == "same"]
    assert sorted(status for _, status, _ in once) == [200] * 15 + [201]
    assert len({body["id"] for _, _, body in once}) == 1
    distinct = [r for r in results if r[0] == "distinct"]
    assert [status for _, status, _ in distinct] == [201] * 16
    assert Payment.objects.filter(case=case, kind="bank_transfer").count() == 17
    case.refresh_from_db()
    assert case.outstanding == outstanding - Decimal("100.00") - 16 * Decimal("10.00")

    # Netting: applied once, by one process; one set-off payment per set-off.
    assert verdicts == ["applied", "conflict", "conflict", "conflict"]
    assert Payment.objects.filter(kind="setoff").count() == setoffs

    # The log: 12 integrations on two task workers and appends from four processes leave one
    # gap-free sequence whose root is the latest signed checkpoint's.
    assert len(workers) >= 1
    from qingqian.ledger.services import ledger_integrate

    ledger_integrate()
    indexed = list(LogEntry.objects.order_by("index").values_list("index", "leaf_hash"))
    assert LogEntry.objects.filter(index__isnull=True).count() == 0
    assert [i for i, _ in indexed] == list(range(len(indexed)))
    latest = Checkpoint.objects.order_by("-size").first()
    assert latest is not None and latest.size == len(indexed)
    assert merkle.root_from_leaf_hashes(bytes(h) for _, h in indexed) == bytes(latest.root_hash)
    s3.empty(config, prefix)
