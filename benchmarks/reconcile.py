"""Benchmark of the trust reconciliation on PostgreSQL: SQL aggregates against the Python
oracle (the peer).

In a scratch database (``qq_portalpay_reconcile_bench``, created, migrated and dropped
here), ``--payments`` payments (default 100,000) over ``--cases`` cases (default 10,000; one
invoice each, 20 creditors) are posted with ``payments.bulk.payments_post_bulk``. Then, each
in a child process of its own so that peak RSS is that path's alone:

* **ours**: ``payments.reconciliation.reconciliation_report`` (one SQL aggregate per check,
  only the differences come back);
* **peer**: ``payments.reconciliation.reconciliation_report_python`` (every journal entry
  loaded and run through ``trust.reconcile``).

Both must give the same answer (checked here too). Printed per path: seconds, peak RSS of
the child process, and the 1-minute load average before and after.

Run niced: ``nice -n 10 .venv/bin/python benchmarks/reconcile.py [--payments N] [--cases N]
[--pg-url URL] [--keep] [--skip-peer]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = "qq_portalpay_reconcile_bench"


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _setup(db_url: str, *, migrate: bool) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("QINGQIAN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _world(cases: int) -> tuple[Any, list[int]]:
    from qingqian.accounts.models import Organisation
    from qingqian.cases.models import Case, Invoice
    from qingqian.parties.models import Party

    org = Organisation.objects.create(name="对账基准调解中心", short_code="rbench")
    creditors = [
        Party.objects.create(organisation=org, kind="company", name=f"债权人{i:02d}")
        for i in range(20)
    ]
    rows = [
        Case(
            organisation=org,
            reference=f"RBENCH-{n:07d}",
            creditor=creditors[n % 20],
            debt_type="trade",
            principal=Decimal("1000000.00"),
            outstanding=Decimal("1000000.00"),
            channel="import",
            debtor_name=f"债务人{n}",
            due_date=dt.date(2026, 6, 30),
        )
        for n in range(cases)
    ]
    made = Case.objects.bulk_create(rows, batch_size=5000)
    Invoice.objects.bulk_create(
        [
            Invoice(
                case=c,
                creditor_id=c.creditor_id,
                number=f"INV-{c.reference}",
                amount=c.principal,
                outstanding=c.principal,
                due_date=dt.date(2026, 6, 30),
            )
            for c in made
        ],
        batch_size=5000,
    )
    return org, [c.pk for c in made]


def _items(case_ids: list[int], total: int) -> Any:
    from qingqian.payments.bulk import BulkPayment

    n = 0
    month = 0
    while n < total:
        at = dt.datetime(2027, 1 + month % 12, 10, 2, 0, tzinfo=dt.UTC)
        for cid in case_ids:
            if n >= total:
                return
            yield BulkPayment(
                cid, Decimal(100 + n % 900) + Decimal(n % 100) / 100, "bank_transfer",
                f"rbench:{n}", at,
            )  # fmt: skip
            n += 1
        month += 1


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB: ``VmHWM`` on Linux (reset by exec, unlike
    ``ru_maxrss``, which a child inherits from the parent that forked it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(path: str, db_url: str) -> None:
    """Run one path in this process and print one JSON line."""
    _setup(db_url, migrate=False)
    from qingqian.accounts.models import Organisation
    from qingqian.payments.reconciliation import (
        reconciliation_report,
        reconciliation_report_python,
    )

    fn = reconciliation_report if path == "sql" else reconciliation_report_python
    org = Organisation.objects.get(short_code="rbench")
    baseline = _peak_rss_mb()
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    report = fn(organisation=org)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "path": path,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(_peak_rss_mb()),
                "baseline_rss_mb": round(baseline),
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
                "ok": report.ok,
                "received": str(report.trust.total.received),
                "answer": [
                    repr(report.trust),
                    report.differences,
                ],
            },
            ensure_ascii=False,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--pg-url", default=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--skip-peer", action="store_true", help="time the SQL path only (large journals)"
    )
    parser.add_argument("--child", choices=["sql", "python"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.pg_url)
        return
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _psql(f"CREATE DATABASE {DB_NAME}")
    try:
        _setup(args.pg_url, migrate=True)
        from django.db import connection, connections

        from qingqian.payments.bulk import payments_post_bulk

        t0 = time.perf_counter()
        org, case_ids = _world(args.cases)
        items = _items(case_ids, args.payments)
        posted = 0
        while True:
            batch = [item for _, item in zip(range(50_000), items, strict=False)]
            if not batch:
                break
            posted += payments_post_bulk(organisation=org, items=batch, actor=None).created
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cur.fetchone()[0]
        print(
            f"posted {posted:,} payments over {len(case_ids):,} cases in "
            f"{time.perf_counter() - t0:.0f} s (database {size}); "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        connections.close_all()
        results = {}
        for path in ("sql",) if args.skip_peer else ("sql", "python"):
            out = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
                [sys.executable, __file__, "--child", path, "--pg-url", args.pg_url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[path] = json.loads(out.strip().splitlines()[-1])
            r = results[path]
            print(
                f"{'ours (SQL)' if path == 'sql' else 'peer (Python oracle)':22s} "
                f"{r['seconds']:8.2f} s  peak RSS {r['peak_rss_mb']:6,} MB "
                f"(before: {r['baseline_rss_mb']:,})  ok={r['ok']}  "
                f"received {r['received']}  load {r['load_before']:.2f} → {r['load_after']:.2f}",
                flush=True,
            )
        if args.skip_peer:
            return
        same = results["sql"]["answer"] == results["python"]["answer"]
        print(f"same answer: {same}")
        sql, peer = results["sql"], results["python"]
        print(
            f"SQL: {peer['seconds'] / max(sql['seconds'], 1e-9):.1f}x the peer's speed, "
            f"peak RSS {sql['peak_rss_mb']:,} MB against {peer['peak_rss_mb']:,} MB"
        )
        if not same:
            sys.exit(1)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
