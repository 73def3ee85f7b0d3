"""``qingqian load-demo``: text and JSON output, idempotence, bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("load-demo", *args, stdout=out)
    return out.getvalue()


def test_json_then_idempotent_json() -> None:
    data = json.loads(_run("--cases", "25", "--seed", "3", "--json"))
    assert set(data) == {"created", "organisation", "cases", "logins", "password"}
    assert data["created"] is True and data["cases"] == 25
    assert data["organisation"] == "苏州清欠商事调解服务中心"
    assert data["password"] == "qingqian-demo"
    assert [login["username"] for login in data["logins"]] == [
        "admin",
        "intake",
        "collector",
        "collector2",
        "collector3",
        "lawyer",
        "mediator",
        "compliance",
        "creditor-ems",
        "creditor-auto",
        "creditor-tour",
        "xiangxian",  # h18: the community mediator's limited login
    ]
    again = json.loads(_run("--cases", "999", "--json"))
    assert again == data | {"created": False}
    assert Case.objects.count() == 25


def test_text_output_is_a_login_table() -> None:
    from qingqian.scoring.models import CaseScore

    text = _run("--cases", "20")
    assert "demo data loaded" in text and "20 cases" in text
    # the open cases are scored at once, so the work queue is ordered from the first login
    scored = CaseScore.objects.filter(is_latest=True).count()
    assert scored > 0 and f"({scored} scored)" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("username"))
    end = lines.index("", header)  # the table ends at the first blank line
    table = [line.split() for line in lines[header + 1 : end]]
    # the logins; the contact robot the strategy's steps act under cannot log in (h19t)
    assert len(table) == User.objects.filter(is_active=True).count() == 12
    assert "two-factor (admin, compliance)" in "\n".join(lines[end:])
    assert all(row[-1] == "qingqian-demo" for row in table)
    assert ["collector3", "collector", "催收员", "qingqian-demo"] in table
    assert "already present" in _run()


def test_bad_count_exits_2_and_writes_nothing() -> None:
    with pytest.raises(CommandError) as exc:
        _run("--cases", "5")
    assert exc.value.returncode == 2
    assert "20–200000" in str(exc.value)
    assert not Organisation.objects.exists()
