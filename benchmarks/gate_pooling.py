"""The contact gate's decision rate direct to PostgreSQL and through PgBouncer in
transaction mode, measured in one run on one database:

- direct, prepared: the gate as shipped on a direct connection (``PREPARE`` once per
  connection, then ``EXECUTE``);
- direct, unprepared: the same connection with ``QINGQIAN_DB_POOLED=1`` (no ``PREPARE``) —
  the cost of giving preparation up, isolated from the pooler;
- PgBouncer: ``QINGQIAN_DB_POOLED=1`` through the pooler (``.ci/services pgbouncer``), the
  configuration deploy/ ships. (Prepared through PgBouncer 1.18 fails at once: "prepared
  statement … already exists / does not exist"; the pooler's own prepared-statement support
  needs 1.21.)

Each mode runs in its own process (the settings differ) with ``--workers`` forked workers
each deciding ``--per-worker`` single decisions (what the API does), on its own local day;
then 16 workers × 8 robot calls race for one debtor in each mode (the cap lets exactly 3).

    nice -n 5 .venv/bin/python benchmarks/gate_pooling.py --workers 8 --per-worker 100

Peer: the direct, prepared gate. Needs PostgreSQL on :5432 and PgBouncer on :6432.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODES = {
    "direct_prepared": ("5432", ""),
    "direct_unprepared": ("5432", "1"),
    "pgbouncer_unprepared": ("6432", "1"),
}


def one(mode: str, name: str, workers: int, per: int, day: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import contact_gate as bench  # the gate benchmark's fixtures and runner
    import django

    django.setup()
    from qingqian.cases.models import CaseParty
    from qingqian.contact.services import contact_system_actor

    pairs = list(
        CaseParty.objects.filter(case__organisation__short_code="bench", role="debtor")
        .order_by("case_id")
        .values_list("case_id", "party_id")
    )
    robot = contact_system_actor(organisation=_org()).pk
    spread, race = pairs[:-3], pairs[-3:]
    out = bench.run("gate", spread, robot, workers, per, day=day)
    index = list(MODES).index(mode)
    out["race_allowed_of_128"] = bench.run("gate", [race[index]], robot, 16, 8, True, day=day)[
        "allowed"
    ]
    return out


def _org() -> Any:
    from qingqian.accounts.models import Organisation

    return Organisation.objects.get(short_code="bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--per-worker", type=int, default=100)
    parser.add_argument("--database", default="qq_gate_pool_bench")
    parser.add_argument("--one", choices=list(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--day", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.database, args.workers, args.per_worker, args.day)))
        return

    direct = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.update(DATABASE_URL=direct, DJANGO_SETTINGS_MODULE="qingqian.settings")
    sys.path.insert(0, str(HERE))
    import contact_gate as bench

    bench.recreate(direct)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    bench.setup_data(args.debtors + 3)
    from django.db import connections

    connections.close_all()
    out: dict[str, Any] = {
        "workers": args.workers,
        "decisions_per_mode": args.workers * args.per_worker,
        "cpus": os.cpu_count(),
        "load_1min_before": round(os.getloadavg()[0], 2),
    }
    for n, (mode, (port, pooled)) in enumerate(MODES.items()):
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{args.database}",
            "QINGQIAN_DB_POOLED": pooled,
        }
        cmd = [sys.executable, __file__, "--one", mode, "--day", str(4 * n)]
        cmd += ["--workers", str(args.workers), "--per-worker", str(args.per_worker)]
        cmd += ["--database", args.database]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if res.returncode:
            out[mode] = {"error": res.stderr.strip().splitlines()[-1:]}
        else:
            out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
