"""Policies as versioned data: JSON round trip, strict reading, typed errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import (
    Attempt,
    Cap,
    Channel,
    ContactRequest,
    Counting,
    Hold,
    HoldKind,
    Policy,
    Scope,
    TimeWindow,
    history_from_json,
    holds_from_json,
    parse_instant,
)
from qingqian.contact.presets import CN_DEFAULT, PRESETS, US_REG_F, preset
from tests.contact.helpers import ask


@pytest.mark.parametrize("policy", [CN_DEFAULT, US_REG_F], ids=lambda p: p.name)
def test_presets_round_trip_through_json(policy: Policy) -> None:
    text = policy.to_json()
    back = Policy.from_json(text)
    assert back == policy
    assert back.to_json() == text
    assert json.loads(text)["name"] == policy.name


def test_cn_default_json_carries_the_issue_numbers() -> None:
    data = CN_DEFAULT.to_dict()
    assert data["windows"] == [{"start": "08:00", "end": "22:00"}]
    assert data["default_timezone"] == "Asia/Shanghai"
    assert data["allowed_roles"] == ["debtor", "guarantor"]
    assert [(c["code"], c["counts"], c["limit"], c["days"], c["per"]) for c in data["caps"]] == [
        ("voice_conversations_per_day", "conversations", 3, 1, "person"),
        ("call_attempts_per_number_per_day", "attempts", 6, 1, "number"),
    ]
    assert data["visit_min_collectors"] == 2
    assert data["public_notices_allowed"] is False
    assert data["third_party"]["stop_after_refusal"] is True


def test_us_json_carries_the_reg_f_numbers() -> None:
    data = US_REG_F.to_dict()
    assert data["windows"] == [{"start": "08:00", "end": "21:00"}]
    assert data["timezone_rule"] == "at_offset"
    assert data["caps"][0]["limit"] == 7 and data["caps"][0]["days"] == 7
    assert data["cooldowns"][0]["days"] == 7
    assert data["opt_out_channels"] == ["email", "sms"]


def test_edited_policy_is_a_new_version_that_decides_differently() -> None:
    data = CN_DEFAULT.to_dict()
    data["version"] = 2
    data["windows"] = [{"start": "09:00", "end": "20:00"}, {"start": "20:30", "end": "21:00"}]
    edited = Policy.from_dict(data)
    assert edited.label == "cn-default@2"
    assert not ask(edited, "2026-03-02T08:30:00+08:00").allowed
    assert not ask(edited, "2026-03-02T20:15:00+08:00").allowed
    d = ask(edited, "2026-03-02T20:45:00+08:00")
    assert d.allowed and d.policy_version == "cn-default@2"
    assert Policy.from_json(edited.to_json()) == edited


@settings(max_examples=60, deadline=None)
@given(
    version=st.integers(1, 10_000),
    limit=st.integers(1, 50),
    days=st.integers(1, 31),
    per=st.sampled_from(list(Scope)),
    counts=st.sampled_from(list(Counting)),
    channels=st.sets(st.sampled_from(list(Channel)), min_size=1),
    start=st.integers(0, 22 * 60),
    length=st.integers(1, 60),
    visit_min=st.integers(1, 4),
)
def test_any_policy_round_trips(
    version: int,
    limit: int,
    days: int,
    per: Scope,
    counts: Counting,
    channels: set[Channel],
    start: int,
    length: int,
    visit_min: int,
) -> None:
    end = start + length
    policy = dataclasses.replace(
        CN_DEFAULT,
        version=version,
        windows=(TimeWindow(dt.time(start // 60, start % 60), dt.time(end // 60, end % 60)),),
        caps=(Cap("my_cap", frozenset(channels), counts, limit, days, per, "上限", "cap"),),
        visit_min_collectors=visit_min,
    )
    assert Policy.from_json(policy.to_json()) == policy


def mutated(**changes: object) -> dict:
    data = CN_DEFAULT.to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (mutated(channels=["voice", "fax"]), "unknown_channel"),
        (mutated(allowed_roles=["debtor", "neighbour"]), "unknown_party_role"),
        (mutated(allowed_roles=["debtor", "third_party"]), "bad_policy"),
        (mutated(timezone_rule="local"), "unknown_timezone_rule"),
        (mutated(default_timezone="Asia/Suzhou"), "unknown_timezone"),
        (mutated(windows=[{"start": "22:00", "end": "08:00"}]), "bad_policy"),
        (mutated(windows=[{"start": "8am", "end": "22:00"}]), "bad_json"),
        (mutated(windows=[]), "bad_policy"),
        (mutated(version=0), "bad_policy"),
        (mutated(version="1"), "bad_json"),
        (mutated(version=True), "bad_json"),
        (mutated(name="  "), "bad_policy"),
        (mutated(visit_min_collectors=0), "bad_policy"),
        (mutated(surprise=1), "bad_json"),
        (mutated(sources={"a": 1}), "bad_policy"),
        (mutated(caps=[{**CN_DEFAULT.to_dict()["caps"][0], "limit": 0}]), "bad_policy"),
        (mutated(caps=[{**CN_DEFAULT.to_dict()["caps"][0], "code": "Bad Code"}]), "bad_policy"),
        (mutated(caps=[CN_DEFAULT.to_dict()["caps"][0]] * 2), "bad_policy"),
        (
            mutated(caps=[{**CN_DEFAULT.to_dict()["caps"][0], "code": "outside_hours"}]),
            "bad_policy",
        ),
        (mutated(caps=[{**CN_DEFAULT.to_dict()["caps"][0], "channels": []}]), "bad_policy"),
        (mutated(caps=[{**CN_DEFAULT.to_dict()["caps"][0], "per": "household"}]), "unknown_scope"),
        (mutated(third_party={"channels": ["voice"]}), "bad_json"),
        ([], "bad_json"),
    ],
)
def test_bad_policies_are_refused_with_a_code(data: object, code: str) -> None:
    with pytest.raises(ContactPolicyError) as info:
        Policy.from_dict(data)
    assert info.value.code == code
    assert info.value.message_zh and info.value.message_en


def test_not_json_at_all() -> None:
    with pytest.raises(ContactPolicyError) as info:
        Policy.from_json("{not json")
    assert info.value.code == "bad_json"


def test_preset_lookup() -> None:
    assert preset("cn-default") is CN_DEFAULT
    assert set(PRESETS) == {"cn-default", "us-reg-f"}
    with pytest.raises(ContactPolicyError) as info:
        preset("eu-gdpr")
    assert info.value.code == "unknown_policy"
    assert "cn-default, us-reg-f" in info.value.message_en


# ---- history, holds, times ---------------------------------------------------------


def test_history_reads_the_contract_shape() -> None:
    rows = history_from_json(
        [
            {
                "at": "2026-03-02T09:00:00+08:00",
                "channel": "robot",
                "outcome": "connected",
                "party_role": "debtor",
                "number": "13800000001",
            },
            {"at": "2026-03-02T10:00:00Z", "channel": "sms", "outcome": None, "number": None},
        ]
    )
    assert rows[0].outcome is not None and rows[0].outcome.value == "connected"
    assert rows[1].outcome is None and rows[1].party_role.value == "debtor"
    assert [Attempt.from_dict(r.to_dict()) for r in rows] == rows


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"at": "x"}, "bad_history"),
        ([{"at": "2026-03-02T09:00:00", "channel": "robot", "outcome": "busy"}], "naive_datetime"),
        ([{"at": "yesterday", "channel": "robot", "outcome": "busy"}], "bad_datetime"),
        (
            [{"at": "2026-03-02T09:00:00Z", "channel": "pigeon", "outcome": "busy"}],
            "unknown_channel",
        ),
        ([{"at": "2026-03-02T09:00:00Z", "channel": "sms", "outcome": "read"}], "unknown_outcome"),
        ([{"at": "2026-03-02T09:00:00Z", "channel": "sms", "outcome": "busy", "x": 1}], "bad_json"),
        ([{"at": "2026-03-02T09:00:00Z", "channel": "sms"}], "bad_json"),
        (
            [{"at": "2026-03-02T09:00:00Z", "channel": "sms", "outcome": None, "number": 5}],
            "bad_json",
        ),
        (["row"], "bad_json"),
    ],
)
def test_bad_history_is_refused(data: object, code: str) -> None:
    with pytest.raises(ContactPolicyError) as info:
        history_from_json(data)
    assert info.value.code == code


def test_holds_read_and_validate() -> None:
    (h,) = holds_from_json(
        [{"kind": "refused_medium", "channel": "sms", "since": "2026-03-01T00:00:00+08:00"}]
    )
    assert h.kind is HoldKind.REFUSED_MEDIUM and h.channel is Channel.SMS
    for bad, code in (
        ([{"kind": "refused_medium"}], "bad_hold"),
        ([{"kind": "holiday"}], "unknown_hold_kind"),
        ({"kind": "dispute"}, "bad_holds"),
        ([{"kind": "dispute", "until": "2026-03-01"}], "naive_datetime"),
    ):
        with pytest.raises(ContactPolicyError) as info:
            holds_from_json(bad)
        assert info.value.code == code


def test_naive_times_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ContactPolicyError) as info:
        ask(CN_DEFAULT, "2026-03-02T10:00:00")
    assert info.value.code == "naive_datetime"
    with pytest.raises(ContactPolicyError) as info:
        ContactRequest(channel=Channel.SMS, debtor_timezone="Mars/Olympus")
    assert info.value.code == "unknown_timezone"
    with pytest.raises(ContactPolicyError) as info:
        parse_instant("2026-03-02 10:00")
    assert info.value.code == "naive_datetime"
    with pytest.raises(ContactPolicyError) as info:
        Hold(HoldKind.DISPUTE, since=dt.datetime(2026, 3, 2))
    assert info.value.code == "naive_datetime"
