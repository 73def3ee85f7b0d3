"""``qingqian calc``: the CLI contract of issue 3 (needs Django's settings to load)."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _django_ready(request: pytest.FixtureRequest) -> None:
    """The command reads the administrator's table rows, so it needs the test database."""
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("the CLI needs Django (run without -p no:django)")
    request.getfixturevalue("db")


def run(*args: str) -> dict[str, Any]:
    from django.core.management import call_command

    out = StringIO()
    call_command("calc", *args, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert isinstance(data, dict)
    return data


CONTRACT = [
    (["court-fee", "--amount", "100000"], {"fee": "2300.00"}),
    (["limitation", "--start", "2023-03-15"], {"deadline": "2026-03-16"}),
    (["interest-cap", "--formed", "2025-06-10"], {"annual_rate_cap": "12.00", "lpr": "3.00"}),
    (
        [
            "allocate",
            "--payment",
            "50000",
            "--costs",
            "3320",
            "--interest",
            "8000",
            "--principal",
            "100000",
        ],
        {
            "to_costs": "3320.00",
            "to_interest": "8000.00",
            "to_principal": "38680.00",
            "remaining_principal": "61320.00",
        },
    ),
    (["contingency-cap", "--recovered", "3000000"], {"max_fee": "480000.00"}),
    (
        ["small-claims", "--amount", "60000", "--filed", "2026-02-01", "--province", "jiangsu"],
        {"procedure": "small_claims", "limit": "64610.00", "fee": "650.00"},
    ),
    (
        ["court-fee", "--amount", "100000", "--kind", "payment-order"],
        {"fee": "766.67", "balance_on_conversion": "1533.33"},
    ),
    (
        ["court-fee", "--amount", "100000", "--simplified", "--mediated"],
        {"fee": "1150.00"},
    ),
    (["court-fee", "--amount", "300000", "--kind", "preservation"], {"fee": "2020.00"}),
    (["court-fee", "--amount", "100000", "--kind", "enforcement"], {"fee": "1400.00"}),
    (
        ["limitation", "--start", "2023-03-15", "--interruption", "2024-05-10"],
        {"deadline": "2027-05-10"},
    ),
    (
        ["limitation", "--start", "2023-03-15", "--interruption", "2025-01-20:part_payment"],
        {"deadline": "2028-01-20"},
    ),
    (
        ["limitation", "--start", "2023-03-15", "--suspension", "2025-12-01:2026-02-10"],
        {"deadline": "2026-08-10"},
    ),
    (
        ["limitation", "--installments-last-due", "2024-12-31"],
        {"deadline": "2027-12-31", "provisional": True},
    ),
    (
        ["enforcement-window", "--effective", "2024-03-01", "--days", "10"],
        {"deadline": "2026-03-11"},
    ),
    (
        [
            "interest-cap",
            "--formed",
            "2025-06-10",
            "--principal",
            "100000",
            "--advance-deducted",
            "10000",
            "--agreed-rate",
            "18",
            "--until",
            "2026-06-10",
        ],
        {"principal": "90000.00", "supported_interest": "10800.00"},
    ),
    (
        ["interest-cap", "--formed", "2024-11-01", "--overdue-rate", "10", "--penalty-rate", "5"],
        {"supported_total_rate": "12.40"},
    ),
    (["delay-interest", "--unpaid", "100000", "--days", "100"], {"doubled_interest": "1750.00"}),
    (["trade-rate", "--breach", "2025-03-01"], {"rate_low": "4.03", "rate_high": "4.65"}),
    (["payment-order", "--served", "2026-03-02"], {"objection_by": "2026-03-17"}),
]


@pytest.mark.parametrize(("args", "expected"), CONTRACT)
def test_contract(args: list[str], expected: dict[str, object]) -> None:
    data = run(*args)
    assert {k: data[k] for k in expected} == expected
    assert data["rules"]
    assert data["explanation"]["zh"]
    assert data["explanation"]["en"]


BAD = [
    ["court-fee", "--amount", "-5"],
    ["court-fee", "--amount", "100", "--kind", "bogus"],
    ["interest-cap", "--formed", "2019-05-01"],
    ["interest-cap", "--formed", "2025-13-01"],
    ["limitation", "--start", "2023-03-15", "--suspension", "2026-02-10:2025-12-01"],
    ["limitation", "--start", "2023-03-15", "--interruption", "2024-05-10:gossip"],
    ["allocate", "--payment", "abc"],
    ["small-claims", "--amount", "60000", "--filed", "2026-02-01", "--province", "mars"],
]


@pytest.mark.parametrize("args", BAD)
def test_bad_input_exit_2_bilingual(args: list[str]) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("calc", *args, "--json", stdout=out)
    assert info.value.returncode == 2
    assert " / " in str(info.value)
    assert out.getvalue() == ""  # nothing printed


def test_human_output_shows_steps() -> None:
    from django.core.management import call_command

    out = StringIO()
    call_command("calc", "court-fee", "--amount", "100000", stdout=out)
    text = out.getvalue()
    assert '"2300.00"' in text
    assert "Steps" in text
    assert "Art. 13(1)" in text


COURT_DEADLINE = [
    (["court-deadline", "appeal_judgment", "--from", "2026-02-02"], "2026-02-24"),
    (["court-deadline", "--kind", "payment_order_objection", "--from", "2026-03-02"], "2026-03-17"),
    (["court-deadline", "retrial", "--from", "2025-08-31"], "2026-02-28"),
    (["court-deadline", "enforcement", "--from", "2024-03-11"], "2026-03-11"),
]


@pytest.mark.parametrize(("args", "deadline"), COURT_DEADLINE)
def test_court_deadline_contract(args: list[str], deadline: str) -> None:
    data = run(*args)
    assert data["deadline"] == deadline
    assert data["rules"][0]["document"] == "《民事诉讼法》（2023修正）"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["court-deadline", "appeal", "--from", "2026-02-02"], "Unknown deadline kind"),
        (["court-deadline", "answer", "--from", "2026-02-30"], "not a valid date"),
        (["court-deadline", "answer"], "from is required"),
        (["court-deadline", "--from", "2026-02-02"], "kind is required"),
        (["court-deadline", "answer", "--kind", "retrial", "--from", "2026-02-02"], "disagree"),
    ],
)
def test_court_deadline_bad_input_exit_2(args: list[str], text: str) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("calc", *args, "--json", stdout=out)
    assert info.value.returncode == 2
    assert text in str(info.value)
    assert out.getvalue() == ""
