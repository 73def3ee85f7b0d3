"""End-to-end benchmark of ``qingqian netting solve`` against a textbook OR-Tools peer.

For each size a CSV of N obligations (``id,debtor,creditor,amount,due``) is written once
from the synthetic supply chain of ``benchmarks/netting.py`` (same generator, same seed)
and kept under ``benchmarks/out/``. Then, each in a fresh process:

* **ours**: ``qingqian netting solve FILE --json --out SETOFFS.csv`` (stdout to a file),
  from process start to exit: CSV parse (pyarrow), validation, SCCs, OR-Tools, the JSON of
  every set-off and the set-off CSV (the console script skips Django's start-up for it);
* **peer**: the textbook MTCS min-cost flow, read straight from the same CSV with pandas:
  one OR-Tools ``SimpleMinCostFlow`` arc per obligation (capacity = amount in fen, cost 1),
  every firm's net position as its supply, minimise the remaining debt; it prints only the
  cleared total (it writes no per-obligation output).

Wall seconds are from ``subprocess`` start to exit, CPU seconds (user + system, shown in
brackets) are the comparable figure on a busy machine; peak MB is the largest sum of the
resident set sizes of the process and its children, sampled every 50 ms from ``/proc``
(and never below the kernel's ``ru_maxrss`` of the largest one). Both cleared totals must be
equal.

Run: ``.venv/bin/python benchmarks/netting_e2e.py [--sizes 100000,1000000,10000000]
[--seed 2026] [--runs 1]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
os.environ.setdefault("QINGQIAN_DEV", "1")  # the CLI outside make
sys.path.insert(0, str(ROOT / "benchmarks"))

from netting import BASE_DAY, generate_arrays  # noqa: E402


def write_csv(n: int, seed: int) -> Path:
    """The obligations CSV for ``n`` (written once, then reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"netting_{n}_{seed}.csv"
    if path.exists():
        return path
    g = generate_arrays(n, seed)
    names = [f"F{i:07d}" for i in range(g["firms"])]
    dates = [dt.date.fromordinal(BASE_DAY + d).isoformat() for d in range(730)]
    tmp = path.with_suffix(".tmp")
    chunk = 1_000_000
    with tmp.open("w", encoding="utf-8", newline="") as f:
        f.write("id,debtor,creditor,amount,due\n")
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            f.writelines(
                f"INV{i:08d},{names[d]},{names[c]},{a // 100}.{a % 100:02d},{dates[day]}\n"
                for i, d, c, a, day in zip(
                    range(lo, hi),
                    g["debtor"][lo:hi].tolist(),
                    g["creditor"][lo:hi].tolist(),
                    g["fen"][lo:hi].tolist(),
                    g["day"][lo:hi].tolist(),
                    strict=True,
                )
            )
    tmp.rename(path)
    return path


def peer(path: str) -> None:
    """The textbook peer: pandas in, one OR-Tools arc per obligation, cleared total out."""
    import pandas as pd
    from ortools.graph.python import min_cost_flow

    df = pd.read_csv(path, usecols=["debtor", "creditor", "amount"])
    fen = (df["amount"] * 100).round().astype("int64").to_numpy()
    codes, firms = pd.factorize(pd.concat([df["debtor"], df["creditor"]], ignore_index=True))
    m = len(df)
    tails, heads = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    n = len(firms)
    # supply = payables - receivables: a net debtor sends its net debt through the network
    supply = np.bincount(tails, fen, minlength=n) - np.bincount(heads, fen, minlength=n)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, fen, np.ones(m, dtype=np.int64))
    smcf.set_nodes_supplies(np.arange(n, dtype=np.int64), np.rint(supply).astype(np.int64))
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SystemExit(f"peer: OR-Tools status {status}")
    total = int(fen.sum())
    cleared = total - smcf.optimal_cost()
    print(json.dumps({"cleared": str(Decimal(cleared).scaleb(-2)), "firms": n}))


def _tree_rss_kb(pid: int) -> int:
    """Resident set size (KiB) of ``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def measure(cmd: list[str], stdout_path: Path) -> dict[str, Any]:
    """Wall seconds and peak MB (process tree) of ``cmd``, stdout to ``stdout_path``."""
    peak = 0
    err_path = stdout_path.with_suffix(".err")
    with stdout_path.open("wb") as out, err_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)  # noqa: S603
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_kb(proc.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    if proc.returncode:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {err_path.read_text()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime  # the process and the children it waited for
    return {"seconds": seconds, "cpu": cpu, "peak_mb": max(peak, usage.ru_maxrss) / 1024}


def cleared_of(stdout_path: Path) -> str:
    """The ``cleared`` field of a JSON answer, read from its first bytes."""
    with stdout_path.open("rb") as f:
        head = f.read(4096).decode()
    key = '"cleared": "'
    at = head.index(key) + len(key)
    return head[at : head.index('"', at)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=1, help="runs per size (best is shown)")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        peer(args.peer)
        return
    qingqian = str(Path(sys.executable).with_name("qingqian"))
    print(
        "wall s (cpu s): process start to exit; peak MB: largest RSS sum of the process tree.\n"
        "ours = `qingqian netting solve FILE --json --out SETOFFS.csv` (every set-off twice);\n"
        "peer = pandas + one OR-Tools SimpleMinCostFlow arc per obligation (cleared total only)."
    )
    print(
        f"{'obligations':>11} {'CSV MB':>7} {'ours s (cpu)':>16} {'ours MB':>8} "
        f"{'peer s (cpu)':>16} {'peer MB':>8} {'ours/peer':>20} {'cleared':>20} same  load",
        flush=True,
    )
    failures = []
    for n in [int(s) for s in args.sizes.split(",")]:
        path = write_csv(n, args.seed)
        ours: dict[str, Any] | None = None
        theirs: dict[str, Any] | None = None
        for _ in range(args.runs):
            env_cmd = [qingqian, "netting", "solve", str(path), "--json",
                       "--out", str(OUT / f"setoffs_{n}.csv")]  # fmt: skip
            r = measure(env_cmd, OUT / f"solve_{n}.json")
            r["cleared"] = cleared_of(OUT / f"solve_{n}.json")
            if ours is None or r["seconds"] < ours["seconds"]:
                ours = r
            if not args.skip_peer:
                p = measure([sys.executable, __file__, "--peer", str(path)], OUT / f"peer_{n}.json")
                p["cleared"] = json.loads((OUT / f"peer_{n}.json").read_text())["cleared"]
                if theirs is None or p["seconds"] < theirs["seconds"]:
                    theirs = p
        assert ours is not None
        if theirs is None:
            peer_cols, same = f"{'-':>16} {'-':>8} {'-':>20}", "-"
        else:
            ratio = ours["seconds"] / theirs["seconds"]
            peer_cols = (
                f"{theirs['seconds']:7.2f} ({theirs['cpu']:6.2f}) {theirs['peak_mb']:8.0f} "
                f"{ratio:8.2f}x ({ours['cpu'] / theirs['cpu']:.2f}x cpu)"
            )
            same = "yes" if Decimal(theirs["cleared"]) == Decimal(ours["cleared"]) else "NO"
            if same == "NO":
                failures.append(f"{n}: ours {ours['cleared']} != peer {theirs['cleared']}")
        print(
            f"{n:>11} {path.stat().st_size / 2**20:7.0f} "
            f"{ours['seconds']:7.2f} ({ours['cpu']:6.2f}) "
            f"{ours['peak_mb']:8.0f} {peer_cols} {ours['cleared']:>20} {same:>4}  "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
    try:
        import pyarrow

        arrow = f"pyarrow {pyarrow.__version__} (ours reads with it; the peer's pandas may too)"
    except ImportError:
        arrow = "no pyarrow (ours reads with pandas)"
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {arrow}")
    if failures:
        raise SystemExit("cleared totals differ: " + "; ".join(failures))


if __name__ == "__main__":
    main()
