"""The independent re-checker: exact violations on crafted logs, and agreement with decide."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.contact.errors import ContactPolicyError
from qingqian.contact.policy import (
    Attempt,
    Channel,
    ContactRequest,
    Hold,
    HoldKind,
    Outcome,
    PartyRole,
    Policy,
    decide,
    prune_history,
)
from qingqian.contact.presets import CN_DEFAULT, US_REG_F
from qingqian.contact.recheck import LoggedAttempt, recheck
from tests.contact.helpers import CERT_OK, req, t


def entry(at: str, channel: str = "robot", outcome: str | None = "no_answer", **kw: Any):
    return LoggedAttempt(req(channel, **kw), t(at), None if outcome is None else Outcome(outcome))


def found(policy: Policy, log: list[LoggedAttempt], holds: tuple = ()) -> list[tuple[int, str]]:
    return [(v.index, v.code) for v in recheck(policy, log, holds)]


def test_clean_log_has_no_violations() -> None:
    log = [entry(f"2026-03-02T{8 + k:02d}:00:00+08:00") for k in range(6)]
    assert recheck(CN_DEFAULT, log) == []
    assert recheck(CN_DEFAULT, []) == []


def test_seventh_attempt_on_a_number_is_a_violation() -> None:
    log = [entry(f"2026-03-02T{8 + k:02d}:00:00+08:00") for k in range(7)]
    assert found(CN_DEFAULT, log) == [(6, "call_attempts_per_number_per_day")]


def test_log_order_does_not_matter_time_does() -> None:
    log = [entry(f"2026-03-02T{8 + k:02d}:00:00+08:00") for k in range(7)]
    log.reverse()  # the latest call is now at index 0
    assert found(CN_DEFAULT, log) == [(0, "call_attempts_per_number_per_day")]


def test_fourth_conversation_is_a_violation_only_on_the_same_local_day() -> None:
    log = [entry(f"2026-03-02T{9 + k:02d}:00:00+08:00", outcome="connected") for k in range(4)]
    assert found(CN_DEFAULT, log) == [(3, "voice_conversations_per_day")]
    log[3] = entry("2026-03-02T16:00:00Z", outcome="connected")  # 00:00 on 3 March, local
    assert found(CN_DEFAULT, log) == [(3, "outside_hours")]
    log[3] = entry("2026-03-03T00:00:00Z", outcome="connected")  # 08:00 on 3 March, local
    assert found(CN_DEFAULT, log) == []


def test_static_rules() -> None:
    log = [
        entry("2026-03-02T07:59:59+08:00"),
        entry("2026-03-02T10:00:00+08:00", "voice", collectors=(dt.date(2026, 3, 1),)),
        entry("2026-03-02T10:00:00+08:00", "visit", collectors=(CERT_OK,), number=None),
        entry("2026-03-02T10:00:00+08:00", "letter", public=True, number=None),
        entry("2026-03-02T10:00:00+08:00", "robot", party_role="third_party", number="9"),
        entry("2026-03-02T10:00:00+08:00", "email", party_role="third_party", number="8",
              debtor_unreachable=True, script_nondisclosing=True),
    ]  # fmt: skip
    assert found(CN_DEFAULT, log) == [
        (0, "outside_hours"),
        (1, "collector_not_certified"),
        (2, "visit_too_few_collectors"),
        (3, "public_notice_forbidden"),
        (4, "third_party_debtor_reachable"),
        (4, "third_party_script_discloses"),
        (5, "third_party_channel_not_allowed"),
    ]


def test_refusals_and_holds() -> None:
    log = [
        entry("2026-03-02T09:00:00+08:00", outcome="refused"),
        entry("2026-03-02T09:30:00+08:00", "voice"),
        entry("2026-03-02T10:00:00+08:00", "sms", party_id="D2"),
        entry("2026-03-02T10:30:00+08:00", "letter", legal_notice=True, party_id="D2"),
    ]
    holds = (Hold(HoldKind.CEASE_CONTACT, party_id="D2", since=t("2026-03-02T09:45:00+08:00")),)
    assert found(CN_DEFAULT, log, holds) == [
        (1, "medium_refused_earlier"),
        (2, "hold_cease_contact"),
    ]


def test_us_rules() -> None:
    log = [entry(f"2026-03-0{2 + k}T09:00:00-05:00") for k in range(7)]
    log.append(entry("2026-03-08T20:00:00-05:00"))
    log.append(entry("2026-03-09T09:00:00-05:00", outcome="connected"))
    log.append(entry("2026-03-15T20:59:59-05:00"))
    log.append(entry("2026-03-16T08:00:00-05:00", "sms", outcome="delivered"))
    assert found(US_REG_F, log) == [
        (7, "calls_per_7_days"),  # 8th call in 2–8 March
        (8, "calls_per_7_days"),  # 3–9 March still holds 7 earlier calls
        (9, "conversation_cooldown_7_days"),  # 15 March is day 7 after the 9 March talk
        (10, "opt_out_line_missing"),
    ]


def test_naive_log_time_is_refused() -> None:
    bad = LoggedAttempt(ContactRequest(channel=Channel.SMS), dt.datetime(2026, 3, 2), None)
    with pytest.raises(ContactPolicyError) as info:
        recheck(CN_DEFAULT, [bad])
    assert info.value.code == "naive_datetime"


# ---- properties: decide and recheck agree --------------------------------------------

ZONES = ["Asia/Shanghai", "Asia/Urumqi", "America/New_York"]
OFFSETS = [dt.timedelta(hours=h) for h in (-7, -5, -4, 0, 8)]
BASE = dt.datetime(2026, 3, 6, 0, 0, tzinfo=dt.UTC)  # the US changes clocks on 8 March


@st.composite
def requests(draw: st.DrawFn) -> tuple[ContactRequest, dt.timedelta, dt.timedelta, Any]:
    # Mostly compliant-looking calls to the debtor, so that caps and cool-downs are reached.
    role = draw(
        st.sampled_from([*[PartyRole.DEBTOR] * 6, PartyRole.GUARANTOR, PartyRole.THIRD_PARTY])
    )
    channel = draw(st.sampled_from([*[Channel.ROBOT, Channel.VOICE] * 4, *Channel]))
    ids = {PartyRole.DEBTOR: ["D1", None], PartyRole.GUARANTOR: ["G1", "G2", None],
           PartyRole.THIRD_PARTY: ["T1", "T2", None]}[role]  # fmt: skip
    collectors = draw(
        st.lists(
            st.sampled_from([CERT_OK, CERT_OK, CERT_OK, None, dt.date(2026, 3, 8)]),
            min_size=1,
            max_size=3,
        ).map(tuple)
    )
    request = ContactRequest(
        channel=channel,
        party_role=role,
        number=draw(st.sampled_from(["n1", "n2", "n3", None])),
        party_id=draw(st.sampled_from(ids)),
        debt_id=draw(st.sampled_from(["L1", "L2", None])),
        debtor_timezone=draw(st.sampled_from([*ZONES, None])),
        collectors=collectors,
        debtor_unreachable=draw(st.integers(0, 3)) > 0,
        script_nondisclosing=draw(st.integers(0, 3)) > 0,
        legal_notice=draw(st.booleans()),
        public=draw(st.integers(0, 19)) == 0,
        opt_out_line=draw(st.integers(0, 3)) > 0,
    )
    gap = dt.timedelta(minutes=draw(st.sampled_from([0, 1, 5, 20, 30, 60, 90, 240, 600, 1440])))
    offset = draw(st.sampled_from(OFFSETS))
    outcome = draw(st.sampled_from([*Outcome, None, Outcome.NO_ANSWER, Outcome.CONNECTED]))
    return request, gap, offset, outcome


@st.composite
def holds(draw: st.DrawFn) -> list[Hold]:
    out = []
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        kind = draw(st.sampled_from(list(HoldKind)))
        since = BASE + dt.timedelta(hours=draw(st.integers(0, 200)))
        out.append(
            Hold(
                kind,
                party_role=draw(st.sampled_from([None, *PartyRole])),
                party_id=draw(st.sampled_from([None, "D1", "G1", "T1"])),
                channel=draw(st.sampled_from(list(Channel)))
                if kind is HoldKind.REFUSED_MEDIUM
                else None,
                since=draw(st.sampled_from([None, since])),
                until=draw(st.sampled_from([None, since + dt.timedelta(hours=30)])),
            )
        )
    return out


def replay(policy: Policy, steps: list, hold_list: list[Hold], start: dt.datetime) -> Counter:
    """Replay ``steps`` through decide; check recheck agrees at every step; count codes."""
    seen: Counter[str] = Counter()
    log: list[LoggedAttempt] = []
    history: list[Attempt] = []
    now = start
    for request, gap, offset, outcome in steps:
        now += gap
        at = now.astimezone(dt.timezone(offset))
        decision = decide(policy, request, history, hold_list, at)
        seen.update(decision.codes or ["allowed"])
        # The gate may load only the pruned history: same decision.
        pruned = decide(policy, request, prune_history(policy, history, at), hold_list, at)
        assert pruned.codes == decision.codes
        # Appending this attempt to the log, recheck finds exactly what decide denied.
        trial = [*log, LoggedAttempt(request, at, outcome)]
        flagged = sorted(v.code for v in recheck(policy, trial, hold_list) if v.index == len(log))
        assert flagged == sorted(decision.codes)
        if decision.allowed:
            log.append(LoggedAttempt(request, at, outcome))
            history.append(request.attempt(at, outcome))
    assert recheck(policy, log, hold_list) == []
    return seen


@settings(max_examples=120, deadline=None)
@given(
    policy=st.sampled_from([CN_DEFAULT, US_REG_F]),
    steps=st.lists(requests(), min_size=1, max_size=40),
    hold_list=holds(),
)
def test_replayed_decisions_never_violate_and_agree_with_recheck(
    policy: Policy, steps: list, hold_list: list[Hold]
) -> None:
    replay(policy, steps, hold_list, BASE + dt.timedelta(hours=8))


@st.composite
def calls(draw: st.DrawFn, us: bool) -> tuple[ContactRequest, dt.timedelta, dt.timedelta, Any]:
    request = ContactRequest(
        channel=draw(st.sampled_from([Channel.ROBOT, Channel.VOICE])),
        number=draw(st.sampled_from(["n1", "n1", "n2", None])),
        party_id=draw(st.sampled_from(["D1", "D1", None])),
        debt_id=draw(st.sampled_from(["L1", "L1", "L2", None])),
        collectors=(CERT_OK,),
    )
    minutes = draw(st.sampled_from([0, 1, 10, 30, 60, 60, 120, 900]))
    offset = dt.timedelta(hours=draw(st.sampled_from([-5, -4] if us else [8, 0, -5])))
    outcome = draw(
        st.sampled_from([Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.CONNECTED])
    )
    return request, dt.timedelta(minutes=minutes), offset, outcome


@settings(max_examples=150, deadline=None)
@given(data=st.data(), us=st.booleans())
def test_busy_call_days_reach_the_caps_and_recheck_agrees(data: st.DataObject, us: bool) -> None:
    steps = data.draw(st.lists(calls(us), min_size=5, max_size=60))
    policy = US_REG_F if us else CN_DEFAULT
    start = BASE + dt.timedelta(hours=13 if us else 1)  # 08:00/09:00 local
    replay(policy, steps, [], start)
