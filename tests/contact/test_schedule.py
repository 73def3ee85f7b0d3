"""The day planner: capacity, one treatment per debtor, every slot through the policy."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingqian.contact.policy import Attempt, Channel, Hold, HoldKind, Outcome, decide
from qingqian.contact.presets import preset
from qingqian.contact.schedule import (
    DEBTOR_PRIOR,
    PORTFOLIO_PRIOR,
    QueueEntry,
    _request,
    hour_scores,
    merge_entries,
    plan_day,
    portfolio_rates,
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


def test_smoothed_rates() -> None:
    # no data anywhere: every hour at the neutral rate 1/2
    assert portfolio_rates({}, [8, 9]) == {8: 0.5, 9: 0.5}
    assert hour_scores({}, [8, 9]) == {8: 0.5, 9: 0.5}
    # portfolio: 30 of 40 at 19:00, 2 of 40 at 08:00; overall (32 + 1) / (80 + 2)
    port = portfolio_rates({19: (30, 40), 8: (2, 40)}, [8, 19, 20])
    overall = 33 / 82
    assert port[19] == (30 + PORTFOLIO_PRIOR * overall) / (40 + PORTFOLIO_PRIOR)
    assert port[20] == overall  # no attempts at 20:00: the overall rate
    assert port[19] > port[20] > port[8]
    # a debtor's own data pulls away from the portfolio only as far as it has attempts
    s = hour_scores({8: (3, 3)}, [8, 19, 20], port)
    assert s[8] == (3 + DEBTOR_PRIOR * port[8]) / (3 + DEBTOR_PRIOR)
    assert s[19] == port[19] and s[20] == port[20]
    assert port[8] < s[8] < s[19]  # three answered of three: not yet enough to beat 19:00
    assert hour_scores({8: (10, 10)}, [8, 19, 20], port)[8] > port[19]  # ten of ten is


def test_best_hour_is_learned() -> None:
    plan = plan_day(
        [entry("a", hour_stats={19: (5, 5), 9: (1, 6)}), entry("b"), entry("c")],
        CN,
        DAY,
        robots=1,
    )
    at = {c.debtor_key: c.at for c in plan.contacts}
    assert at["a"].hour == 19
    assert at["b"].hour == 8  # no history anywhere: the earliest allowed hour
    # the portfolio answers at 20:00: a debtor without history is called then
    plan = plan_day([entry("b")], CN, DAY, robots=1, portfolio_hours={20: (40, 50), 8: (1, 50)})
    assert plan.contacts[0].at.hour == 20


def test_rate_not_count_decides() -> None:
    # many connections at 10:00 but from many more attempts; few tries at 18:00, all answered
    plan = plan_day([entry("a", hour_stats={10: (6, 30), 18: (4, 4)})], CN, DAY, robots=1)
    assert plan.contacts[0].at.hour == 18


def test_collectors_take_calls_handler_first_within_capacity() -> None:
    voice = (Channel.VOICE, Channel.SMS)
    entries = [entry(f"d{i}", channels=voice, priority=10 - i, handler="li") for i in range(6)]
    plan = plan_day(entries, CN, DAY, collectors={"li": 2, "wang": 3})
    load = plan.collector_load()
    assert load == {"li": 2, "wang": 3}
    assert plan.per_channel() == {"voice": 5, "sms": 1}
    by = {c.debtor_key: c.collector for c in plan.contacts}
    # the handler first while free in the hour; at 08:00 li has done their share (2/14 → 1)
    assert by["d0"] == "li" and by["d1"] == "wang"
    assert by["d5"] is None  # no collector left: an SMS
    # no certified collector at all: no call by a person is planned
    none = plan_day(entries[:1], CN, DAY, collectors={})
    assert none.per_channel() == {"sms": 1}


def test_a_collector_who_speaks_the_debtors_dialect_takes_the_call_first() -> None:
    voice = (Channel.VOICE, Channel.SMS)
    # the handler (li) speaks Mandarin only; gu speaks the debtor's Kunshan Wu
    wu = entry("wu", channels=voice, priority=3, handler="li", speakers=("gu",))
    plain = entry("plain", channels=voice, priority=2, handler="li")
    plan = plan_day([wu, plain], CN, DAY, collectors={"li": 28, "gu": 28, "wang": 28})
    by = {c.debtor_key: c for c in plan.contacts}
    assert by["wu"].collector == "gu" and by["wu"].dialect_matched
    assert by["plain"].collector == "li" and not by["plain"].dialect_matched
    assert by["wu"].as_dict()["dialect_matched"] is True
    # a handler who speaks it too keeps the call
    both = entry("wu", channels=voice, handler="li", speakers=("gu", "li"))
    (c,) = plan_day([both], CN, DAY, collectors={"li": 28, "gu": 28}).contacts
    assert c.collector == "li" and c.dialect_matched
    # the speaker has no room left that day: the handler takes it, not matched
    (c,) = plan_day([wu], CN, DAY, collectors={"li": 28, "gu": 0}).contacts
    assert c.collector == "li" and not c.dialect_matched
    # merged entries keep the speakers of the most urgent one
    (m,) = merge_entries([wu, entry("wu", channels=voice, priority=1)])
    assert m.speakers == ("gu",)


def test_not_before_skips_past_hours_and_reports_outside_window() -> None:
    late = dt.datetime(2026, 12, 2, 15, 20, tzinfo=SH)
    plan = plan_day([entry("a", hour_stats={9: (5, 5)})], CN, DAY, robots=1, not_before=late)
    assert plan.contacts[0].at >= late and plan.contacts[0].at.hour >= 15
    closed = dt.datetime(2026, 12, 2, 22, 5, tzinfo=SH)
    plan = plan_day([entry("a")], CN, DAY, robots=1, not_before=closed)
    assert plan.contacts == () and plan.unplanned[0].reason == "outside_window"


def test_two_debtors_on_one_number_share_its_cap() -> None:
    calls = (Channel.ROBOT,)
    history = tuple(
        Attempt(
            at=dt.datetime(2026, 12, 2, 8, i, tzinfo=SH),
            channel=Channel.ROBOT,
            outcome=Outcome.NO_ANSWER,
            number="n1",
            party_id="x",
        )
        for i in range(5)
    )  # five attempts to n1 today: one more is allowed (cap 6 per number)
    a = entry("a", channels=calls, number="n1", history=history, priority=2)
    b = entry("b", channels=calls, number="n1", history=history, priority=1)
    plan = plan_day([a, b], CN, DAY, robots=1)
    assert [c.debtor_key for c in plan.contacts] == ["a"]
    assert plan.unplanned[0].reason == "call_attempts_per_number_per_day"


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
        hour_stats=st.dictionaries(
            st.integers(0, 23),
            st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda t: (min(t), max(t))),
            max_size=5,
        ),
        handler=st.sampled_from([None, "c0", "c1"]),
        speakers=st.lists(st.sampled_from(["c0", "c1", "c2"]), max_size=2, unique=True).map(tuple),
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
    collectors=st.one_of(
        st.none(), st.dictionaries(st.sampled_from(["c0", "c1", "c2"]), st.integers(0, 6))
    ),
    start_hour=st.one_of(st.none(), st.integers(0, 23)),
)
def test_plan_properties(
    entries: list[QueueEntry],
    robots: int,
    capacity: int,
    policy_name: str,
    collectors: dict[str, int] | None,
    start_hour: int | None,
) -> None:
    policy = preset(policy_name)
    not_before = None if start_hour is None else dt.datetime(2026, 12, 2, start_hour, tzinfo=SH)
    plan = plan_day(
        entries,
        policy,
        DAY,
        robots=robots,
        robot_capacity=capacity,
        collectors=collectors,
        not_before=not_before,
    )
    # never past robot capacity; robots exist
    load = plan.robot_load()
    assert all(0 <= r < robots and n <= capacity for r, n in load.items())
    # calls by people only by a named collector, within their capacity
    if collectors is not None:
        for name, n in plan.collector_load().items():
            assert n <= collectors[name]
        assert all(c.collector is not None for c in plan.contacts if c.channel is Channel.VOICE)
    # one contact per debtor per day; every debtor is planned or listed as unplanned
    keys = [c.debtor_key for c in plan.contacts]
    assert len(keys) == len(set(keys))
    assert set(keys) | {u.debtor_key for u in plan.unplanned} == {e.debtor_key for e in entries}
    assert not set(keys) & {u.debtor_key for u in plan.unplanned}
    # every slot passes the policy, on the planned day, inside the window, after not_before
    merged = {e.debtor_key: e for e in merge_entries(entries)}
    for c in plan.contacts:
        e = merged[c.debtor_key]
        assert c.channel in e.channels
        assert c.at.date() == DAY
        local = c.at.time()
        assert any(w.start <= local < w.end for w in policy.windows)
        assert not_before is None or c.at >= not_before
        request = _request(e, c.channel, policy, DAY)
        assert decide(policy, request, e.history, e.holds, c.at).allowed
        assert set(c.case_ids) == set(e.case_ids)
