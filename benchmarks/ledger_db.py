"""Benchmark of the database-backed case log (``qingqian.ledger.services``).

Measures, per database (a fresh SQLite file; PostgreSQL if ``--postgres URL`` is given, in
a scratch database it creates and drops):

* appends/s *batched*, up to ``--entries`` entries in chunks (statements canonicalised,
  leaf-hashed, inserted, sequenced, tiles and bundles grown, checkpoint signed per chunk),
  in two modes, each in a fresh store: ``two-pass`` (``ledger_append_many`` inserts pending
  entries, ``ledger_integrate`` after commit sequences them) and ``sequenced``
  (``ledger_append_sequenced`` assigns indices at insert under the log lock; the
  integration after commit only signs the checkpoint);
* appends/s *one per commit*: each ``ledger_append`` in its own transaction, integration
  after each commit (what a busy system with one event per request does): every entry is
  sequenced at its commit, checkpoints are signed as the settings' bounds say
  (``single_signed`` counts them) and the checkpoint served at the end covers the log;
* cold inclusion-proof latency at the largest size (tiles read from the database each time,
  nothing cached in the process), mean and p99;
* the same rates per second of the process's CPU time (``*_per_cpu_s``: the SQLite work
  runs inside the process for both stores; less sensitive than wall time to what else
  runs on a shared machine, though not immune to it);
* the peer: pymerkle 7.0.0's ``SqliteTree`` (GPL: a benchmark-only dependency, never
  imported from ``src/``) appending the same statements and proving inclusion, fed twice:
  ``pymerkle`` canonicalises with the kernel's pure-Python ``canonicalize`` (as this
  benchmark always did), ``pymerkle-fast`` with ``services.canonical_statement``, the
  encoder our write path uses; the second is the like-for-like comparison of the stores.

Each backend runs in its own process (fresh Django, fresh store) per size. The full run
the issue asks for (10⁵ and 10⁶, SQLite, PostgreSQL and pymerkle; minutes, needs
``pip install pymerkle==7.0.0``)::

    nice .venv/bin/python benchmarks/ledger_db.py --entries 100000 1000000 \
        --postgres postgres://postgres@127.0.0.1:5432/postgres

The PostgreSQL scratch database is ``qq_ledger_bench``. The one-minute load average is
printed with every line, and the ratios to the peer at the end of each size: figures
taken on a busy machine are not comparable with the targets, ratios in one run are.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SCRATCH_DB = "qq_ledger_bench"  # PostgreSQL scratch database, created and dropped


def statement(n: int) -> dict[str, object]:
    return {
        "v": 1,
        "type": "case.state_changed",
        "case": f"BENCH-2026-{n // 10:06d}",
        "case_id": n // 10,
        "event_id": n,
        "at": "2026-01-01T00:00:00.000000Z",
        "from_state": "intake",
        "to_state": "evidence_review",
        "salt": f"{n:032x}",
    }


def run_django(entries: int, single: int, chunk: int, mode: str) -> dict[str, float]:
    import django
    from django.core.management import call_command
    from django.db import connection, transaction

    django.setup()
    call_command("migrate", verbosity=0)
    from qingqian.ledger import selectors, services
    from qingqian.ledger.canonical import canonicalize
    from qingqian.ops import sqlite_wal

    result: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    append = (
        services.ledger_append_sequenced if mode == "sequenced" else services.ledger_append_many
    )
    for begin in range(0, entries, chunk):
        with transaction.atomic():
            append(
                services.NewEntry("case.state_changed", n // 10, statement(n))
                for n in range(begin, min(entries, begin + chunk))
            )
        services.ledger_integrate()  # after commit already; publishes nothing new here
    # The clock stops once the pages are in the database file (SQLite's WAL checkpoints run
    # on their own thread, qingqian/ops/sqlite_wal.py; pymerkle's rollback journal writes
    # the file at each commit).
    assert sqlite_wal.settle(connection)
    result["batched_per_s"] = entries / (time.perf_counter() - started)
    result["batched_per_cpu_s"] = entries / (time.process_time() - cpu)
    from qingqian.ledger.models import Checkpoint

    signed = Checkpoint.objects.count()
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(entries, entries + single):
        with transaction.atomic():
            services.ledger_append(kind="case.state_changed", case_id=n, statement=statement(n))
    assert sqlite_wal.settle(connection)
    result["single_per_s"] = single / (time.perf_counter() - started)
    result["single_per_cpu_s"] = single / (time.process_time() - cpu)
    # Checkpoints signed during the one-per-commit run (signing is batched: every
    # QINGQIAN_LOG_CHECKPOINT_EVERY entries or _MS milliseconds).
    result["single_signed"] = Checkpoint.objects.count() - signed
    size = selectors.log_size()
    assert size == entries + single, size
    # Every entry was sequenced at its commit; what is served is signed and current.
    served = services.checkpoint_current()
    assert served is not None, "no checkpoint served"
    assert served.size == size, served
    connection.close()
    timings = []
    for index in random.Random(7).sample(range(size), 300):
        t0 = time.perf_counter()
        selectors.inclusion_proof(index, size).verify()
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    result["proof_ms_mean"] = statistics.mean(timings)
    result["proof_ms_p99"] = timings[int(len(timings) * 0.99) - 1]
    result["size"] = size
    from qingqian.ledger.speedups import compiled

    result["compiled"] = int(compiled is not None)  # 0 under QINGQIAN_LEDGER_PURE=1
    assert len(canonicalize(statement(0))) < 400
    return result


def run_pymerkle(entries: int, chunk: int, fast: bool) -> dict[str, float] | None:
    try:
        from pymerkle import SqliteTree  # GPL, benchmark-only
    except ImportError:
        print(
            "pymerkle 7.0.0 is not installed; skipping the peer "
            "(.venv/bin/pip install pymerkle==7.0.0)"
        )
        return None
    if fast:
        import django

        django.setup()
        from qingqian.ledger.services import canonical_statement as canonicalize
    else:
        from qingqian.ledger.canonical import canonicalize

    with tempfile.TemporaryDirectory() as folder:
        tree = SqliteTree(os.path.join(folder, "pymerkle.db"))
        started, cpu = time.perf_counter(), time.process_time()
        for begin in range(0, entries, chunk):
            tree.append_entries(
                [canonicalize(statement(n)) for n in range(begin, min(entries, begin + chunk))]
            )
        batched = entries / (time.perf_counter() - started)
        batched_cpu = entries / (time.process_time() - cpu)
        single = 2000
        started, cpu = time.perf_counter(), time.process_time()
        for n in range(entries, entries + single):
            tree.append_entry(canonicalize(statement(n)))
        single_rate = single / (time.perf_counter() - started)
        single_cpu = single / (time.process_time() - cpu)
        size = tree.get_size()
        timings = []
        for index in random.Random(7).sample(range(1, size + 1), 50):
            tree.cache_clear()
            t0 = time.perf_counter()
            tree.prove_inclusion(index, size)
            timings.append((time.perf_counter() - t0) * 1000)
        tree.close()
    return {
        "batched_per_s": batched,
        "batched_per_cpu_s": batched_cpu,
        "single_per_s": single_rate,
        "single_per_cpu_s": single_cpu,
        "proof_ms_mean": statistics.mean(timings),
        "size": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000])
    parser.add_argument("--single", type=int, default=2_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--postgres", help="postgres://… (a scratch database is created)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "pymerkle", "pymerkle-fast"])
    parser.add_argument("--mode", choices=["two-pass", "sequenced"], default="two-pass")
    args = parser.parse_args()
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    os.environ["QINGQIAN_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    if args.backend is None:  # run each backend in its own process (fresh Django)
        import subprocess

        runs = [
            (backend, mode)
            for backend in ["sqlite", *(["postgres"] if args.postgres else [])]
            for mode in ("two-pass", "sequenced")
        ] + [("pymerkle", "-"), ("pymerkle-fast", "-")]
        for entries in args.entries:
            figures: dict[str, dict[str, float]] = {}
            for backend, mode in runs:
                command = [
                    sys.executable,
                    __file__,
                    "--backend",
                    backend,
                    "--entries",
                    str(entries),
                    "--single",
                    str(args.single),
                    "--chunk",
                    str(args.chunk),
                ]
                if mode != "-":
                    command += ["--mode", mode]
                if args.postgres:
                    command += ["--postgres", args.postgres]
                done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
                print(done.stdout, end="", flush=True)
                for line in done.stdout.splitlines():
                    if "batched_per_s=" in line:
                        # figures print with thousands separators: "batched_per_s=7,052.05, …"
                        name, shown = line.split(" entries=", 1)
                        values = shown.split(": ", 1)[1].rsplit(" (load", 1)[0]
                        figures[name.strip()] = {
                            key: float(value.replace(",", ""))
                            for key, value in (item.split("=", 1) for item in values.split(", "))
                        }
            for peer in ("pymerkle", "pymerkle-fast"):
                if peer not in figures:
                    continue
                for what, key in (
                    ("batched", "batched_per_s"),
                    ("batched, CPU time", "batched_per_cpu_s"),
                    ("one per commit", "single_per_s"),
                    ("one per commit, CPU time", "single_per_cpu_s"),
                ):
                    ratios = ", ".join(
                        f"{name} {values[key] / figures[peer][key]:.2f}x"
                        for name, values in figures.items()
                        if not name.startswith("pymerkle")
                    )
                    print(f"{what} vs {peer} at {entries:,}: {ratios}", flush=True)
        return
    [entries] = args.entries
    label = args.backend if args.backend.startswith("pymerkle") else f"{args.backend}/{args.mode}"
    if args.backend.startswith("pymerkle"):
        if args.backend == "pymerkle-fast":
            os.environ["DATABASE_URL"] = "sqlite://:memory:"
        figures = run_pymerkle(entries, args.chunk, fast=args.backend == "pymerkle-fast")
    elif args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
            figures = run_django(entries, args.single, args.chunk, args.mode)
    else:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
            admin.execute(f"CREATE DATABASE {SCRATCH_DB}")
        base = args.postgres.rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{SCRATCH_DB}"
        try:
            figures = run_django(entries, args.single, args.chunk, args.mode)
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
    if figures is not None:
        shown = ", ".join(
            f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in figures.items()
        )
        load = os.getloadavg()[0]
        print(f"{label:18s} entries={entries:,}: {shown} (load {load:.1f})", flush=True)


if __name__ == "__main__":
    main()
