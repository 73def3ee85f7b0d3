"""``qingqian contact plan``: the JSON shape, the text form and exit code 2 on bad input."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.cases.models import Case
from qingqian.common import clock

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("contact", "plan", *args, stdout=out)
    return out.getvalue()


def failure(*args: str) -> str:
    with pytest.raises(CommandError) as info:
        run(*args)
    assert info.value.returncode == 2
    return str(info.value)


@pytest.fixture
def open_case(case: Any) -> Any:
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    return case


def test_json_shape(open_case: Any, debtor: Any) -> None:
    day = (clock.today() + dt.timedelta(days=1)).isoformat()
    data = json.loads(run("--date", day, "--robots", "3", "--json"))
    assert data["date"] == day
    (plan,) = data["plans"]
    assert plan["organisation"] == open_case.organisation.short_code
    assert plan["capacity"]["robots"] == 3 and plan["capacity"]["robot_capacity"] == 800
    assert plan["capacity"]["collectors"] == {"collector": 80}
    assert plan["totals"]["planned"] == 1 and plan["totals"]["per_channel"] == {"voice": 1}
    (slot,) = plan["slots"]["voice"]
    assert set(slot) >= {"time", "cases", "case_ids", "party", "channel", "reason", "collector"}
    assert slot["cases"] == [open_case.reference] and slot["party"] == debtor.name
    assert slot["collector"] == "collector" and slot["reason"] == "first_contact"
    assert dt.datetime.fromisoformat(slot["time"]).date().isoformat() == day
    assert plan["left_out"] == [] and plan["policy_version"] == "cn-default@1"


def test_robots_option_and_text_form(open_case: Any) -> None:
    day = (clock.today() + dt.timedelta(days=1)).isoformat()
    text = run("--date", day, "--robots", "2", "--collector-capacity", "0")
    assert "contact plan" in text and "-- robot: 1" in text
    assert open_case.reference in text and "robot 0" in text
    assert "totals: robot 1" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--date", "2026-02-30"), "YYYY-MM-DD"),
        (("--date", "2020-01-01"), "today or a later day"),
        (("--robots", "-1"), "--robots must be an integer"),
        (("--robots", "many"), "--robots must be an integer"),
        (("--robot-capacity", "0"), "--robot-capacity"),
        (("--org", "nope"), "No organisation"),
    ],
)
def test_bad_arguments_exit_2_in_both_languages(
    org: Any, args: tuple[str, ...], needle: str
) -> None:
    message = failure(*args)
    assert needle in message and " / " in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # the Chinese half
