"""``qingqian contact check|simulate``: needs Django; skipped under ``-p no:django``."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _needs_django(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (run without -p no:django)")


def run(*args: str) -> str:
    from django.core.management import call_command

    out = StringIO()
    call_command("contact", *args, stdout=out)
    return out.getvalue()


def check(*args: str) -> dict:
    return json.loads(run("check", *args, "--json"))


def failure(*args: str) -> str:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as info:
        run(*args)
    assert info.value.returncode == 2
    return str(info.value)


@pytest.fixture
def history(tmp_path: Path) -> str:
    rows = [
        {"at": f"2026-03-02T{8 + k:02d}:00:00+08:00", "channel": "robot",
         "outcome": "no_answer", "party_role": "debtor", "number": "13800000001"}
        for k in range(6)
    ]  # fmt: skip
    path = tmp_path / "history.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-03-02T07:59:59+08:00", False),
        ("2026-03-02T08:00:00+08:00", True),
        ("2026-03-02T21:59:59+08:00", True),
        ("2026-03-02T22:00:00+08:00", False),
    ],
)
def test_check_hours(at: str, allowed: bool) -> None:
    out = check("--policy", "cn-default", "--channel", "robot", "--at", at)
    assert out["allowed"] is allowed
    assert out["policy_version"] == "cn-default@1"
    assert [r["code"] for r in out["reasons"]] == ([] if allowed else ["outside_hours"])


def test_check_with_history_names_the_cap(history: str) -> None:
    out = check("--policy", "cn-default", "--history", history, "--channel", "robot",
                "--at", "2026-03-02T15:00:00+08:00", "--number", "13800000001")  # fmt: skip
    assert out["allowed"] is False
    (reason,) = out["reasons"]
    assert reason["code"] == "call_attempts_per_number_per_day"
    assert "6/6" in reason["message"]
    other = check("--history", history, "--channel", "robot",
                  "--at", "2026-03-02T15:00:00+08:00", "--number", "13900000000")  # fmt: skip
    assert other["allowed"] is True


def test_check_us_and_timezone_rules() -> None:
    out = check("--policy", "us-reg-f", "--channel", "sms", "--at", "2026-03-02T20:59:59-05:00")
    assert [r["code"] for r in out["reasons"]] == ["opt_out_line_missing"]
    ok = check("--policy", "us-reg-f", "--channel", "sms", "--opt-out-line",
               "--at", "2026-03-02T20:59:59-05:00")  # fmt: skip
    assert ok["allowed"] is True
    urumqi = check("--channel", "robot", "--timezone", "Asia/Urumqi",
                   "--at", "2026-03-02T09:00:00+08:00")  # fmt: skip
    assert [r["code"] for r in urumqi["reasons"]] == ["outside_hours"]


def test_check_voice_collectors_and_third_party() -> None:
    assumed = check("--channel", "visit", "--at", "2026-03-02T10:00:00+08:00")
    assert assumed["allowed"] is True
    assert assumed["assumptions"] == ["假定有 2 名持有效证书的催收员 / assumed 2 collector(s) "
                                      "with valid certificates"]  # fmt: skip
    expired = check("--channel", "voice", "--collector-valid-until", "2026-03-01",
                    "--at", "2026-03-02T10:00:00+08:00")  # fmt: skip
    assert [r["code"] for r in expired["reasons"]] == ["collector_not_certified"]
    tp = check("--channel", "voice", "--party-role", "third_party",
               "--at", "2026-03-02T10:00:00+08:00")  # fmt: skip
    assert [r["code"] for r in tp["reasons"]] == [
        "third_party_debtor_reachable", "third_party_script_discloses"
    ]  # fmt: skip


def test_check_holds_and_policy_file(tmp_path: Path) -> None:
    from qingqian.contact.presets import CN_DEFAULT

    holds = tmp_path / "holds.json"
    holds.write_text('[{"kind": "cease_contact"}]', encoding="utf-8")
    out = check("--channel", "letter", "--holds", str(holds), "--at", "2026-03-02T10:00:00+08:00")
    assert [r["code"] for r in out["reasons"]] == ["hold_cease_contact"]
    notice = check("--channel", "letter", "--legal-notice", "--holds", str(holds),
                   "--at", "2026-03-02T10:00:00+08:00")  # fmt: skip
    assert notice["allowed"] is True
    data = CN_DEFAULT.to_dict() | {"version": 7, "windows": [{"start": "09:00", "end": "20:00"}]}
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(data), encoding="utf-8")
    edited = check("--policy-file", str(policy), "--channel", "sms",
                   "--at", "2026-03-02T08:30:00+08:00")  # fmt: skip
    assert edited["policy_version"] == "cn-default@7"
    assert [r["code"] for r in edited["reasons"]] == ["outside_hours"]


def test_check_human_output() -> None:
    text = run("check", "--channel", "robot", "--at", "2026-03-02T22:00:00+08:00")
    assert "拒绝 denied" in text and "outside_hours" in text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("check", "--channel", "fax", "--at", "2026-03-02T10:00:00+08:00"), "--channel"),
        (("check", "--channel", "sms", "--at", "2026-03-02T10:00:00"), "UTC offset"),
        (("check", "--channel", "sms", "--at", "soon"), "ISO 8601"),
        (("check", "--policy", "eu", "--channel", "sms", "--at", "2026-03-02T10:00:00Z"),
         "Unknown contact policy"),
        (("check", "--channel", "sms", "--party-role", "neighbour",
          "--at", "2026-03-02T10:00:00Z"), "--party-role"),
        (("check", "--channel", "sms", "--history", "/nonexistent/h.json",
          "--at", "2026-03-02T10:00:00Z"), "Cannot read"),
        (("check", "--policy", "us-reg-f", "--timezone", "America/Denver", "--channel", "sms",
          "--at", "2026-03-02T10:00:00-05:00"), "drop --timezone"),
        (("check", "--channel", "sms", "--timezone", "Mars/Base",
          "--at", "2026-03-02T10:00:00Z"), "Unknown time zone"),
        (("check", "--channel", "voice", "--collector-valid-until", "soon",
          "--at", "2026-03-02T10:00:00Z"), "YYYY-MM-DD"),
        (("simulate", "--debtors", "0", "--days", "1", "--robots", "1"), "--debtors"),
        (("simulate", "--debtors", "x", "--days", "1", "--robots", "1"), "--debtors"),
        (("simulate", "--debtors", "1", "--days", "1", "--robots", "1", "--seed", "s"), "--seed"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_both_languages(args: tuple[str, ...], fragment: str) -> None:
    message = failure(*args)
    assert fragment in message
    assert " / " in message  # Chinese / English


def test_bad_history_file(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text("{oops", encoding="utf-8")
    assert "not valid JSON" in failure("check", "--channel", "sms", "--history", str(path),
                                       "--at", "2026-03-02T10:00:00Z")  # fmt: skip
    path.write_text('[{"at": "2026-03-02T10:00:00Z", "channel": "sms"}]', encoding="utf-8")
    assert "outcome" in failure("check", "--channel", "sms", "--history", str(path),
                                "--at", "2026-03-02T10:00:00Z")  # fmt: skip


def test_simulate_json() -> None:
    out = json.loads(
        run("simulate", "--debtors", "200", "--days", "3", "--robots", "1", "--seed", "9", "--json")
    )
    assert out["violations"] == 0
    assert out["attempts"] == out["allowed"] + out["denied"]
    assert out["seed"] == 9 and out["robots"] == 1 and out["policy_version"] == "cn-default@1"
    assert isinstance(out["denied_by_reason"], dict)
    assert out["wall_seconds"] >= 0
    again = json.loads(
        run("simulate", "--debtors", "200", "--days", "3", "--robots", "1", "--seed", "9", "--json")
    )
    del out["wall_seconds"], again["wall_seconds"]
    assert out == again


def test_simulate_text() -> None:
    text = run("simulate", "--debtors", "50", "--days", "2", "--robots", "1")
    assert "违规 violations 0" in text
