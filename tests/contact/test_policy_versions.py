"""A contact-policy version is parsed once and kept by its row; a version that was rolled
back must not lend its parse to the next one. On SQLite a rolled-back insert gives its id
to the next row, so the cache is keyed by id and creation instant (contact.services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from qingqian.common import clock
from qingqian.contact import services
from qingqian.contact.models import ContactPolicy
from qingqian.contact.presets import PRESETS

pytestmark = pytest.mark.django_db


def _version(org: Any, zone: str, *, until: str = "22:00") -> ContactPolicy:
    data = PRESETS["cn-default"].to_dict() | {"default_timezone": zone}
    data["windows"] = [{"start": "08:00", "end": until}]
    return ContactPolicy.objects.create(organisation=org, name="cn-default", version=9, data=data)


def _parse_then_abandon(org: Any) -> int:
    """A version written, parsed and rolled back, as a publish refused after parsing is."""
    with transaction.atomic():
        abandoned = _version(org, "Asia/Urumqi")
        _, parsed = services.contact_policy_current("cn-default", org)
        assert parsed.default_timezone == "Asia/Urumqi"
        transaction.set_rollback(True)
    return abandoned.pk


def test_a_rolled_back_version_does_not_lend_its_parse_to_the_next(org: Any) -> None:
    abandoned = _parse_then_abandon(org)
    with time_machine.travel(clock.now() + dt.timedelta(seconds=1), tick=True):
        kept = _version(org, "Asia/Shanghai")
    _, parsed = services.contact_policy_current("cn-default", org)
    assert parsed.default_timezone == "Asia/Shanghai", (abandoned, kept.pk)


def test_the_gate_decides_by_the_version_in_force_not_a_rolled_back_one(
    org: Any, case: Any, debtor: Any
) -> None:
    """The gate keeps parses in the same cache: a decision made under a version that was then
    rolled back must not decide the next one, made under the version that took its id."""
    robot = services.contact_system_actor(organisation=org)
    evening = dt.datetime(2026, 3, 2, 21, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with transaction.atomic():
        _version(org, "Asia/Shanghai", until="21:00")  # a stricter draft, abandoned
        first = services.contact_attempt_authorize(
            case=case, party=debtor, channel="sms", actor=robot, at=evening
        )
        assert (first.allowed, first.rule) == (False, "contact_hours")
        transaction.set_rollback(True)
    with time_machine.travel(clock.now() + dt.timedelta(seconds=1), tick=True):
        _version(org, "Asia/Shanghai")  # until 22:00
    second = services.contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, at=evening
    )
    assert second.allowed
