"""Run the suite as independent pytest processes over disjoint sets of test files, then the
browser journeys alone (``make test``; docs/testing.md, "Shards").

Each shard is an ordinary one-process pytest session: pytest-django runs its transactional
tests last, so the rows the migrations seed are never flushed under another test, and each
shard has its own test database (SQLite in memory; on PostgreSQL the database name gains
``_s<k>``). The browser journeys then run alone, so Chromium never competes with a shard.

    python tests/shards.py                    # shards = CPUs (at most 4), then the journeys
    python tests/shards.py -m "not server" --no-browser -- -p no:cacheprovider
    python tests/shards.py --browser-only     # the journeys alone (CI runs them beside more)
    QINGQIAN_TEST_SHARDS=1 python tests/shards.py   # one process, as plain pytest

Files are dealt to shards by their recorded cost (``tests/shard-costs.txt``: seconds per
file from a full run, written with ``--record``); a file without a line counts as the median.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
COSTS = TESTS / "shard-costs.txt"
LOGS = ROOT / "var" / "test-logs"
SUMMARY = re.compile(
    r"^=* ?((?:\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)"
    r"|no tests ran)[^=]*?) ?=*$"
)


def test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if "__pycache__" not in p.parts)


MODULE_MARKS = re.compile(r"^pytestmark = \[?([^\n]*(?:\n    [^\n]*)*)", re.MULTILINE)


def whole_module_marks(path: Path) -> set[str]:
    """The marks a module puts on all of its tests (``pytestmark = …`` at its top level)."""
    m = MODULE_MARKS.search(path.read_text(encoding="utf-8"))
    return set(re.findall(r"pytest\.mark\.(\w+)", m.group(1))) if m else set()


def selected_files(files: list[Path], marks: str) -> list[Path]:
    """The files the shards' marker expression (``not e2e`` and ``marks``) can select tests
    from, each module's marks read once. A journey module (``e2e`` as a whole) is left to the
    browser run; a module marked ``server`` as a whole (tests/ops/procs: processes of their
    own) holds nothing for ``not server``, and only such modules hold anything for
    ``server``. A file that could only be deselected would still be dealt its recorded cost,
    and leave its shard short of work."""
    expr = marks.replace(" ", "")
    only_server = expr == "server"
    no_server = (
        expr == "notserver" or expr.startswith("notserverand") or expr.endswith("andnotserver")
    )
    kept = []
    for f in files:
        found = whole_module_marks(f)
        server = "server" in found
        if not ("e2e" in found or (only_server and not server) or (no_server and server)):
            kept.append(f)
    return kept


def read_costs() -> dict[str, float]:
    costs: dict[str, float] = {}
    if COSTS.exists():
        for line in COSTS.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                seconds, name = line.split(maxsplit=1)
                costs[name] = float(seconds)
    return costs


def deal(files: list[Path], shards: int, costs: dict[str, float]) -> list[list[Path]]:
    """Greedy: the costliest file first, each to the shard with the least so far."""
    known = sorted(costs.values())
    median = known[len(known) // 2] if known else 1.0
    weight = {f: costs.get(f.relative_to(ROOT).as_posix(), median) for f in files}
    bins: list[tuple[float, list[Path]]] = [(0.0, []) for _ in range(shards)]
    for f in sorted(files, key=lambda f: (-weight[f], f.as_posix())):
        i = min(range(shards), key=lambda k: (bins[k][0], k))
        total, members = bins[i]
        bins[i] = (total + weight[f], [*members, f])
    return [sorted(members) for _, members in bins if members]


def shard_env(k: int) -> dict[str, str]:
    env = dict(os.environ)
    url = env.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "qingqian"
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}_s{k}"))
    return env


def summary_of(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        m = SUMMARY.match(line.strip())
        if m:
            return m.group(1)
    return "no summary (see the log)"


def failures_of(log: Path) -> str:
    """The failed and erroring tests' lines of a shard's log (its tail when there are none)."""
    text = log.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    bad = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    if not bad:
        return "\n".join(lines[-60:])
    # the tracebacks too (the last 20,000 characters of them), so CI's log shows why
    starts = [i for i in (text.find("= ERRORS ="), text.find("= FAILURES =")) if i >= 0]
    end = text.find("short test summary info")
    detail = text[min(starts) : end][-20_000:] if starts and end > min(starts) else ""
    return (detail.rstrip("= \n") + "\n" if detail else "") + "\n".join(bad)


def record(logs: list[Path]) -> None:
    """Write per-file seconds from ``--durations=0`` output of the shards just run."""
    per_file: dict[str, float] = {}
    pattern = re.compile(r"^\s*([\d.]+)s (?:call|setup|teardown)\s+(tests/[^:]+\.py)::")
    for log in logs:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            m = pattern.match(line)
            if m:
                per_file[m.group(2)] = per_file.get(m.group(2), 0.0) + float(m.group(1))
    body = "".join(f"{s:.1f} {n}\n" for n, s in sorted(per_file.items(), key=lambda x: -x[1]))
    COSTS.write_text(
        "# seconds per test file in one full run (tests/shards.py --record); deals files "
        "to shards\n" + body,
        encoding="utf-8",
    )
    print(f"recorded {len(per_file)} files in {COSTS.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-m", dest="marks", default="", help="marker expression for the shards")
    parser.add_argument("--shards", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true", help="skip the browser journeys")
    parser.add_argument("--browser-only", action="store_true", help="the browser journeys only")
    parser.add_argument("--record", action="store_true", help="rewrite tests/shard-costs.txt")
    parser.add_argument("--tag", default="", help="name the logs (runs side by side)")
    parser.add_argument("pytest_args", nargs="*", help="passed to every pytest run (after --)")
    args = parser.parse_args(argv)
    if args.browser_only and (args.no_browser or args.record):
        parser.error("--browser-only runs no shards: no --no-browser, no --record")
    shards = args.shards or int(os.environ.get("QINGQIAN_TEST_SHARDS", "0") or 0)
    shards = max(1, min(shards or (os.cpu_count() or 1), 4))
    marks = "not e2e" + (f" and ({args.marks})" if args.marks else "")
    extra = [*args.pytest_args, *(["--durations=0"] if args.record else [])]
    LOGS.mkdir(parents=True, exist_ok=True)

    files = [] if args.browser_only else selected_files(test_files(), args.marks)
    groups = deal(files, shards, read_costs())  # none for no files
    started = time.monotonic()
    procs = []
    for k, files in enumerate(groups, start=1):
        log = LOGS / f"shard-{k}{'-' + args.tag if args.tag else ''}.log"
        cmd = [sys.executable, "-m", "pytest", "-q", "-m", marks, *extra, *map(str, files)]
        handle = log.open("w", encoding="utf-8")
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and pytest)
            cmd, cwd=ROOT, env=shard_env(k), stdout=handle, stderr=subprocess.STDOUT
        )
        procs.append((k, log, handle, proc))
        print(f"shard {k}: {len(files)} files → {log.relative_to(ROOT)}", flush=True)
    failed = False
    for k, log, handle, proc in procs:
        rc = proc.wait()
        handle.close()
        took = time.monotonic() - started
        print(f"shard {k}: {summary_of(log)} ({took:.0f} s since the start)", flush=True)
        if rc not in (0, 5):  # 5: nothing collected (a marker left the shard empty)
            failed = True
            print(failures_of(log), flush=True)
    if args.record:
        record([log for _, log, _, _ in procs])

    if not args.no_browser:
        cmd = [sys.executable, "-m", "pytest", "-q", "-m", "e2e", *args.pytest_args, "tests"]
        print("browser journeys:" if args.browser_only else "browser journeys (alone):", flush=True)
        rc = subprocess.call(cmd, cwd=ROOT)  # noqa: S603
        failed = failed or rc not in (0, 5)
    print(f"{'FAILED' if failed else 'passed'} in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
