"""``contact simulate --db``: the campaign through the real gate; the re-check finds nothing."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from qingqian.contact.dbsim import _recheck_from_db, simulate_db
from qingqian.contact.models import ContactAttempt
from qingqian.contact.presets import CN_DEFAULT

pytestmark = pytest.mark.django_db


def test_db_simulation_has_no_violations_and_leaves_nothing_behind() -> None:
    report = simulate_db(debtors=12, days=3, seed=5, start=dt.date(2026, 3, 2))
    assert report["attempts"] > 100
    assert report["denied"] > 0
    assert (
        report["denied_by_rule"].get("voice_conversations_per_day", 0)
        + report["denied_by_rule"].get("contact_hours", 0)
        > 0
    )
    assert report["violations"] == 0, report["violations_by_code"]
    assert ContactAttempt.objects.count() == 0  # rolled back


def test_recheck_from_db_would_catch_a_forged_row(case, debtor, org) -> None:  # type: ignore[no-untyped-def]
    from qingqian.contact.services import contact_attempt_authorize, contact_system_actor

    robot = contact_system_actor(organisation=org)
    sh = dt.timezone(dt.timedelta(hours=8))
    a = contact_attempt_authorize(
        case=case,
        party=debtor,
        channel="robot",
        actor=robot,
        at=dt.datetime(2026, 3, 2, 10, tzinfo=sh),
    )
    assert a.allowed
    assert _recheck_from_db(org, CN_DEFAULT) == []
    # A row written around the gate at 23:00 is found by the re-check.
    ContactAttempt.objects.filter(pk=a.pk).update(at=dt.datetime(2026, 3, 2, 23, tzinfo=sh))
    assert [v.code for v in _recheck_from_db(org, CN_DEFAULT)] == ["outside_hours"]


def test_command_runs_the_db_gate() -> None:
    out = StringIO()
    call_command(
        "contact",
        "simulate",
        "--debtors",
        "5",
        "--days",
        "2",
        "--robots",
        "1",
        "--db",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["mode"] == "db"
    assert data["violations"] == 0
    assert data["policy_version"] == "cn-default@1"
