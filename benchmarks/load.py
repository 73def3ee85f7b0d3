"""Load test: the production server (``qingqian serve``: gunicorn, whitenoise) against
Django's ``runserver`` (the peer), on PostgreSQL with a 100,000-case demo portfolio, under a
mixed staff workload (benchmarks/_locustfile.py: case list, case page, search, API list,
contact decisions, payment posting) driven by locust from this machine, 127.0.0.1 only.

For each server and each number of concurrent users (each thinking 0.5–1.5 s between
actions), a bounded run (``--seconds``, default 30): requests/s, answers without error per
second (``ok_rps``; locust counts a refused or dropped request as a request too),
p50/p95/p99 (ms), errors, and the 1-minute load average before and after (the machine is
shared: read the figures beside it). Targets on 2 cores: p95 < 300 ms at 50 users with 0
errors, and at least 3× runserver's throughput. ``--workers`` lists gunicorn process
counts to compare (1 vs 2).

    .venv/bin/pip install -e ".[bench]"          # locust
    QINGQIAN_DEV=1 .venv/bin/python benchmarks/load.py --cases 100000 --users 50,200 --workers 1,2

The database (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/qq_load``)
is filled with ``qingqian load-demo --cases N`` once and kept; ``--refill`` starts afresh.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "QINGQIAN_DATA_DIR": str(data_dir),
        "QINGQIAN_CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "qingqian.settings",
    }


def fill(url: str, cases: int, env: dict[str, str], refill: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone()
        if exists and refill:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PY, "-m", "qingqian.cli", "migrate", "-v0"], env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [PY, "-m", "qingqian.cli", "load-demo", "--cases", str(cases), "--json"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


PREPARE = """
import json, random, sys, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from qingqian.accounts.models import User
from qingqian.accounts.services import api_token_create
from qingqian.cases.models import Case, CaseParty
rng = random.Random(7)
user = User.objects.get(username="lawyer")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "qingqian.accounts.backends.StaffModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.set_expiry(86400)
s.save()
ids = list(Case.objects.filter(organisation=user.organisation).values_list("id", flat=True))
open_ids = list(Case.objects.filter(organisation=user.organisation).exclude(
    state__in=["closed", "rejected", "intake"]).values_list("id", flat=True))
debtors = list(CaseParty.objects.filter(role="debtor", case_id__in=rng.sample(open_ids, 2000))
    .values_list("case_id", "party_id"))
names = [n for n in CaseParty.objects.filter(role="debtor", case_id__in=rng.sample(ids, 200))
    .values_list("party__name", flat=True)]
json.dump({"session": s.session_key, "token": api_token_create(user=user, name="load"),
    "cases": rng.sample(ids, 2000), "open_cases": rng.sample(open_ids, 2000),
    "debtors": debtors, "terms": [n[:4] for n in names]}, sys.stdout)
"""


def _wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (loopback)
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no answer from {url}")


def start(kind: str, workers: int, env: dict[str, str], log: Path) -> tuple[Any, str]:
    port = _port()
    if kind == "runserver":
        cmd = [PY, "-m", "qingqian.cli", "runserver", "--noreload", f"127.0.0.1:{port}"]
    else:
        cmd = [PY, "-m", "qingqian.cli", "serve", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--task-workers", "0", "--no-migrate"]  # fmt: skip
    out = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/login/", proc)
    return proc, base


def stop(proc: Any) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


#: The interpreter that runs locust: this one, unless ``--locust-python`` names another (a
#: virtualenv of its own keeps locust's dependencies away from the servers').
LOCUST_PY = [PY]


def drive(base: str, users: int, seconds: int, data: Path, folder: Path) -> dict[str, Any]:
    prefix = folder / f"run-{users}-{time.monotonic_ns()}"
    load_before = os.getloadavg()[0]
    subprocess.run(  # noqa: S603
        [LOCUST_PY[0], "-m", "locust", "-f", str(HERE / "_locustfile.py"), "--headless",
         "--host", base, "--users", str(users), "--spawn-rate", str(users),
         "--run-time", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix),
         "--only-summary", "--loglevel", "ERROR", "--exit-code-on-error", "0"],
        env={**os.environ, "QQ_LOAD_DATA": str(data)}, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    agg = rows["Aggregated"]
    per = {
        name: {"p95_ms": float(r["95%"]), "errors": int(r["Failure Count"])}
        for name, r in rows.items()
        if name != "Aggregated"
    }
    return {
        "users": users,
        "requests": int(agg["Request Count"]),
        "errors": int(agg["Failure Count"]),
        "rps": round(float(agg["Requests/s"]), 1),
        # Answers that were not errors, per second: a server that refuses or drops
        # requests under load is not serving them.
        "ok_rps": round(
            float(agg["Requests/s"])
            * (int(agg["Request Count"]) - int(agg["Failure Count"]))
            / max(int(agg["Request Count"]), 1),
            1,
        ),
        "p50_ms": float(agg["50%"]),
        "p95_ms": float(agg["95%"]),
        "p99_ms": float(agg["99%"]),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "per_action": per,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/qq_load")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--users", default="50,200")
    parser.add_argument("--workers", default="1,2", help="gunicorn processes to compare")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--skip-fill", action="store_true")
    parser.add_argument("--locust-python", default=PY, help="interpreter with locust installed")
    args = parser.parse_args()
    LOCUST_PY[0] = args.locust_python
    users = [int(u) for u in args.users.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = _env(args.database_url, folder)
        if not args.skip_fill:
            fill(args.database_url, args.cases, env, args.refill)
        data = folder / "data.json"
        data.write_bytes(
            subprocess.run([PY, "-c", PREPARE], env=env, check=True, capture_output=True).stdout  # noqa: S603
        )
        out: dict[str, Any] = {"cpus": os.cpu_count(), "cases": args.cases, "runs": []}
        plan = [("serve", w, u) for w in workers for u in users]
        plan += [("runserver", 1, u) for u in users]
        for kind, w, u in plan:
            proc, base = start(kind, w, env, folder / f"{kind}-{w}.log")
            try:
                drive(base, min(u, 10), 5, data, folder)  # warm-up, discarded
                result = drive(base, u, args.seconds, data, folder)
            finally:
                stop(proc)
            label = "runserver (peer)" if kind == "runserver" else f"gunicorn {w} process(es)"
            out["runs"].append({"server": label, **result})
            print(json.dumps(out["runs"][-1]), file=sys.stderr)
        runs = [r for r in out["runs"] if r["server"].startswith("runserver")]
        peer = {r["users"]: r["rps"] for r in runs}
        peer_ok = {r["users"]: r["ok_rps"] for r in runs}
        for r in out["runs"]:
            if peer.get(r["users"]):
                r["x_runserver"] = round(r["rps"] / peer[r["users"]], 2)
            if peer_ok.get(r["users"]):
                r["x_runserver_ok"] = round(r["ok_rps"] / peer_ok[r["users"]], 2)
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        print()


if __name__ == "__main__":
    main()
