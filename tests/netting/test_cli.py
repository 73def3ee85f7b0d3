"""``qingqian netting solve``: needs Django (pytest-django); skipped under ``-p no:django``."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest

from tests.netting.chain import CHAIN, NET


@pytest.fixture(autouse=True)
def _needs_django(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (run without -p no:django)")


def run(*args: str) -> str:
    from django.core.management import call_command

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chain_csv(tmp_path: Path) -> Path:
    path = tmp_path / "chain.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "debtor", "creditor", "amount", "due"])
        writer.writerows(row[:5] for row in CHAIN)
    return path


def test_seed_chain_json(chain_csv: Path) -> None:
    data = json.loads(run("netting", "solve", str(chain_csv), "--json"))
    assert data == {
        "total": "44000000.00",
        "cleared": "32000000.00",
        "remaining": "12000000.00",
        "setoffs": [{"id": row[0], "amount": row[5]} for row in CHAIN],
        "net_positions": dict(sorted(NET.items())),
    }


def test_out_writes_id_setoff_remaining(chain_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "setoffs.csv"
    run("netting", "solve", str(chain_csv), "--json", "--out", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,setoff,remaining"
    assert lines[10] == "PL-2,700000.00,500000.00"
    assert len(lines) == 1 + len(CHAIN)


def test_options(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,debtor,creditor,amount,status\n1,A,B,100,\n2,B,C,80,\n3,C,A,120,\n4,B,A,10,disputed\n",
        encoding="utf-8",
    )
    assert json.loads(run("netting", "solve", str(path), "--json"))["cleared"] == "240.00"
    capped = json.loads(run("netting", "solve", str(path), "--json", "--cap", "B=50"))
    assert capped["cleared"] == "150.00"
    both = json.loads(run("netting", "solve", str(path), "--json", "--include-disputed"))
    assert both["cleared"] == "260.00"
    none = json.loads(run("netting", "solve", str(path), "--json", "--exclude-firm", "C"))
    assert none["cleared"] == "0.00"
    small = json.loads(run("netting", "solve", str(path), "--json", "--min-amount", "90"))
    assert small["cleared"] == "0.00"
    assert "抵销 cleared 240.00" in run("netting", "solve", str(path))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("id,debtor,creditor,amount\n1,A,B,-5\n", "Line 2"),
        ("id,debtor,creditor,amount\n1,A,A,5\n", "Line 2"),
        ("id,debtor,creditor,amount\n1,A,B,5.001\n", "第 2 行"),
        ("id,debtor,creditor,amount\n1,A,B,5\n1,B,A,5\n", "Line 3"),
        ("id,debtor,amount\n1,A,5\n", "Line 1"),
    ],
)
def test_bad_rows_exit_2_naming_the_line(tmp_path: Path, body: str, fragment: str) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as caught:
        run("netting", "solve", str(path), "--json", "--out", str(out))
    assert caught.value.returncode == 2
    assert fragment in str(caught.value)
    assert " / " in str(caught.value)  # both languages
    assert not out.exists()  # nothing written


@pytest.mark.parametrize(
    "extra", [["--cap", "B"], ["--cap", "B=abc"], ["--cap", "Z=5"], ["--min-amount", "x"]]
)
def test_bad_options_exit_2(tmp_path: Path, extra: list[str]) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "t.csv"
    path.write_text("id,debtor,creditor,amount\n1,A,B,5\n2,B,A,5\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("netting", "solve", str(path), "--json", *extra)
    assert caught.value.returncode == 2


def test_missing_file_exits_2(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as caught:
        run("netting", "solve", str(tmp_path / "nope.csv"), "--json")
    assert caught.value.returncode == 2


def test_console_script_solves_without_django_alike(
    chain_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``qingqian netting solve`` takes the shortcut past Django's start-up and prints and
    writes exactly what the Django command does."""
    from qingqian.cli import main

    for args in (["--json"], []):
        with pytest.raises(SystemExit) as done:
            main(["qingqian", "netting", "solve", str(chain_csv), *args,
                  "--out", str(tmp_path / "a.csv")])  # fmt: skip
        assert done.value.code == 0
        expected = run("netting", "solve", str(chain_csv), *args, "--out", str(tmp_path / "b.csv"))
        assert capsys.readouterr().out == expected
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_console_script_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qingqian.cli import main

    path = tmp_path / "bad.csv"
    path.write_text("id,debtor,creditor,amount\n1,A,B,-5\n", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["qingqian", "netting", "solve", str(path), "--json"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("CommandError: ") and "Line 2" in err and "第 2 行" in err


def test_shortcut_only_for_netting_solve_without_django_options() -> None:
    from qingqian.cli import netting_shortcut

    assert netting_shortcut(["netting", "solve", "x.csv", "--json", "--cap", "A=5"])
    assert not netting_shortcut(["netting", "solve", "x.csv", "--settings=qingqian.settings"])
    assert not netting_shortcut(["netting", "solve", "--help"])
    assert not netting_shortcut(["netting"])
    assert not netting_shortcut(["migrate"])
