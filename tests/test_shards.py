"""``tests/shards.py``: files are dealt by cost, every file exactly once, the same way every
time; each shard on PostgreSQL gets its own database; a shard's summary line is found."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("shards", Path(__file__).with_name("shards.py"))
assert _spec and _spec.loader
shards = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shards)

ROOT = shards.ROOT


def _files(*names: str) -> list[Path]:
    return [ROOT / "tests" / n for n in names]


def test_deal_balances_by_cost_and_keeps_every_file_once() -> None:
    files = _files("a.py", "b.py", "c.py", "d.py", "e.py")
    costs = {"tests/a.py": 90.0, "tests/b.py": 50.0, "tests/c.py": 40.0, "tests/d.py": 10.0}
    groups = shards.deal(files, 2, costs)  # e.py has no line: the median, 40
    assert sorted(f.name for g in groups for f in g) == ["a.py", "b.py", "c.py", "d.py", "e.py"]
    totals = [sum(costs.get(f"tests/{f.name}", 40.0) for f in g) for g in groups]
    assert totals == [130.0, 100.0]  # a+c | b+e+d
    assert shards.deal(list(reversed(files)), 2, costs) == groups  # deterministic


def test_more_shards_than_files_leaves_no_empty_shard() -> None:
    assert len(shards.deal(_files("a.py"), 4, {})) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://postgres@127.0.0.1:5432/qingqian",
            "postgres://postgres@127.0.0.1:5432/qingqian_s2",
        ),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_each_postgres_shard_has_its_own_database(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert shards.shard_env(2)["DATABASE_URL"] == expected


def test_summary_line(tmp_path: Path) -> None:
    log = tmp_path / "shard-1.log"
    log.write_text("....\n=== 3 failed, 1,200 passed, 4 skipped in 301.2s (0:05:01) ===\n")
    assert shards.summary_of(log) == "3 failed, 1,200 passed, 4 skipped in 301.2s (0:05:01)"


def test_summary_line_of_a_quiet_run_and_the_failures(tmp_path: Path) -> None:
    log = tmp_path / "shard-2.log"
    log.write_text(
        "..F.\nSKIPPED [1] tests/x.py:3: no S3\nFAILED tests/a.py::test_b - assert 1\n"
        "1 failed, 1731 passed, 15 skipped, 17 deselected in 462.45s (0:07:42)\n"
    )
    assert shards.summary_of(log) == (
        "1 failed, 1731 passed, 15 skipped, 17 deselected in 462.45s (0:07:42)"
    )
    assert shards.failures_of(log) == "FAILED tests/a.py::test_b - assert 1"


def test_the_failures_come_with_their_tracebacks(tmp_path: Path) -> None:
    log = tmp_path / "shard-1.log"
    log.write_text(
        "..F\n=== FAILURES ===\n___ test_b ___\nE   assert 1 == 2\n"
        "=== short test summary info ===\nFAILED tests/a.py::test_b - assert 1 == 2\n"
        "1 failed, 2 passed in 1.0s\n"
    )
    out = shards.failures_of(log)
    assert "E   assert 1 == 2" in out and out.endswith("FAILED tests/a.py::test_b - assert 1 == 2")


def test_a_module_marked_server_is_dealt_only_to_runs_that_can_select_it(tmp_path: Path) -> None:
    server = tmp_path / "test_server.py"
    server.write_text("import pytest\n\npytestmark = pytest.mark.server\n")
    listed = tmp_path / "test_listed.py"
    listed.write_text(
        "import pytest\n\npytestmark = [\n    pytest.mark.server,\n    pytest.mark.s3,\n]\n"
    )
    plain = tmp_path / "test_plain.py"
    plain.write_text("import pytest\n\npytestmark = pytest.mark.django_db\n")
    journey = tmp_path / "test_journey.py"
    journey.write_text("import pytest\n\npytestmark = [pytest.mark.e2e, pytest.mark.django_db]\n")
    files = [server, listed, plain, journey]
    assert shards.whole_module_marks(listed) == {"server", "s3"}
    assert shards.selected_files(files, "server") == [server, listed]
    assert shards.selected_files(files, "not server") == [plain]
    assert shards.selected_files(files, "") == [server, listed, plain]  # journeys: browser run
    assert shards.selected_files(files, "s3") == [server, listed, plain]  # s3 not worked out


def test_the_repository_s_server_modules_are_found() -> None:
    found = {f.name for f in shards.selected_files(shards.test_files(), "server")}
    assert {"test_serve.py", "test_backup_drill.py", "test_many_processes.py"} <= found
    assert "test_shards.py" not in found
