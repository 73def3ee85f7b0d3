"""Server time of the case pages and the case API with a large case book in PostgreSQL.

Fills a scratch PostgreSQL database (default ``qq_pages``, created here and dropped at the end
unless ``--keep``) with 100,000 cases through the real ledger import: three creditors
(50/30/20 % of the book), one case per debtor company, each with 1-3 invoices. Cases are then
spread over the open lifecycle states, a quarter of them left unassigned and the rest given
to three collectors, and their creation times spread over two years (bulk SQL, so the list
order is not simply the insertion order); then the database is vacuumed and analysed.

Logged in as a staff administrator with Django's test ``Client`` (the whole middleware stack,
no network), it times ``client.get`` for each page: 10 warm-up requests (discarded; their
query counts are recorded with ``CaptureQueriesContext``), then 200 timed requests, and
prints p50/p95/max and queries per request. Target (issue 2): p95 under 150 ms.

Run: ``.venv/bin/python benchmarks/case_pages.py [--cases N] [--requests N] [--keep]
[--reuse] [--profile NAME]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ledger_gen import case_book_rows, make_uscc, write_rows  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/qq_pages"
TARGET_P95_MS = 150.0
WARMUP = 10
CREDITORS = (
    ("苏州园区精密电子有限公司", "320571", 0.5),
    ("苏州相城汽车零部件有限公司", "320507", 0.3),
    ("苏州姑苏文旅发展有限公司", "320508", 0.2),
)
OPEN_STATES = (
    "intake",
    "evidence_review",
    "accepted",
    "negotiation",
    "payment_plan",
    "mediation",
    "litigation",
    "enforcement",
)


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.format(name=name))  # name comes from our own --pg-url


def _pg_exists(url: str) -> bool:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def _setup_django(db_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["QINGQIAN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("QINGQIAN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()


def fill(cases: int, folder: Path, seed: int) -> None:
    """Create the organisation, users, creditors and ``cases`` cases via the ledger import."""
    from django.db import connection

    from qingqian.accounts.models import Organisation, User
    from qingqian.cases.imports import ledger_import
    from qingqian.parties.models import Party

    org = Organisation.objects.create(name="苏州清欠商事调解中心", short_code="szqq")
    admin = User.objects.create_user(
        username="bench-admin", organisation=org, role="admin", is_staff=True
    )
    collectors = [
        User.objects.create_user(username=f"collector{i}", organisation=org, role="collector")
        for i in range(1, 4)
    ]
    # One debtor list, split between the creditors, so every debtor is distinct.
    rows = list(case_book_rows(cases, seed=seed))
    debtor_rows: dict[str, list[tuple[str, ...]]] = {}
    for r in rows:
        debtor_rows.setdefault(r[1], []).append(r)
    debtors = list(debtor_rows)
    start = 0
    for i, (name, area, share) in enumerate(CREDITORS, start=1):
        count = round(cases * share) if i < len(CREDITORS) else cases - start
        creditor = Party.objects.create(
            organisation=org,
            kind="company",
            name=name,
            credit_code=make_uscc(area, f"6{i:07d}"),
            is_client=True,
        )
        path = folder / f"book-{i}.csv"
        written = write_rows(
            path, iter([r for code in debtors[start : start + count] for r in debtor_rows[code]])
        )
        t = time.perf_counter()
        res = ledger_import(
            organisation=org, creditor=creditor, actor=admin, path=path, filename=path.name
        )
        assert not res.errors, res.errors[:3]
        print(
            f"  filled {creditor.name}: {res.cases_created:,} cases, {written:,} invoices "
            f"in {time.perf_counter() - t:.1f} s",
            flush=True,
        )
        start += count
    ids = [c.pk for c in collectors]
    with connection.cursor() as cur:
        states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        cur.execute(
            f"""
            UPDATE cases_case SET
              state = (ARRAY[{states}])[1 + (id * 37) % {len(OPEN_STATES)}],
              handler_id = CASE WHEN id % 4 = 0 THEN NULL
                                ELSE (ARRAY[{", ".join(map(str, ids))}])[1 + id % 3] END,
              created_at = TIMESTAMPTZ '2026-06-30 12:00+08'
                           - make_interval(mins => ((id * 7919) % 1051200)::int)
            """  # noqa: S608 - constants and our own ids only
        )
    # A loaded database has been vacuumed (autovacuum does it in production): without the
    # visibility map, PostgreSQL cannot answer counts and id pages from indexes alone.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, counting CJK characters as two columns."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


def _quantile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank quantile."""
    k = max(0, min(len(sorted_ms) - 1, round(q * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[k]


def measure(
    client: Any, name: str, urls: Callable[[int], str], n: int, check: Callable[[Any], None]
) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries: list[int] = []
    for i in range(WARMUP):
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(urls(i))
        check(resp)
        queries.append(len(ctx.captured_queries))
    times: list[float] = []
    for i in range(n):
        url = urls(WARMUP + i)
        t = time.perf_counter()
        resp = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if i % 50 == 0:
            check(resp)
    times.sort()
    return {
        "name": name,
        "p50": statistics.median(times),
        "p95": _quantile(times, 0.95),
        "max": times[-1],
        "queries": (min(queries), max(queries)),
    }


def run(args: argparse.Namespace, folder: Path) -> None:
    (folder / "static").mkdir()  # STATIC_ROOT lives in the data folder; keep WhiteNoise quiet
    _setup_django(args.pg_url, folder)
    from django.core.management import call_command
    from django.test import Client

    from qingqian.accounts.models import User
    from qingqian.cases.models import Case, CaseParty

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    have = Case.objects.count()
    if have == 0:
        print(f"filling {args.cases:,} cases …", flush=True)
        fill(args.cases, folder, args.seed)
        print(f"filled in {time.perf_counter() - t:.0f} s", flush=True)
    elif have != args.cases:
        raise SystemExit(f"{args.pg_url} holds {have:,} cases, not {args.cases:,}: drop it")
    n_cases = Case.objects.count()
    print(
        f"database: {n_cases:,} cases, "
        f"{Case.objects.values('invoices').count():,} invoices, PostgreSQL "
        f"({args.pg_url.rpartition('/')[2]}); python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )

    admin = User.objects.get(username="bench-admin")
    client = Client()
    client.force_login(admin)
    rng = random.Random(args.seed)
    ids = list(Case.objects.values_list("id", flat=True))
    sample_ids = [rng.choice(ids) for _ in range(WARMUP + args.requests)]
    links = list(
        CaseParty.objects.filter(case_id__in=sample_ids[:50]).values_list(
            "party__name", "party__credit_code"
        )
    )
    fragment = links[0][0][2:8]  # e.g. "吴中东吴中翔": a place and two words of a name
    code = links[1][1]
    deep = max(1, (n_cases // 50) * 3 // 4)

    def ok(fragment_in_page: str | None = None) -> Callable[[Any], None]:
        def check(resp: Any) -> None:
            assert resp.status_code == 200, (resp.status_code, resp.content[:300])
            if fragment_in_page is not None:
                assert fragment_in_page.encode() in resp.content

        return check

    plans: list[tuple[str, Callable[[int], str], Callable[[Any], None]]] = [
        ("/cases/ page 1", lambda i: "/cases/", ok("案号")),
        (f"/cases/?page={deep} (deep)", lambda i: f"/cases/?page={deep}", ok("案号")),
        (f"/cases/?q={fragment} (name)", lambda i: f"/cases/?q={fragment}", ok(fragment)),
        (f"/cases/?q={code} (code)", lambda i: f"/cases/?q={code}", ok(code)),
        ("/cases/<id>/ (detail)", lambda i: f"/cases/{sample_ids[i]}/", ok("发票")),
        ("GET /api/v1/cases", lambda i: "/api/v1/cases", ok('"count"')),
        (
            f"GET /api/v1/cases?page={deep}",
            lambda i: f"/api/v1/cases?page={deep}",
            ok('"items"'),
        ),
    ]
    if args.profile:
        import cProfile
        import pstats

        name, urls, check = next(p for p in plans if p[0].startswith(args.profile))
        prof = cProfile.Profile()
        prof.runcall(lambda: [check(client.get(urls(i))) for i in range(50)])
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
        return
    print(f"\n{WARMUP} warm-ups discarded, {args.requests} timed requests each (ms)")
    print(f"{'request':<44} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}  target p95<150")
    for name, urls, check in plans:
        m = measure(client, name, urls, args.requests, check)
        lo, hi = m["queries"]
        q = str(lo) if lo == hi else f"{lo}-{hi}"
        verdict = "meets" if m["p95"] < TARGET_P95_MS else "MISSES"
        print(
            f"{_pad(name, 44)} {m['p50']:>7.1f} {m['p95']:>7.1f} {m['max']:>7.1f}"
            f" {q:>8}  {verdict}",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--pg-url", default=PG_URL, help="scratch database (created here)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep")
    ap.add_argument("--profile", help="cProfile 50 requests of the request named like this")
    args = ap.parse_args()
    if not (args.reuse and _pg_exists(args.pg_url)):
        _pg_admin(args.pg_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(args.pg_url, 'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="qq-pages-") as tmp:
            run(args, Path(tmp))
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _pg_admin(args.pg_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
