"""``qingqian transcript classify|evaluate``: needs Django; skipped under ``-p no:django``."""

from __future__ import annotations

import json
from io import StringIO

import pytest


@pytest.fixture(autouse=True)
def _needs_django(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (run without -p no:django)")


def run(*args: str) -> str:
    from django.core.management import call_command

    out = StringIO()
    call_command("transcript", *args, stdout=out)
    return out.getvalue()


def test_classify_json() -> None:
    out = json.loads(run("classify", "下个月15号先还两万", "--today", "2026-11-25", "--json"))
    assert out["primary"] == "promise"
    assert out["promise"]["amount"] == "20000"
    assert out["promise"]["date"] == "2026-12-15"
    assert "promise" in out["actions"]


def test_classify_distress_json() -> None:
    out = json.loads(run("classify", "侬再逼我，我真个要寻死了", "--json"))
    assert out["primary"] == "distress"
    assert out["actions"][:3] == ["stop_automated_contact", "flag_case", "notify_compliance"]


def test_classify_the_issues_two_wu_sentences_json() -> None:
    """Issue 18: the Wu threat hands the call to a person like its Mandarin twin, and 号头
    is a month (next month's 15th, not this month's)."""
    threat = json.loads(run("classify", "侬再打电话来我就勿客气了", "--json"))
    assert threat["primary"] == "anger" and "handoff_to_human" in threat["actions"]
    twin = json.loads(run("classify", "你再打电话来我就不客气了", "--json"))
    assert twin["primary"] == "anger" and "handoff_to_human" in twin["actions"]
    promise = json.loads(
        run("classify", "下个号头十五号我一定还侬两万块", "--today", "2026-11-05", "--json")
    )
    assert promise["primary"] == "promise"
    assert promise["promise"]["date"] == "2026-12-15"
    assert promise["promise"]["amount"] == "20000"


def test_evaluate_json() -> None:
    out = json.loads(run("evaluate", "--json"))
    assert out["split"] == "test" and out["n"] >= 100
    assert out["per_class"]["distress"]["recall"] == 1.0
    assert set(out["per_class"]) == {
        "calm",
        "negotiation",
        "anger",
        "distress",
        "dispute",
        "promise",
    }


def test_bad_input_is_bilingual_exit_2() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as info:
        run("classify", "好的", "--today", "明天")
    assert info.value.returncode == 2
    assert "YYYY-MM-DD" in str(info.value) and "日期" in str(info.value)
