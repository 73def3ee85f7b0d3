"""Contact-gate authorisations per second on PostgreSQL with 16 concurrent workers.

Measured, each way, in the same run:

- single: ``contact_attempt_authorize``, one decision per transaction (what the API does);
- batch: ``contact_attempts_authorize_many``, ``--batch`` decisions per transaction (a
  dialer's form), each decision still checked and recorded on its own;
- batch, partitioned: the same, each worker dialling its own share of the debtors;
- the peer: the same gate with its advisory locks removed (a naive check-then-insert), single
  and batch. The naive peer is also shown breaking the cap: 16 workers race for one debtor
  and more than 3 conversations get through, while the locked gate lets exactly 3.

    nice -n 5 .venv/bin/python benchmarks/contact_gate.py --debtors 2000 --per-worker 100

Also printed per run: the client CPU (the workers' own) and the server CPU (the PostgreSQL
processes serving the benchmark's database, and the WAL writer, read from /proc) per
decision, which a loaded machine disturbs far less than the rate, and the 1-minute load
average before the runs and after each (the latter includes the benchmark's own 16 workers).

Needs PostgreSQL (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/
qq_gate_bench``; the database is dropped and created afresh) and Linux (/proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any

SH = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def server_cpu() -> float:
    """CPU seconds used so far by this benchmark's PostgreSQL server processes (the backends
    serving its database, and the WAL writer), read from /proc (Linux)."""
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not cmd.startswith("postgres:") or (
                f" {name} " not in cmd and "walwriter" not in cmd
            ):
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return total / tick


def recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_data(debtors: int) -> tuple[list[tuple[int, int]], int]:
    """Bulk fixtures: one organisation, a creditor, ``debtors`` cases with one debtor each."""
    from qingqian.accounts.models import Organisation
    from qingqian.cases.models import Case, CaseParty
    from qingqian.contact.services import contact_policy_current, contact_system_actor
    from qingqian.parties.models import Party

    org = Organisation.objects.create(name="基准测试中心", short_code="bench")
    creditor = Party.objects.create(organisation=org, kind="company", name="债权人")
    parties = Party.objects.bulk_create(
        Party(organisation=org, kind="company", name=f"债务人{i}", phone_hash=f"{i:064x}")
        for i in range(debtors)
    )
    cases = Case.objects.bulk_create(
        Case(
            organisation=org,
            reference=f"BENCH-{i:06d}",
            creditor=creditor,
            debt_type="trade",
            principal=Decimal("1000.00"),
            channel="web",
            debtor_name=p.name,
            outstanding=Decimal("1000.00"),
        )
        for i, p in enumerate(parties)
    )
    CaseParty.objects.bulk_create(
        CaseParty(case=c, party=p, role="debtor") for c, p in zip(cases, parties, strict=True)
    )
    contact_policy_current()
    robot = contact_system_actor(organisation=org)
    return [(c.pk, p.pk) for c, p in zip(cases, parties, strict=True)], robot.pk


def worker(
    args: tuple[str, list[tuple[int, int]], int, int, int, Any, Any, Any, bool, int, int],
) -> None:
    mode, targets, robot_id, count, seed, start, finish, results, robots_only, batch, day = args
    import django

    django.setup()
    from django.db import connections

    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.contact import services
    from qingqian.parties.models import Party

    if mode == "naive":
        # The peer: check-then-insert, no lock (the statement still reads its parameters).
        services._lock_sql = lambda ids: "SELECT " + ", ".join(["%s::bigint"] * len(ids))
    robot = User.objects.get(pk=robot_id)
    case_ids = {c for c, _ in targets}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=case_ids)}
    parties = {p.pk: p for p in Party.objects.filter(pk__in={p for _, p in targets})}
    rng = random.Random(seed)
    start.wait()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    allowed = 0
    pending: list[Any] = []
    for i in range(count):
        case_id, party_id = rng.choice(targets)
        ask = services.AuthorizeRequest(
            case=cases[case_id],
            party=parties[party_id],
            channel="robot" if robots_only or i % 3 else "sms",
            actor=robot,
            at=AT + dt.timedelta(days=day, seconds=i),
        )
        if batch <= 1:
            a = services.contact_attempt_authorize(
                case=ask.case, party=ask.party, channel=ask.channel, actor=robot, at=ask.at
            )
            allowed += a.allowed
            continue
        pending.append(ask)
        if len(pending) == batch or i == count - 1:
            allowed += sum(a.allowed for a in services.contact_attempts_authorize_many(pending))
            pending = []
    results.put((t0, time.perf_counter(), count, allowed, time.process_time() - cpu0))
    finish.wait()  # keep the connection (and its server process) until the parent has read it
    connections.close_all()


def run(
    mode: str,
    targets: list[tuple[int, int]],
    robot: int,
    workers: int,
    per: int,
    robots_only: bool = False,
    batch: int = 1,
    day: int = 0,
    partitioned: bool = False,
) -> dict:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    start, finish = ctx.Event(), ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker,
            args=(
                (
                    mode,
                    # Partitioned: each worker dials its own share of the debtors (a dialer
                    # sharded by debtor), so no two batches wait for each other's locks.
                    targets[n::workers] if partitioned else targets,
                    robot,
                    per,
                    n,
                    start,
                    finish,
                    results,
                    robots_only,
                    batch,
                    day,
                ),
            ),
        )
        for n in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let every worker set up Django and load its fixtures
    server0 = server_cpu()
    start.set()
    rows = [results.get() for _ in procs]
    server = server_cpu() - server0
    finish.set()
    for p in procs:
        p.join()
    begin, end = min(r[0] for r in rows), max(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    return {
        "authorisations": total,
        "allowed": sum(r[3] for r in rows),
        "seconds": round(end - begin, 3),
        "per_second": round(total / (end - begin), 1),
        "client_cpu_ms_per_decision": round(1000 * sum(r[4] for r in rows) / total, 3),
        "server_cpu_ms_per_decision": round(1000 * server / total, 3),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--per-worker", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50, help="decisions per batch transaction")
    parser.add_argument("--only-single", action="store_true", help="skip the batch runs")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/qq_gate_bench"
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    recreate(args.database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    targets, robot = setup_data(args.debtors + 4)
    spread, races = targets[:-4], targets[-4:]
    out: dict[str, Any] = {
        "workers": args.workers,
        "debtors": args.debtors,
        "cpus": os.cpu_count(),
        "batch": args.batch,
        "cn_cap_conversations_per_day": 3,
        "load_1min_before": round(os.getloadavg()[0], 2),
    }
    w, per, b = args.workers, args.per_worker, args.batch
    # Each run decides on its own local day (4 days apart), so no run sees another's history.
    out["single_gate_locked"] = run("gate", spread, robot, w, per, day=0)
    out["single_naive_unlocked"] = run("naive", spread, robot, w, per, day=4)
    if not args.only_single:
        # Batches drawn from all debtors: any two batches likely share a debtor (50 of 2,000
        # each), so the locked gate runs many of them one after the other.
        out["batch_gate_locked"] = run("gate", spread, robot, w, per * 4, batch=b, day=8)
        out["batch_naive_unlocked"] = run("naive", spread, robot, w, per * 4, batch=b, day=12)
        out["batch_partitioned_gate_locked"] = run(
            "gate", spread, robot, w, per * 4, batch=b, day=16, partitioned=True
        )
        out["batch_partitioned_naive_unlocked"] = run(
            "naive", spread, robot, w, per * 4, batch=b, day=20, partitioned=True
        )
    # The race: 16 workers × 8 robot calls at one debtor on one day (fresh debtors each).
    race = {}
    for label, mode, target, batch in (
        ("single_gate", "gate", races[0], 1),
        ("single_naive", "naive", races[1], 1),
        ("batch_gate", "gate", races[2], 8),
        ("batch_naive", "naive", races[3], 8),
    ):
        race[label] = run(mode, [target], robot, w, 8, True, batch=batch)["allowed"]
    out["race_one_debtor_allowed_of_128"] = race
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
