"""Contact-gate authorisations per second on PostgreSQL with 16 concurrent workers.

Peer, measured in the same run: the same gate with its row lock removed (a naive
check-then-insert). The naive peer is also shown breaking the cap: 16 workers race for one
debtor and more than 3 conversations get through, while the locked gate lets exactly 3.

    nice -n 10 .venv/bin/python benchmarks/contact_gate.py --debtors 2000 --per-worker 300

Needs PostgreSQL (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/
qq_contact_bench``; the database is dropped and created afresh).
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


def worker(args: tuple[str, list[tuple[int, int]], int, int, int, Any, Any, bool]) -> None:
    mode, targets, robot_id, count, seed, start, results, robots_only = args
    import django

    django.setup()
    from django.db import connections

    from qingqian.accounts.models import User
    from qingqian.cases.models import Case
    from qingqian.contact import services
    from qingqian.parties.models import Party

    if mode == "naive":
        services._lock = lambda keys: None  # the peer: check-then-insert, no lock
    robot = User.objects.get(pk=robot_id)
    case_ids = {c for c, _ in targets}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=case_ids)}
    parties = {p.pk: p for p in Party.objects.filter(pk__in={p for _, p in targets})}
    rng = random.Random(seed)
    start.wait()
    t0 = time.perf_counter()
    allowed = 0
    for i in range(count):
        case_id, party_id = rng.choice(targets)
        a = services.contact_attempt_authorize(
            case=cases[case_id],
            party=parties[party_id],
            channel="robot" if robots_only or i % 3 else "sms",
            actor=robot,
            at=AT + dt.timedelta(seconds=i),
        )
        allowed += a.allowed
    results.put((t0, time.perf_counter(), count, allowed))
    connections.close_all()


def run(
    mode: str,
    targets: list[tuple[int, int]],
    robot: int,
    workers: int,
    per: int,
    robots_only: bool = False,
) -> dict:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=worker, args=((mode, targets, robot, per, n, start, results, robots_only),)
        )
        for n in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let every worker set up Django and load its fixtures
    start.set()
    rows = [results.get() for _ in procs]
    for p in procs:
        p.join()
    begin, end = min(r[0] for r in rows), max(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    return {
        "authorisations": total,
        "allowed": sum(r[3] for r in rows),
        "seconds": round(end - begin, 3),
        "per_second": round(total / (end - begin), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--per-worker", type=int, default=300)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/qq_contact_bench"
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    recreate(args.database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    targets, robot = setup_data(args.debtors + 2)
    spread, one_a, one_b = targets[:-2], [targets[-2]], [targets[-1]]
    out: dict[str, Any] = {
        "workers": args.workers,
        "debtors": args.debtors,
        "cpus": os.cpu_count(),
        "cn_cap_conversations_per_day": 3,
    }
    out["gate_locked"] = run("gate", spread, robot, args.workers, args.per_worker)
    out["naive_unlocked"] = run("naive", spread, robot, args.workers, args.per_worker)
    # The race: 16 workers × 8 robot calls at one debtor on one day.
    out["race_one_debtor_gate_allowed"] = run("gate", one_a, robot, args.workers, 8, True)[
        "allowed"
    ]
    out["race_one_debtor_naive_allowed"] = run("naive", one_b, robot, args.workers, 8, True)[
        "allowed"
    ]
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
