"""The us-reg-f preset: 08:00–21:00 in the offset of ``at``, 7 calls in 7 days, cool-down."""

from __future__ import annotations

import pytest

from qingqian.contact.presets import US_REG_F
from tests.contact.helpers import ask, past, req

P = US_REG_F


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-03-02T07:59:59-05:00", False),
        ("2026-03-02T08:00:00-05:00", True),
        ("2026-03-02T20:59:59-05:00", True),
        ("2026-03-02T21:00:00-05:00", False),
        ("2026-03-02T21:59:59-05:00", False),
        ("2026-03-02T22:00:00-05:00", False),
        # Summer time in New York: the offset written in ``at`` is what counts.
        ("2026-07-01T07:59:59-04:00", False),
        ("2026-07-01T08:00:00-04:00", True),
        ("2026-07-01T20:59:59-04:00", True),
        ("2026-07-01T21:00:00-04:00", False),
        # The same instant written in UTC would be judged in UTC: write the debtor's offset.
        ("2026-03-02T13:00:00+00:00", True),
    ],
)
def test_contact_hours_in_the_offset_of_at(at: str, allowed: bool) -> None:
    d = ask(P, at, req("robot"))
    assert d.allowed is allowed
    assert d.codes == (() if allowed else ("outside_hours",))


def test_debtor_timezone_is_not_used_under_at_offset() -> None:
    r = req("robot", debtor_timezone="Asia/Shanghai")
    assert ask(P, "2026-03-02T10:00:00-05:00", r).allowed  # 23:00 in Shanghai


def seven_calls(first_day: int = 2, debt: str | None = None) -> list:
    return [
        past(f"2026-03-{first_day + k:02d}T09:00:00-05:00", "robot", "no_answer", debt_id=debt)
        for k in range(7)
    ]


def test_eighth_call_in_seven_days_is_denied() -> None:
    d = ask(P, "2026-03-08T15:00:00-05:00", req("robot"), seven_calls(2))
    assert d.codes == ("calls_per_7_days",)
    assert "2026-03-02" in d.reasons[0].message_zh
    assert "2026-03-08" in d.reasons[0].message_zh


def test_window_moves_on_a_local_day() -> None:
    assert ask(P, "2026-03-09T08:00:00-05:00", req("robot"), seven_calls(2)).allowed
    assert ask(P, "2026-03-08T15:00:00-05:00", req("robot"), seven_calls(2)[:6]).allowed


def test_seven_in_seven_is_per_debt_and_per_person() -> None:
    calls = seven_calls(2, debt="A")
    assert not ask(P, "2026-03-08T15:00:00-05:00", req("robot", debt_id="A"), calls).allowed
    assert ask(P, "2026-03-08T15:00:00-05:00", req("robot", debt_id="B"), calls).allowed
    assert not ask(P, "2026-03-08T15:00:00-05:00", req("robot"), calls).allowed  # unknown debt
    guarantor = req("robot", party_role="guarantor")
    assert ask(P, "2026-03-08T15:00:00-05:00", guarantor, calls).allowed


def test_seven_in_seven_counts_calls_to_every_number_of_the_person() -> None:
    calls = [
        past(f"2026-03-0{2 + k}T09:00:00-05:00", "voice", "busy", number=f"555-000{k}")
        for k in range(7)
    ]
    assert ask(P, "2026-03-08T15:00:00-05:00", req("robot", number="555-9999"), calls).codes == (
        "calls_per_7_days",
    )


def test_no_call_within_seven_days_after_a_conversation() -> None:
    talk = [past("2026-03-02T10:00:00-05:00", "voice", "connected")]  # a Monday
    for day in ("2026-03-02T10:30:00", "2026-03-05T12:00:00", "2026-03-08T20:59:59"):
        d = ask(P, f"{day}-05:00", req("robot"), talk)
        assert d.codes == ("conversation_cooldown_7_days",)
        assert "2026-03-09" in d.reasons[0].message_en
    assert ask(P, "2026-03-09T08:00:00-05:00", req("robot"), talk).allowed


def test_cooldown_ignores_voicemail_and_allows_messages() -> None:
    vm = [past("2026-03-02T10:00:00-05:00", "robot", "voicemail")]
    assert ask(P, "2026-03-03T10:00:00-05:00", req("robot"), vm).allowed
    talk = [past("2026-03-02T10:00:00-05:00", "voice", "connected")]
    assert ask(P, "2026-03-03T10:00:00-05:00", req("sms", opt_out_line=True), talk).allowed
    assert ask(P, "2026-03-03T10:00:00-05:00", req("robot", debt_id="B"), [
        past("2026-03-02T10:00:00-05:00", "voice", "connected", debt_id="A")
    ]).allowed  # fmt: skip


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_opt_out_line_required(channel: str) -> None:
    assert ask(P, "2026-03-02T10:00:00-05:00", req(channel)).codes == ("opt_out_line_missing",)
    assert ask(P, "2026-03-02T10:00:00-05:00", req(channel, opt_out_line=True)).allowed
    assert ask(P, "2026-03-02T10:00:00-05:00", req("letter")).allowed


def test_third_party_reached_only_once() -> None:
    tp = req(
        "voice",
        party_role="third_party",
        number="555-7777",
        debtor_unreachable=True,
        script_nondisclosing=True,
    )
    assert ask(P, "2026-03-02T10:00:00-05:00", tp).allowed
    once = [past("2026-02-02T10:00:00-05:00", "letter", "delivered", "third_party", "555-7777")]
    d = ask(P, "2026-03-02T10:00:00-05:00", tp, once)
    assert d.codes == ("third_party_already_contacted",)
    missed = [past("2026-02-02T10:00:00-05:00", "voice", "no_answer", "third_party", "555-7777")]
    assert ask(P, "2026-03-02T10:00:00-05:00", tp, missed).allowed


def test_us_has_no_daily_caps_but_public_notices_are_forbidden() -> None:
    many = [past(f"2026-03-02T{9 + k:02d}:00:00-05:00", "robot", "busy") for k in range(6)]
    assert ask(P, "2026-03-02T16:00:00-05:00", req("robot"), many).allowed
    assert ask(P, "2026-03-02T16:00:00-05:00", req("letter", public=True)).codes == (
        "public_notice_forbidden",
    )
    assert ask(P, "2026-03-02T16:00:00-05:00", req("visit", collectors=())).codes == (
        "collector_not_certified",
        "visit_too_few_collectors",
    )


def test_an_iana_zone_in_at_places_history_on_its_true_local_days() -> None:
    """The gate writes ``at`` in the party's IANA zone. New York moved to summer time on
    8 March 2026: a call at 04:30 UTC that morning was 23:30 on 7 March, local, outside the
    7-day window that begins on 8 March. A fixed -04:00 would put it on 8 March."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from qingqian.contact.policy import decide

    history = [past("2026-03-08T04:30:00+00:00", "robot", "no_answer")] + [
        past(f"2026-03-10T{9 + k:02d}:00:00-04:00", "robot", "no_answer") for k in range(6)
    ]
    in_zone = dt.datetime(2026, 3, 14, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert decide(P, req("robot"), history, [], in_zone).allowed
    fixed = in_zone.astimezone(dt.timezone(dt.timedelta(hours=-4)))
    assert decide(P, req("robot"), history, [], fixed).codes == ("calls_per_7_days",)


def test_the_recheck_reads_an_iana_zone_in_at_as_decide_does() -> None:
    """The same log as above, judged by the independent re-check: the late call is itself out
    of hours, and only a fixed offset would also count it in the 7-day window."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from qingqian.contact.policy import Outcome
    from qingqian.contact.recheck import LoggedAttempt, recheck

    ny = ZoneInfo("America/New_York")
    times = [dt.datetime(2026, 3, 8, 4, 30, tzinfo=dt.UTC).astimezone(ny)]
    times += [dt.datetime(2026, 3, 10, 9 + k, 0, tzinfo=ny) for k in range(6)]
    times.append(dt.datetime(2026, 3, 14, 20, 0, tzinfo=ny))

    def log(zone: dt.tzinfo) -> list[LoggedAttempt]:
        return [LoggedAttempt(req("robot"), t.astimezone(zone), Outcome.NO_ANSWER) for t in times]

    in_zone = [(v.index, v.code) for v in recheck(P, log(ny))]
    assert in_zone == [(0, "outside_hours")]
    fixed = [(v.index, v.code) for v in recheck(P, log(dt.timezone(dt.timedelta(hours=-4))))]
    assert (7, "calls_per_7_days") in fixed
