"""Benchmark of the bulk ledger import (``qingqian.cases.imports.ledger_import``).

Generates a deterministic ledger CSV (default 100,000 invoices over 8,000 debtor companies
with valid credit codes; see ``_ledger_gen.py``), then, for SQLite (a temporary file) and for
PostgreSQL (a scratch database ``qq_bench``, created and dropped here), runs in a fresh
subprocess that migrates an empty database first:

* the import of the whole file (rows/s, peak RSS of the process);
* a re-import of the same file, where every row is a duplicate (rows/s, peak RSS);
* a named peer on a slice of the file (default 5,000 rows): a naive per-row ORM import
  written below (``get_or_create`` per party, ``Case.objects.create`` /
  ``Invoice.objects.create`` per row, one transaction), against the real import of the same
  slice into another organisation of the same database, so the reader sees what batching buys;
* the validation pass alone (``parse_ledger``), to split parse time from write time.

Targets (issue 2): at least 5,000 rows/s and under 1 GB peak memory.

Run: ``.venv/bin/python benchmarks/import_ledger.py [--rows N] [--peer-rows N]
[--skip-postgres] [--pg-url URL] [--profile]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ledger_gen import HEADER, make_uscc, write_ledger  # noqa: E402

TARGET_ROWS_PER_S = 5000
TARGET_RSS_MB = 1024
PG_URL = "postgres://postgres@127.0.0.1:5432/qq_bench"


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- child process


def _setup_django(db_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["QINGQIAN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("QINGQIAN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()


def naive_import(*, organisation: Any, creditor: Any, actor: Any, path: Path) -> dict[str, int]:
    """The peer: what a first, row-at-a-time ORM version of the import looks like.

    Same validation pass and same rows written (parties, cases, case parties, timeline and
    audit rows, invoices) as the real import, but one ORM call at a time.
    """
    from django.db import transaction
    from django.db.models import F
    from django.db.models.functions import Least

    from qingqian.audit.services import audit_record
    from qingqian.cases.ledger_parse import parse_ledger
    from qingqian.cases.models import Case, CaseParty, Invoice, TimelineEvent
    from qingqian.cases.services import references_reserve
    from qingqian.common import clock
    from qingqian.parties.models import Party

    parsed = parse_ledger(path, path.name)
    assert not parsed.errors, parsed.errors[:3]
    imported = duplicates = created = 0
    with transaction.atomic():
        for r in parsed.rows:
            assert r.credit_code, "the peer handles company debtors with a credit code only"
            if Invoice.objects.filter(creditor=creditor, number=r.invoice_no).exists():
                duplicates += 1
                continue
            party, made = Party.objects.get_or_create(
                organisation=organisation,
                credit_code=r.credit_code,
                defaults={
                    "kind": r.debtor_kind,
                    "name": r.debtor_name,
                    "city": r.city,
                    "district": r.district,
                },
            )
            if made:
                audit_record(
                    actor=actor,
                    organisation=organisation,
                    action="party.create",
                    obj=party,
                    after={"kind": party.kind, "name": party.name, "source": "import"},
                )
            case = (
                Case.objects.filter(
                    organisation=organisation,
                    creditor=creditor,
                    case_parties__party=party,
                    case_parties__role="debtor",
                )
                .exclude(state="closed")
                .first()
            )
            if case is None:
                (ref,) = references_reserve(
                    organisation=organisation, count=1, year=clock.today().year
                )
                case = Case.objects.create(
                    organisation=organisation,
                    reference=ref,
                    creditor=creditor,
                    debt_type=r.debt_type,
                    principal=r.amount,
                    outstanding=r.amount,
                    channel="import",
                    debtor_name=party.name,
                    oldest_due_date=r.due_date,
                    due_date=r.due_date,
                )
                CaseParty.objects.create(case=case, party=party, role="debtor")
                TimelineEvent.objects.create(
                    case=case, at=clock.now(), actor=actor, kind="opened", to_state=case.state
                )
                audit_record(
                    actor=actor,
                    organisation=organisation,
                    action="case.open",
                    obj=case,
                    after={"reference": ref, "principal": str(r.amount), "channel": "import"},
                )
                created += 1
            else:
                Case.objects.filter(pk=case.pk).update(
                    principal=F("principal") + r.amount,
                    outstanding=F("outstanding") + r.amount,
                    oldest_due_date=Least("oldest_due_date", r.due_date),
                )
            Invoice.objects.create(
                case=case,
                creditor=creditor,
                number=r.invoice_no,
                amount=r.amount,
                outstanding=r.amount,
                issue_date=r.issue_date,
                due_date=r.due_date,
                note=r.note,
            )
            imported += 1
    return {
        "rows": parsed.rows_seen,
        "imported": imported,
        "duplicates": duplicates,
        "cases_created": created,
    }


def _tenant(n: int) -> tuple[Any, Any, Any]:
    from qingqian.accounts.models import Organisation, User
    from qingqian.parties.models import Party

    org = Organisation.objects.create(name=f"基准测试机构{n}", short_code=f"bench{n}")
    user = User.objects.create_user(
        username=f"bench-intake-{n}", organisation=org, role="intake_agent"
    )
    creditor = Party.objects.create(
        organisation=org,
        kind="company",
        name="苏州园区精密电子有限公司",
        credit_code=make_uscc("320571", f"7{n:07d}"),
        is_client=True,
    )
    return org, user, creditor


def child(cfg: dict[str, Any]) -> dict[str, Any]:
    _setup_django(cfg["db_url"], Path(cfg["data_dir"]))
    from django.core.management import call_command
    from django.db import connection

    from qingqian.cases.imports import ledger_import
    from qingqian.cases.ledger_parse import parse_ledger
    from qingqian.cases.models import Case, Invoice

    out: dict[str, Any] = {"backend": connection.vendor}
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    out["migrate_s"] = time.perf_counter() - t
    out["rss_after_migrate_mb"] = rss_mb()
    path = Path(cfg["csv"])
    org, user, creditor = _tenant(1)

    def timed(label: str, fn: Any) -> Any:
        t0 = time.perf_counter()
        res = fn()
        out[label] = {"seconds": time.perf_counter() - t0, "peak_rss_mb": rss_mb()}
        return res

    def full() -> Any:
        return ledger_import(
            organisation=org, creditor=creditor, actor=user, path=path, filename=path.name
        )

    if cfg.get("profile"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        res = timed("import", lambda: prof.runcall(full))
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    else:
        res = timed("import", full)
    assert not res.errors, res.errors[:3]
    out["import"].update(
        rows=res.rows, imported=res.imported, duplicates=res.duplicates, cases=res.cases_created
    )
    assert Invoice.objects.filter(creditor=creditor).count() == res.rows
    res = timed("reimport", full)
    out["reimport"].update(
        rows=res.rows, imported=res.imported, duplicates=res.duplicates, cases=res.cases_created
    )
    assert res.imported == 0
    assert res.duplicates == res.rows

    # The peer and the real import on the same slice, each into a fresh organisation.
    piece = Path(cfg["slice_csv"])
    org2, user2, creditor2 = _tenant(2)
    naive = timed(
        "naive_slice",
        lambda: naive_import(organisation=org2, creditor=creditor2, actor=user2, path=piece),
    )
    out["naive_slice"].update(naive)
    org3, user3, creditor3 = _tenant(3)
    res = timed(
        "batched_slice",
        lambda: ledger_import(
            organisation=org3, creditor=creditor3, actor=user3, path=piece, filename=piece.name
        ),
    )
    out["batched_slice"].update(
        rows=res.rows, imported=res.imported, duplicates=res.duplicates, cases=res.cases_created
    )
    # Same outcome both ways: same invoices, same number of cases, same case totals.
    totals = [
        sorted(Case.objects.filter(creditor=c).values_list("principal", flat=True))
        for c in (creditor2, creditor3)
    ]
    assert totals[0] == totals[1], "naive and batched imports disagree"
    assert naive["cases_created"] == res.cases_created

    parsed = timed("parse_only", lambda: parse_ledger(path, path.name))
    out["parse_only"].update(rows=parsed.rows_seen)
    return out


# --------------------------------------------------------------------------- parent process


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.format(name=name))  # name comes from our own --pg-url


def run_child(cfg: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", json.dumps(cfg)],
        capture_output=True,
        text=True,
        check=False,
    )
    if cfg.get("profile") or proc.returncode != 0:
        sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({cfg['db_url'].split(':')[0]})")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _line(backend: str, label: str, m: dict[str, Any], target: bool) -> str:
    rate = m["rows"] / m["seconds"] if m["seconds"] else float("inf")
    verdict = ""
    if target:
        ok = rate >= TARGET_ROWS_PER_S and m["peak_rss_mb"] < TARGET_RSS_MB
        verdict = "meets target" if ok else "MISSES target"
    return (
        f"{backend:<9} {label:<30} {m['rows']:>8,} {m['seconds']:>9.2f} {rate:>10,.0f}"
        f" {m['peak_rss_mb']:>9,.0f}  {verdict}"
    )


def report(res: dict[str, Any], peer_rows: int) -> None:
    b = res["backend"]
    print(
        f"{b}: migrate {res['migrate_s']:.1f} s, "
        f"RSS after migrate {res['rss_after_migrate_mb']:.0f} MB"
    )
    imp = res["import"]
    print(
        f"{b}: import wrote {imp['imported']:,} invoices, {imp['cases']:,} cases; "
        f"re-import found {res['reimport']['duplicates']:,} duplicates"
    )
    print(f"{'backend':<9} {'run':<30} {'rows':>8} {'seconds':>9} {'rows/s':>10} {'peak MB':>9}")
    print(_line(b, "import (fresh database)", imp, True))
    print(_line(b, "re-import (all duplicates)", res["reimport"], True))
    print(_line(b, "validation pass only", res["parse_only"], False))
    print(_line(b, f"peer: naive per-row ORM, {peer_rows:,}", res["naive_slice"], False))
    print(_line(b, f"batched import, same {peer_rows:,}", res["batched_slice"], False))
    speedup = res["naive_slice"]["seconds"] / res["batched_slice"]["seconds"]
    print(f"{b}: batching is {speedup:.1f}x the naive per-row import on the same rows")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="ledger rows (default 100,000)")
    ap.add_argument("--debtors", type=int, default=None, help="distinct debtors (default 8%%)")
    ap.add_argument("--peer-rows", type=int, default=5000, help="slice for the naive peer")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--pg-url", default=PG_URL, help="scratch database (created and dropped)")
    ap.add_argument("--profile", action="store_true", help="cProfile the fresh import")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    with tempfile.TemporaryDirectory(prefix="qq-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "ledger.csv"
        t = time.perf_counter()
        debtors = write_ledger(csv_path, args.rows, debtors=args.debtors, seed=args.seed)
        gen_s = time.perf_counter() - t
        peer_rows = min(args.peer_rows, args.rows)
        slice_path = folder / "ledger-slice.csv"
        with csv_path.open(encoding="utf-8") as src, slice_path.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i > peer_rows:
                    break
                dst.write(line)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"ledger: {args.rows:,} rows, {debtors:,} debtors, {size_mb:.1f} MB, "
            f"columns {','.join(HEADER)} (generated in {gen_s:.1f} s, seed {args.seed})"
        )
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
        base = {
            "csv": str(csv_path),
            "slice_csv": str(slice_path),
            "profile": args.profile,
        }
        if not args.skip_sqlite:
            data = folder / "sqlite"
            data.mkdir()
            cfg = {**base, "db_url": f"sqlite:///{data / 'bench.sqlite3'}", "data_dir": str(data)}
            report(run_child(cfg), peer_rows)
        if not args.skip_postgres:
            data = folder / "pg"
            data.mkdir()
            _pg_admin(args.pg_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(args.pg_url, 'CREATE DATABASE "{name}"')
            try:
                report(run_child({**base, "db_url": args.pg_url, "data_dir": str(data)}), peer_rows)
            finally:
                _pg_admin(args.pg_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
