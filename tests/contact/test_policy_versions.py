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


def _version(org: Any, zone: str) -> ContactPolicy:
    data = PRESETS["cn-default"].to_dict() | {"default_timezone": zone}
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
