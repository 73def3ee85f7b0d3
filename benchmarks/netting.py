"""Benchmark of the multilateral set-off solver (``qingqian.netting.solver``).

Synthetic supply-chain networks: five tiers (raw material -> parts -> modules -> assemblers
-> distributors), many small firms at the bottom and few large ones at the top, firm sizes
Pareto-distributed (heavy tail), invoice amounts lognormal (median 30,000 yuan) and scaled
by the buyer's size, due dates spread over two years, from a seed. 75% of invoices run up
the chain (a buyer owes its supplier), 15% within a tier and 10% down the chain (a supplier
buying from a customer: scrap, tooling, services, finished goods), which is what closes
the debt cycles.

For each size (10**3 .. 10**6 obligations) a fresh subprocess generates the network, then
runs ``solve`` and reports wall seconds and the process's peak resident memory
(``resource.getrusage(...).ru_maxrss``: OR-Tools allocates in C++, which ``tracemalloc``
cannot see), before and after the solve. Up to 10**5 another fresh subprocess runs
networkx's network simplex on the same network (the classic MTCS formulation: keep net
positions as node demands, minimise the remaining debt, on the whole graph), and the
cleared totals must be identical.

Run: ``.venv/bin/python benchmarks/netting.py [--sizes 1000,10000,100000,1000000]
[--nx-max 100000] [--seed 2026]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TIER_SHARE = (0.40, 0.30, 0.17, 0.08, 0.05)  # share of firms per tier, bottom to top
UP, SAME = 0.75, 0.15  # the rest (0.10) runs down the chain
FIRMS_PER_OBLIGATION = 0.1
BASE_DAY = dt.date(2024, 1, 1).toordinal()


def generate_arrays(n: int, seed: int) -> dict[str, Any]:
    """``n`` obligations of a synthetic supply chain as numpy columns: ``debtor`` and
    ``creditor`` (firm numbers), ``fen`` (amounts) and ``day`` (due date, days after
    2024-01-01), plus ``firms`` (how many firms)."""
    rng = np.random.default_rng(seed)
    n_firms = max(30, int(n * FIRMS_PER_OBLIGATION))
    tier_sizes = [max(3, round(s * n_firms)) for s in TIER_SHARE]
    tiers: list[np.ndarray[Any, Any]] = []
    start = 0
    for size in tier_sizes:
        tiers.append(np.arange(start, start + size))
        start += size
    size_weight = (rng.pareto(1.2, start) + 1.0) * np.repeat([1.0, 2.0, 5.0, 20.0, 8.0], tier_sizes)
    probs = [size_weight[t] / size_weight[t].sum() for t in tiers]

    kind = rng.random(n)
    debtor = np.empty(n, dtype=np.int64)
    creditor = np.empty(n, dtype=np.int64)
    up = kind < UP
    same = (kind >= UP) & (kind < UP + SAME)
    down = kind >= UP + SAME
    lower = rng.integers(0, len(tiers) - 1, n)  # pair of tiers (lower, lower + 1)
    same_tier = rng.integers(0, len(tiers), n)
    for t in range(len(tiers)):
        # up: the buyer in tier t+1 owes the supplier in tier t
        sel = up & (lower == t)
        if t + 1 < len(tiers):
            debtor[sel] = rng.choice(tiers[t + 1], sel.sum(), p=probs[t + 1])
            creditor[sel] = rng.choice(tiers[t], sel.sum(), p=probs[t])
            sel = down & (lower == t)
            debtor[sel] = rng.choice(tiers[t], sel.sum(), p=probs[t])
            creditor[sel] = rng.choice(tiers[t + 1], sel.sum(), p=probs[t + 1])
        sel = same & (same_tier == t)
        debtor[sel] = rng.choice(tiers[t], sel.sum(), p=probs[t])
        creditor[sel] = rng.choice(tiers[t], sel.sum(), p=probs[t])
    loops = debtor == creditor
    creditor[loops] = (creditor[loops] + 1) % start  # no self-loops
    scale = np.sqrt(size_weight[debtor] / np.median(size_weight))
    fen = np.maximum(1, np.rint(rng.lognormal(np.log(3_000_000), 1.2, n) * scale)).astype(np.int64)
    fen = np.minimum(fen, 99_999_999_999_999)
    days = rng.integers(0, 730, n)
    return {"debtor": debtor, "creditor": creditor, "fen": fen, "day": days, "firms": start}


def generate(n: int, seed: int) -> list[Any]:
    """``n`` obligations of a synthetic supply chain, as ``Obligation`` objects."""
    from qingqian.netting.solver import Obligation

    g = generate_arrays(n, seed)
    names = [f"F{i:07d}" for i in range(g["firms"])]
    dates = [dt.date.fromordinal(BASE_DAY + d) for d in range(730)]
    return [
        Obligation(f"INV{i:08d}", names[d], names[c], Decimal(a).scaleb(-2), dates[day])
        for i, (d, c, a, day) in enumerate(
            zip(
                g["debtor"].tolist(),
                g["creditor"].tolist(),
                g["fen"].tolist(),
                g["day"].tolist(),
                strict=True,
            )
        )
    ]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_solver(n: int, seed: int, mode: str) -> dict[str, Any]:
    from qingqian.netting.solver import NettingOptions, solve

    obligations = generate(n, seed)
    rss_input = rss_mb()
    c0, t0 = cpu_seconds(), time.perf_counter()
    result = solve(obligations, NettingOptions(age_tie_break=mode))
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    t1 = time.perf_counter()
    json.dumps(result.as_dict())
    return {
        "seconds": seconds,
        "cpu": cpu,
        "json_seconds": time.perf_counter() - t1,
        "rss_input_mb": rss_input,
        "rss_peak_mb": rss_mb(),
        "firms": len(result.firms),
        "total": str(result.total),
        "cleared": str(result.cleared),
        "clearable": str(result.clearable),
        "components": result.components,
        "largest_component": result.largest_component,
        "tie_break_exact": result.tie_break_exact,
        "mode_used": result.age_tie_break,
    }


def child_networkx(n: int, seed: int) -> dict[str, Any]:
    import networkx as nx

    obligations = generate(n, seed)
    c0, t0 = cpu_seconds(), time.perf_counter()
    graph = nx.MultiDiGraph()
    net: dict[str, int] = {}
    total = 0
    for ob in obligations:
        fen = int(ob.amount.scaleb(2))
        total += fen
        graph.add_edge(ob.debtor, ob.creditor, capacity=fen, weight=1)
        net[ob.debtor] = net.get(ob.debtor, 0) - fen
        net[ob.creditor] = net.get(ob.creditor, 0) + fen
    for firm, value in net.items():
        graph.nodes[firm]["demand"] = value
    remaining, _ = nx.network_simplex(graph)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    cleared = Decimal(total - remaining).scaleb(-2)
    return {"seconds": seconds, "cpu": cpu, "rss_peak_mb": rss_mb(), "cleared": str(cleared)}


def label(mode: str, r: dict[str, Any]) -> str:
    return f"a>{r['mode_used'][0]}" if mode == "auto" else mode


def run_child(kind: str, n: int, seed: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", kind, "--sizes", str(n), "--seed", str(seed)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--nx-max", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modes", default="auto,global,parallel")
    parser.add_argument("--child", choices=["auto", "global", "parallel", "networkx"])
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        if args.child == "networkx":
            print(json.dumps(child_networkx(sizes[0], args.seed)))
        else:
            print(json.dumps(child_solver(sizes[0], args.seed, args.child)))
        return

    print(
        "Solver seconds are wall (cpu) for solve(); 'json' is result.as_dict() + json.dumps;\n"
        "peak MB is the child process's ru_maxrss (input MB: after generating the input).\n"
        "global = age tie-break across the network; parallel = only between the same two\n"
        "firms; auto (default) = global up to 300,000 obligations on cycles, parallel above\n"
        "(mode column: auto>used). networkx: network simplex on the whole graph."
    )
    head = (
        f"{'obligations':>11} {'firms':>6} {'mode':>8} {'seconds':>15} {'json s':>6} "
        f"{'peak MB':>7} {'input MB':>8} {'cleared %':>9} {'% of clearable':>14} "
        f"{'largest SCC':>11} {'nx seconds':>15} {'nx MB':>6} {'speed-up':>8} same"
    )
    print(head)
    failures = []
    for n in sizes:
        nx_result = run_child("networkx", n, args.seed) if n <= args.nx_max else None
        for mode in args.modes.split(","):
            r = run_child(mode, n, args.seed)
            total, cleared = Decimal(r["total"]), Decimal(r["cleared"])
            clearable = Decimal(r["clearable"])
            pct = 100 * cleared / total if total else Decimal(0)
            pct_clearable = 100 * cleared / clearable if clearable else Decimal(0)
            nx_cols = f"{'-':>15} {'-':>6} {'-':>8} -"
            if nx_result is not None:
                same = Decimal(nx_result["cleared"]) == cleared
                if not same:
                    failures.append(f"{n} {mode}: {cleared} != networkx {nx_result['cleared']}")
                nx_cols = (
                    f"{nx_result['seconds']:7.2f} ({nx_result['cpu']:5.2f}) "
                    f"{nx_result['rss_peak_mb']:6.0f} "
                    f"{nx_result['seconds'] / r['seconds']:7.0f}x {'yes' if same else 'NO'}"
                )
            print(
                f"{n:>11} {r['firms']:>6} {label(mode, r):>8} "
                f"{r['seconds']:7.2f} ({r['cpu']:5.2f}) "
                f"{r['json_seconds']:6.2f} {r['rss_peak_mb']:7.0f} {r['rss_input_mb']:8.0f} "
                f"{pct:9.2f} {pct_clearable:14.2f} {r['largest_component']:>11} {nx_cols}",
                flush=True,
            )
    if failures:
        raise SystemExit("cleared totals differ: " + "; ".join(failures))


if __name__ == "__main__":
    main()
