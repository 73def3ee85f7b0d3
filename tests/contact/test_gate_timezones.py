"""The gate judges calling hours and local days in the party's own IANA time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from qingqian.common.exceptions import ApplicationError
from qingqian.contact.services import contact_attempt_authorize, contact_system_actor
from qingqian.parties.models import DEFAULT_TIMEZONE, Party, validate_timezone

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def robot(org: Any) -> Any:
    return contact_system_actor(organisation=org)


@pytest.fixture
def us_policy(settings: Any) -> None:
    settings.QINGQIAN_CONTACT_POLICY = "us-reg-f"


def set_zone(party: Party, name: str) -> None:
    party.timezone = name
    party.save(update_fields=["timezone"])


def sms(case: Any, party: Any, robot: Any, when: dt.datetime) -> Any:
    # The server's clock is UTC: the gate must find the party's local time itself.
    return contact_attempt_authorize(
        case=case, party=party, channel="sms", actor=robot, at=when.astimezone(dt.UTC)
    )


def test_parties_default_to_shanghai_and_refuse_unknown_zones(debtor: Party, org: Any) -> None:
    assert debtor.timezone == DEFAULT_TIMEZONE == "Asia/Shanghai"
    validate_timezone("America/Los_Angeles")
    with pytest.raises(ValidationError):
        validate_timezone("Mars/Olympus_Mons")
    from qingqian.parties.services import party_create

    with pytest.raises(ApplicationError) as exc:
        party_create(organisation=org, actor=None, kind="person", name="王五", timezone="EST5")
    assert exc.value.code == "unknown_timezone"
    p = party_create(
        organisation=org, actor=None, kind="person", name="赵六", timezone="America/Chicago"
    )
    assert p.timezone == "America/Chicago"


def test_us_debtor_at_half_past_nine_local_is_refused_under_us_reg_f(
    us_policy: None, case: Any, debtor: Party, robot: Any
) -> None:
    set_zone(debtor, "America/New_York")
    late = sms(case, debtor, robot, dt.datetime(2026, 3, 2, 21, 30, tzinfo=NEW_YORK))
    assert not late.allowed
    assert late.rule == "contact_hours"
    assert "21:30" in late.reasons[0]["message_en"]
    assert late.policy_version == "us-reg-f@1"
    ok = sms(case, debtor, robot, dt.datetime(2026, 3, 2, 20, 30, tzinfo=NEW_YORK))
    assert ok.allowed, ok.reasons
    # The same instant for a debtor in Shanghai is 10:30 the next morning: allowed.
    set_zone(debtor, "Asia/Shanghai")
    assert sms(case, debtor, robot, dt.datetime(2026, 3, 2, 21, 30, tzinfo=NEW_YORK)).allowed


def test_us_reg_f_follows_daylight_saving_in_the_party_zone(
    us_policy: None, case: Any, debtor: Party, robot: Any
) -> None:
    set_zone(debtor, "America/New_York")
    # 01:00 UTC is 20:00 EST on 7 March (allowed) and 21:00 EDT on 9 March (refused).
    assert sms(case, debtor, robot, dt.datetime(2026, 3, 8, 1, 0, tzinfo=dt.UTC)).allowed
    after = sms(case, debtor, robot, dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC))
    assert after.rule == "contact_hours"


def test_shanghai_debtor_at_nine_local_is_allowed_under_cn_default(
    case: Any, debtor: Party, robot: Any
) -> None:
    assert sms(case, debtor, robot, dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)).allowed
    early = sms(case, debtor, robot, dt.datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI))
    assert early.rule == "contact_hours"


def test_cn_default_uses_the_debtor_zone(case: Any, debtor: Party, robot: Any) -> None:
    # 08:30 in Shanghai is 06:30 in Urumqi: too early for a debtor there.
    set_zone(debtor, "Asia/Urumqi")
    early = sms(case, debtor, robot, dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI))
    assert early.rule == "contact_hours"
    assert "06:30" in early.reasons[0]["message_en"]
    # 22:30 in Shanghai is 20:30 in Urumqi: still inside the window there.
    assert sms(case, debtor, robot, dt.datetime(2026, 3, 2, 22, 30, tzinfo=SHANGHAI)).allowed


def test_the_daily_cap_counts_the_debtor_local_day(case: Any, debtor: Party, robot: Any) -> None:
    set_zone(debtor, "Asia/Urumqi")  # UTC+6
    urumqi = ZoneInfo("Asia/Urumqi")
    for m in range(3):
        a = contact_attempt_authorize(
            case=case,
            party=debtor,
            channel="robot",
            actor=robot,
            at=dt.datetime(2026, 3, 2, 21, m, tzinfo=urumqi).astimezone(dt.UTC),
        )
        assert a.allowed
    # 21:00 in Urumqi is 23:00 in Shanghai: allowed only because the debtor's zone is used.
    # At 08:30 Urumqi on 3 March the debtor's new local day has begun.
    next_day = contact_attempt_authorize(
        case=case,
        party=debtor,
        channel="robot",
        actor=robot,
        at=dt.datetime(2026, 3, 3, 8, 30, tzinfo=urumqi).astimezone(dt.UTC),
    )
    assert next_day.allowed
    same_day = contact_attempt_authorize(
        case=case,
        party=debtor,
        channel="robot",
        actor=robot,
        at=dt.datetime(2026, 3, 2, 21, 50, tzinfo=urumqi).astimezone(dt.UTC),
    )
    assert same_day.rule == "voice_conversations_per_day"
