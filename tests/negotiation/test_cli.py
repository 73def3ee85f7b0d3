"""``qingqian plan propose``: needs Django (pytest-django); skipped under ``-p no:django``."""

from __future__ import annotations

import json
from io import StringIO

import pytest

ISSUE_ARGS = [
    "plan", "propose", "--total", "120000", "--months", "12",
    "--profile", "1,1,1,2,2,1,1,1,1,3,1,1", "--start", "2027-01",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _needs_django(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (run without -p no:django)")


def run(*args: str) -> str:
    from django.core.management import call_command

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_issue_example_json() -> None:
    data = json.loads(run(*ISSUE_ARGS, "--min", "500", "--json"))
    assert data == {
        "installments": [
            {"due": f"2027-{m:02d}-01", "amount": a}
            for m, a in zip(
                range(1, 13),
                ["7500.00"] * 3
                + ["15000.00"] * 2
                + ["7500.00"] * 4
                + ["22500.00"]
                + ["7500.00"] * 2,
                strict=True,
            )
        ],
        "total": "120000.00",
    }


def test_day_clamp_and_equal_plan() -> None:
    data = json.loads(
        run("plan", "propose", "--total", "1000", "--months", "3", "--start", "2028-01",
            "--day", "31", "--json")
    )  # fmt: skip
    assert data == {
        "installments": [
            {"due": "2028-01-31", "amount": "333.00"},
            {"due": "2028-02-29", "amount": "333.00"},
            {"due": "2028-03-31", "amount": "334.00"},
        ],
        "total": "1000.00",
    }


def test_interest_and_text_output() -> None:
    data = json.loads(
        run("plan", "propose", "--total", "3000", "--months", "3", "--start", "2027-02",
            "--rate", "0.12", "--rate-cap", "0.12", "--interest-from", "2027-01-01", "--json")
    )  # fmt: skip
    assert [i["amount"] for i in data["installments"]] == ["1030.58", "1018.41", "1010.19"]
    assert data["total"] == "3059.18"
    text = run(*ISSUE_ARGS)
    assert "第 10 期 #10  2027-10-01  22500.00" in text
    assert "合计 total  120000.00" in text


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--profile", "1,-1"], "must not be negative"),
        (["--profile", "0,0"], "All cash-flow weights are zero"),
        (["--profile", "1,x"], "not a number"),
        (["--profile", ""], "Cannot read the cash-flow profile"),
        (["--total", "abc"], "not a number"),
        (["--months", "twelve"], "--months must be an integer"),
        (["--start", "2027/01"], "YYYY-MM"),
        (["--capacity", "7000"], "short by 8000.00"),
        (["--rate", "0.2", "--rate-cap", "0.12", "--interest-from", "2026-12-01"], "legal cap"),
        (["--rate", "0.1"], "together"),
    ],
)
def test_bad_input_exits_2_bilingually(extra: list[str], fragment: str) -> None:
    from django.core.management.base import CommandError

    args = list(ISSUE_ARGS)
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    out = StringIO()
    from django.core.management import call_command

    with pytest.raises(CommandError) as caught:
        call_command(*args, "--json", stdout=out)
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert fragment in message
    assert " / " in message  # Chinese / English
    assert out.getvalue() == ""  # nothing printed on refusal
