"""Benchmark of money posting and remittance on PostgreSQL.

In a scratch database (``qq_money_bench_posting``, created, migrated and dropped here):

1. **Posting**: ``--payments`` payments (default 1,000,000) over ``--cases`` cases (default
   100,000; one invoice each, 20 creditors), ten months of one payment per case per month,
   posted through ``payments.bulk.payments_post_bulk``: idempotency check, Art. 560/561
   allocation, cumulative commission, trust journal (2 entries, 4 lines per payment), invoice
   and case updates, timeline + ledger entry + audit row per payment. Target: ≥ 2,000/s.
2. **Peer**: ``payments.services.payment_record`` one payment at a time (the interactive
   path: one transaction and its row locks per payment) on ``--peer`` payments (default
   1,000) into the same database.
3. **Remittance**: ``remittance_run`` for the last month (every case has a payment in it).
   Target: a month for 100,000 cases in under 60 s. Peer: a naive per-case loop that sums
   each case's payments of the month with one ORM query per case, on ``--peer`` cases,
   extrapolated linearly (stated as such).
4. **Reconciliation** (``reconciliation_report``, SQL aggregates) is timed too; its peer,
   the Python oracle, is measured in ``benchmarks/reconcile.py``.

Run once, niced: ``nice -n 10 .venv/bin/python benchmarks/payments.py [--payments N]
[--cases N] [--peer N] [--pg-url URL] [--keep] [--charges-every K]``

* ``--charges-every K``: every K-th case also owes a court fee and interest (Art. 561
  components), so posting exercises costs → interest → principal.
* ``--only-post [--profile FILE]``: posting only, optionally under cProfile.
* ``--compare``: two identical worlds in the one database; the pre-rewrite bulk path
  (``benchmarks/_payments_bulk_v1.py``, the named peer) and ``payments.bulk`` post the same
  payments in alternating 10,000-payment chunks, so both see the same load.

Every progress line prints the 1-minute load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = "qq_money_bench_posting"
TARGET_POST = 2000
TARGET_REMIT_S = 60.0


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("QINGQIAN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world(cases: int, code: str = "bench", charges_every: int = 0) -> tuple[Any, list[int]]:
    from qingqian.accounts.models import Organisation
    from qingqian.cases.models import Case, Invoice
    from qingqian.parties.models import Party
    from qingqian.payments.models import Charge

    org = Organisation.objects.create(name=f"基准调解中心 {code}", short_code=code)
    creditors = [
        Party.objects.create(organisation=org, kind="company", name=f"债权人{i:02d}")
        for i in range(20)
    ]
    ids: list[int] = []
    step = 20_000
    for start in range(0, cases, step):
        rows = [
            Case(
                organisation=org,
                reference=f"{code.upper()}-{n:07d}",
                creditor=creditors[n % 20],
                debt_type="trade",
                principal=Decimal("1000000.00"),
                outstanding=Decimal("1000000.00"),
                channel="import",
                debtor_name=f"债务人{n}",
                due_date=dt.date(2026, 6, 30),
            )
            for n in range(start, min(cases, start + step))
        ]
        made = Case.objects.bulk_create(rows)
        invoices = Invoice.objects.bulk_create(
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
            ]
        )
        if charges_every:
            # Every k-th case owes a court fee and accrued interest on top of principal.
            Charge.objects.bulk_create(
                Charge(
                    organisation=org, case_id=i.case_id, invoice=i, component=component,
                    kind=kind, amount=Decimal(value), outstanding=Decimal(value),
                )
                for n, i in enumerate(invoices)
                if n % charges_every == 0
                for component, kind, value in (
                    ("costs", "court_fee", "13800.00"), ("interest", "late_interest", "2345.67"),
                )
            )  # fmt: skip
        ids.extend(c.pk for c in made)
    return org, ids


def _items(case_ids: list[int], total: int, prefix: str = "bench") -> Any:
    from qingqian.payments.bulk import BulkPayment

    months = max(1, total // len(case_ids))
    n = 0
    for month in range(months):
        at = dt.datetime(2027, 1 + month % 12, 10, 2, 0, tzinfo=dt.UTC)
        for cid in case_ids:
            if n >= total:
                return
            yield BulkPayment(
                cid, Decimal(100 + n % 900) + Decimal(n % 100) / 100, "bank_transfer",
                f"{prefix}:{n}", at,
            )  # fmt: skip
            n += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--peer", type=int, default=1_000)
    parser.add_argument("--pg-url", default=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--only-post", action="store_true", help="post the payments only (no peers, no remittance)"
    )
    parser.add_argument("--profile", help="write a cProfile of the bulk posting to this file")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="post the same payments into two identical worlds, alternating chunks: the "
        "pre-rewrite bulk path (benchmarks/_payments_bulk_v1.py) and payments.bulk",
    )
    parser.add_argument(
        "--charges-every", type=int, default=0, help="every k-th case owes costs and interest"
    )
    args = parser.parse_args()
    if "posting" not in DB_NAME:
        raise SystemExit("the scratch database name must contain 'posting'")
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _psql(f"CREATE DATABASE {DB_NAME}")
    try:
        _run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _psql(f"DROP DATABASE IF EXISTS {DB_NAME}")


def _compare(args: argparse.Namespace) -> None:
    """Peer and subject in one run on the same data, chunk by chunk in turn, so both see the
    same load."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import _payments_bulk_v1 as v1

    from qingqian.payments import bulk

    worlds = {}
    for name in ("v1", "new"):
        org, ids = _world(args.cases, code=f"b{name}", charges_every=args.charges_every)
        worlds[name] = (org, _items(ids, args.payments, prefix=name))
    posters = {"v1": v1.payments_post_bulk, "new": bulk.payments_post_bulk}
    seconds = {"v1": 0.0, "new": 0.0}
    posted = {"v1": 0, "new": 0}
    loads: list[float] = []
    step = 10_000
    while posted["new"] < args.payments:
        for name in ("v1", "new"):
            org, items = worlds[name]
            batch = [item for _, item in zip(range(step), items, strict=False)]
            if not batch:
                continue
            t = time.perf_counter()
            posted[name] += posters[name](organisation=org, items=batch, actor=None).created
            seconds[name] += time.perf_counter() - t
        loads.append(os.getloadavg()[0])
        print(
            f"  {posted['new']:,}: v1 {posted['v1'] / seconds['v1']:,.0f}/s, "
            f"new {posted['new'] / seconds['new']:,.0f}/s, load {loads[-1]:.2f}",
            flush=True,
        )
    for name in ("v1", "new"):
        print(
            f"{name}: {posted[name]:,} payments in {seconds[name]:.1f} s = "
            f"{posted[name] / seconds[name]:,.0f}/s"
        )
    print(
        f"new / v1 = {seconds['v1'] / seconds['new']:.2f}x; 1-min load average "
        f"{min(loads):.2f}–{max(loads):.2f}"
    )


def _run(args: argparse.Namespace) -> None:
    _setup(args.pg_url)
    if args.compare:
        _compare(args)
        return
    from django.db import connection
    from django.db.models import Sum

    from qingqian.cases.models import Case
    from qingqian.payments.bulk import payments_post_bulk
    from qingqian.payments.models import Payment
    from qingqian.payments.remittance import reconciliation_report, remittance_run
    from qingqian.payments.services import payment_record

    t0 = time.perf_counter()
    org, case_ids = _world(args.cases, charges_every=args.charges_every)
    print(f"setup: {len(case_ids):,} cases in {time.perf_counter() - t0:.1f} s", flush=True)

    # 1. bulk posting: the first month (one payment per case), then the remittance of that
    # month for every case, then the peers, then the remaining months.
    items = _items(case_ids, args.payments)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    t0 = time.perf_counter()
    posted = 0
    bulk_s = 0.0

    def post(n: int) -> None:
        nonlocal posted, bulk_s
        while posted < n:
            batch: list[Any] = []
            for item in items:
                batch.append(item)
                if len(batch) >= min(50_000, n - posted):
                    break
            if not batch:
                return
            t = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            posted += payments_post_bulk(organisation=org, items=batch, actor=None).created
            if profiler is not None:
                profiler.disable()
            bulk_s += time.perf_counter() - t
            print(
                f"  posted {posted:,} in {bulk_s:.1f} s ({posted / bulk_s:,.0f}/s), "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )

    post(min(len(case_ids), args.payments))
    print(f"bulk posting, month 1: {posted:,} in {bulk_s:.1f} s = {posted / bulk_s:,.0f}/s")
    if args.only_post:
        post(args.payments)
        print(
            f"bulk posting: {posted:,} payments in {bulk_s:.1f} s = {posted / bulk_s:,.0f}/s, "
            f"load {os.getloadavg()[0]:.2f}"
        )
        if profiler is not None:
            profiler.dump_stats(args.profile)
        return

    t0 = time.perf_counter()
    batches = remittance_run(
        organisation=org, period="2027-01", basis="net", actor=None, today=dt.date(2027, 12, 31)
    )
    remit_s = time.perf_counter() - t0
    month_cases = sum(b.cases for b in batches)
    print(
        f"remittance 2027-01: {len(batches)} batches, {month_cases:,} cases, "
        f"{sum(b.amount for b in batches):,} yuan in {remit_s:.1f} s "
        f"(target < {TARGET_REMIT_S:.0f} s for 100,000 cases: "
        f"{'met' if remit_s < TARGET_REMIT_S else 'NOT met'})",
        flush=True,
    )
    first = dt.date(2027, 1, 1)
    t0 = time.perf_counter()
    naive_total = Decimal(0)
    for cid in case_ids[: args.peer]:
        naive_total += (
            Payment.objects.filter(
                case_id=cid,
                received_at__date__gte=first,
                received_at__date__lte=dt.date(2027, 1, 31),
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
    naive_s = time.perf_counter() - t0
    print(
        f"peer naive per-case sums: {args.peer:,} cases in {naive_s:.1f} s → "
        f"{naive_s * len(case_ids) / args.peer:.0f} s for {len(case_ids):,} (extrapolated)",
        flush=True,
    )

    # 2. peer: payment_record one at a time
    cases = list(Case.objects.filter(pk__in=case_ids[: args.peer]).order_by("pk"))
    at = dt.datetime(2027, 11, 10, 2, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    for n, case in enumerate(cases):
        payment_record(
            case=case, amount=Decimal("123.45"), kind="bank_transfer",
            idempotency_key=f"peer:{n}", actor=None, received_at=at,
        )  # fmt: skip
    peer_s = time.perf_counter() - t0
    peer_rate = len(cases) / peer_s
    month1_rate = posted / bulk_s
    print(
        f"peer payment_record one by one: {len(cases):,} in {peer_s:.1f} s = {peer_rate:,.0f}/s;"
        f" bulk is {month1_rate / peer_rate:.1f}x",
        flush=True,
    )

    # 3. the remaining months
    post(args.payments)
    bulk_rate = posted / bulk_s
    print(
        f"bulk posting: {posted:,} payments in {bulk_s:.1f} s = {bulk_rate:,.0f}/s "
        f"(target ≥ {TARGET_POST:,}/s: {'met' if bulk_rate >= TARGET_POST else 'NOT met'})",
        flush=True,
    )

    # 4. reconciliation
    t0 = time.perf_counter()
    report = reconciliation_report(organisation=org)
    print(
        f"reconciliation: ok={report.ok}, received {report.trust.total.received:,} in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size: {cur.fetchone()[0]}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
