"""The day planner: capacity, one treatment per debtor, every slot through the policy."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.contact.policy import Attempt, Channel, Hold, HoldKind, Outcome, decide
from qingqian.contact.presets import preset
from qingqian.contact.schedule import (
    QueueEntry,
    _request,
    hour_scores,
    merge_entries,
    plan_day,
    window_hours,
)

CN = preset("cn-default")
DAY = dt.date(2026, 12, 2)
SH = dt.timezone(dt.timedelta(hours=8))


def entry(key: str, **kw: object) -> QueueEntry:
    base: dict[str, object] = {
        "debtor_key": key,
        "case_ids": (f"case-{key}",),
        "priority": 1.0,
        "channels": (Channel.ROBOT, Channel.SMS),
    }
    base.update(kw)
    return QueueEntry(**base)  # type: ignore[arg-type]


def test_window_hours_follow_the_policy() -> None:
    assert window_hours(CN) == list(range(8, 22))


def test_laplace_smoothing() -> None:
    s = hour_scores({19: 8}, [8, 19, 20])
    assert s[19] == 9 / 11 and s[8] == s[20] == 1 / 11
    assert abs(sum(s.values()) - 1) < 1e-12
    assert hour_scores({}, [8, 9]) == {8: 0.5, 9: 0.5}


def test_best_hour_is_learned() -> None:
    plan = plan_day([entry("a", best_hours={19: 5, 9: 1}), entry("b")], CN, DAY, robots=1)
    at = {c.debtor_key: c.at for c in plan.contacts}
    assert at["a"].hour == 19
    assert at["b"].hour == 8  # no history: the earliest allowed hour


def test_one_treatment_per_debtor_across_invoices() -> None:
    plan = plan_day(
        [
            entry("d1", case_ids=("c1",), priority=1),
            entry("d1", case_ids=("c2",), priority=5),
            entry("d2", case_ids=("c3",), priority=2),
        ],
        CN,
        DAY,
        robots=1,
    )
    assert len(plan.contacts) == 2
    first = plan.contacts[0]
    assert first.debtor_key == "d1" and first.case_ids == ("c1", "c2")
    assert merge_entries([entry("x", channels=(Channel.SMS,)), entry("x")])[0].channels == (
        Channel.SMS,
    )


def test_robot_capacity_spills_to_the_next_channel() -> None:
    entries = [entry(f"d{i}", priority=100 - i) for i in range(30)]
    plan = plan_day(entries, CN, DAY, robots=2, robot_capacity=10)
    per = plan.per_channel()
    assert per == {"robot": 20, "sms": 10}
    assert plan.robot_load() == {0: 10, 1: 10}
    # the most urgent got the robots
    assert {c.debtor_key for c in plan.contacts if c.channel is Channel.ROBOT} == {
        f"d{i}" for i in range(20)
    }


def test_holds_and_caps_leave_a_debtor_out_with_the_reason() -> None:
    held = entry("h", holds=(Hold(kind=HoldKind.DISTRESS),))
    reached = entry(
        "r",
        history=(
            Attempt(
                at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH),
                channel=Channel.ROBOT,
                outcome=Outcome.CONNECTED,
                party_id="r",
            ),
        ),
    )
    plan = plan_day([held, reached, entry("ok")], CN, DAY, robots=1)
    reasons = {u.debtor_key: u.reason for u in plan.unplanned}
    assert reasons["h"].startswith("hold")
    assert reasons["r"] == "already_reached_today"
    assert [c.debtor_key for c in plan.contacts] == ["ok"]


def test_channel_capacity() -> None:
    entries = [entry(f"d{i}", channels=(Channel.VOICE,)) for i in range(5)]
    plan = plan_day(entries, CN, DAY, channel_capacity={Channel.VOICE: 3})
    assert len(plan.contacts) == 3
    assert Counter(u.reason for u in plan.unplanned) == {"no_capacity": 2}


zones = st.sampled_from([None, "Asia/Shanghai", "Asia/Urumqi", "America/New_York"])
channel_lists = st.lists(
    st.sampled_from([Channel.ROBOT, Channel.SMS, Channel.VOICE, Channel.EMAIL]),
    min_size=0,
    max_size=3,
    unique=True,
)
entries_st = st.lists(
    st.builds(
        QueueEntry,
        debtor_key=st.sampled_from([f"d{i}" for i in range(40)]),
        case_ids=st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=2).map(
            tuple
        ),
        priority=st.floats(0, 100, allow_nan=False),
        channels=channel_lists.map(tuple),
        timezone=zones,
        best_hours=st.dictionaries(st.integers(0, 23), st.integers(0, 20), max_size=5),
        holds=st.lists(
            st.sampled_from([Hold(kind=HoldKind.DISPUTE), Hold(kind=HoldKind.CEASE_CONTACT)]),
            max_size=1,
        ).map(tuple),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=entries_st,
    robots=st.integers(0, 3),
    capacity=st.integers(1, 20),
    policy_name=st.sampled_from(["cn-default", "us-reg-f"]),
)
def test_plan_properties(
    entries: list[QueueEntry], robots: int, capacity: int, policy_name: str
) -> None:
    policy = preset(policy_name)
    plan = plan_day(entries, policy, DAY, robots=robots, robot_capacity=capacity)
    # never past robot capacity; robots exist
    load = plan.robot_load()
    assert all(0 <= r < robots and n <= capacity for r, n in load.items())
    # one contact per debtor per day; every debtor is planned or listed as unplanned
    keys = [c.debtor_key for c in plan.contacts]
    assert len(keys) == len(set(keys))
    assert set(keys) | {u.debtor_key for u in plan.unplanned} == {e.debtor_key for e in entries}
    assert not set(keys) & {u.debtor_key for u in plan.unplanned}
    # every slot passes the policy, on the planned day, with the debtor's own data
    merged = {e.debtor_key: e for e in merge_entries(entries)}
    for c in plan.contacts:
        e = merged[c.debtor_key]
        assert c.channel in e.channels
        assert c.at.date() == DAY
        request = _request(e, c.channel, policy, DAY)
        assert decide(policy, request, e.history, e.holds, c.at).allowed
        assert set(c.case_ids) == set(e.case_ids)
