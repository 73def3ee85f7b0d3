"""The cn-default preset, rule by rule, with exact reason codes."""

from __future__ import annotations

import datetime as dt

import pytest

from qingqian.contact.policy import Channel, Hold, HoldKind, PartyRole
from qingqian.contact.presets import CN_DEFAULT
from tests.contact.helpers import CERT_OK, ask, past, req, t

P = CN_DEFAULT


def codes(*args, **kw) -> tuple[str, ...]:
    return ask(P, *args, **kw).codes


# ---- hours (Asia/Shanghai by default; the debtor's own zone when given) -------------


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-03-02T07:59:59+08:00", False),
        ("2026-03-02T08:00:00+08:00", True),
        ("2026-03-02T21:59:59+08:00", True),
        ("2026-03-02T21:59:59.999999+08:00", True),
        ("2026-03-02T22:00:00+08:00", False),
        ("2026-03-02T23:59:59+08:00", False),
        ("2026-03-02T00:00:00+08:00", False),
        # The same instants written in UTC are judged in the debtor's time.
        ("2026-03-01T23:59:59+00:00", False),
        ("2026-03-02T00:00:00+00:00", True),
        ("2026-03-02T13:59:59Z", True),
        ("2026-03-02T14:00:00Z", False),
    ],
)
@pytest.mark.parametrize("channel", ["voice", "robot", "sms", "email", "visit"])
def test_contact_hours_boundaries(at: str, allowed: bool, channel: str) -> None:
    d = ask(P, at, req(channel))
    assert d.allowed is allowed
    assert d.codes == (() if allowed else ("outside_hours",))
    assert d.rule == ("all_rules_passed" if allowed else "contact_hours")


def test_letters_are_not_bound_by_hours() -> None:
    assert ask(P, "2026-03-02T23:30:00+08:00", req("letter")).allowed


def test_debtor_zone_is_used_when_known() -> None:
    urumqi = req("robot", debtor_timezone="Asia/Urumqi")  # UTC+6: two hours behind Beijing
    assert codes("2026-03-02T09:59:59+08:00", urumqi) == ("outside_hours",)
    assert ask(P, "2026-03-02T10:00:00+08:00", urumqi).allowed
    assert ask(P, "2026-03-02T23:59:59+08:00", urumqi).allowed  # 21:59:59 in Urumqi


def test_outside_hours_message_names_local_time_in_both_languages() -> None:
    (reason,) = ask(P, "2026-03-02T07:59:59+08:00").reasons
    assert reason.message == reason.message_zh
    assert "2026-03-02 07:59:59" in reason.message_zh
    assert "08:00–22:00" in reason.message_zh
    assert "outside the contact hours (08:00–22:00)" in reason.message_en


# ---- at most 3 connected voice conversations per person per day, robots included -----


def three_conversations() -> list:
    return [
        past("2026-03-02T09:00:00+08:00", "robot", "connected"),
        past("2026-03-02T10:00:00+08:00", "voice", "connected", number="13900000002"),
        past("2026-03-02T11:00:00+08:00", "robot", "connected"),
    ]


@pytest.mark.parametrize("channel", ["robot", "voice"])
def test_fourth_conversation_attempt_is_denied(channel: str) -> None:
    d = ask(P, "2026-03-02T12:00:00+08:00", req(channel), three_conversations())
    assert d.codes == ("voice_conversations_per_day",)
    assert d.rule == "voice_conversations_per_day"
    assert "3/3" in d.reasons[0].message_zh


def test_unanswered_calls_do_not_count_as_conversations() -> None:
    history = three_conversations()[:2] + [
        past(f"2026-03-02T1{h}:00:00+08:00", "robot", o, number="13700000003")
        for h, o in ((2, "no_answer"), (3, "busy"), (4, "voicemail"))
    ]
    assert ask(P, "2026-03-02T16:00:00+08:00", req("robot"), history).allowed


def test_in_flight_attempt_counts_as_a_conversation() -> None:
    history = [*three_conversations()[:2], past("2026-03-02T11:59:00+08:00", "robot", None)]
    d = ask(P, "2026-03-02T12:00:00+08:00", req("robot"), history)
    assert d.codes == ("voice_conversations_per_day",)


def test_sms_is_not_capped_by_call_caps() -> None:
    assert ask(P, "2026-03-02T12:00:00+08:00", req("sms"), three_conversations()).allowed


def test_conversations_with_someone_else_do_not_count() -> None:
    history = [
        past(f"2026-03-02T0{h}:00:00+08:00", "robot", "connected", party_id="D1") for h in (8, 9)
    ] + [past("2026-03-02T10:00:00+08:00", "robot", "connected", party_id="D2")]
    assert ask(P, "2026-03-02T12:00:00+08:00", req(party_id="D1"), history).allowed
    guarantor = req(party_role="guarantor", number="13300000000")
    assert ask(P, "2026-03-02T12:00:00+08:00", guarantor, three_conversations()).allowed


def test_conversation_cap_rolls_over_at_local_midnight() -> None:
    history = three_conversations()
    assert ask(P, "2026-03-02T21:59:59+08:00", req(), history).codes == (
        "voice_conversations_per_day",
    )
    assert ask(P, "2026-03-03T08:00:00+08:00", req(), history).allowed


def test_day_is_the_local_day_not_the_utc_day() -> None:
    # 2026-03-02T16:30Z is 00:30 on 3 March in Shanghai; 15:59:59Z is still 2 March.
    late = [past(f"2026-03-02T16:3{m}:00Z", "robot", "connected") for m in range(3)]
    assert ask(P, "2026-03-03T09:00:00+08:00", req(), late).codes == (
        "voice_conversations_per_day",
    )
    early = [past(f"2026-03-02T15:5{m}:59Z", "robot", "connected") for m in range(3)]
    assert ask(P, "2026-03-03T09:00:00+08:00", req(), early).allowed


# ---- at most 6 call attempts per number per day ------------------------------------


def six_attempts(number: str = "13800000001") -> list:
    return [
        past(f"2026-03-02T{8 + h:02d}:00:00+08:00", "robot", "no_answer", number=number)
        for h in range(6)
    ]


def test_seventh_attempt_on_a_number_is_denied() -> None:
    d = ask(P, "2026-03-02T15:00:00+08:00", req("robot"), six_attempts())
    assert d.codes == ("call_attempts_per_number_per_day",)
    assert ask(P, "2026-03-02T15:00:00+08:00", req("voice"), six_attempts()).codes == (
        "call_attempts_per_number_per_day",
    )


def test_fifth_attempt_is_allowed_and_other_numbers_are_separate() -> None:
    assert ask(P, "2026-03-02T15:00:00+08:00", req(), six_attempts()[:5]).allowed
    other = req(number="13900000009")
    assert ask(P, "2026-03-02T15:00:00+08:00", other, six_attempts()).allowed


def test_unknown_number_matches_any_number() -> None:
    d = ask(P, "2026-03-02T15:00:00+08:00", req(number=None), six_attempts())
    assert d.codes == ("call_attempts_per_number_per_day",)
    history = [past(a.at.isoformat(), number=None) for a in six_attempts()]
    assert ask(P, "2026-03-02T15:00:00+08:00", req(), history).codes == (
        "call_attempts_per_number_per_day",
    )


def test_attempts_roll_over_at_local_midnight() -> None:
    assert ask(P, "2026-03-03T08:00:00+08:00", req(), six_attempts()).allowed


def test_both_caps_are_reported_with_the_first_deciding() -> None:
    history = [past(f"2026-03-02T{8 + h:02d}:00:00+08:00", "robot", "connected") for h in range(6)]
    d = ask(P, "2026-03-02T15:00:00+08:00", req(), history)
    assert d.codes == ("voice_conversations_per_day", "call_attempts_per_number_per_day")
    assert d.rule == "voice_conversations_per_day"


# ---- whom: debtor and guarantors; third parties only under the rule ----------------


def test_debtor_and_guarantor_are_allowed() -> None:
    assert ask(P, "2026-03-02T10:00:00+08:00", req(party_role="debtor")).allowed
    assert ask(P, "2026-03-02T10:00:00+08:00", req(party_role="guarantor")).allowed


def tp(channel: str = "voice", **kw) -> object:
    kw.setdefault("debtor_unreachable", True)
    kw.setdefault("script_nondisclosing", True)
    return req(channel, party_role="third_party", number="13500000005", **kw)


def test_third_party_with_unreachable_debtor_and_safe_script_is_allowed() -> None:
    assert ask(P, "2026-03-02T10:00:00+08:00", tp()).allowed
    assert ask(P, "2026-03-02T10:00:00+08:00", tp("sms")).allowed


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"debtor_unreachable": False}, ("third_party_debtor_reachable",)),
        ({"script_nondisclosing": False}, ("third_party_script_discloses",)),
        (
            {"debtor_unreachable": False, "script_nondisclosing": False},
            ("third_party_debtor_reachable", "third_party_script_discloses"),
        ),
    ],
)
def test_third_party_conditions(kw: dict, expected: tuple[str, ...]) -> None:
    d = ask(P, "2026-03-02T10:00:00+08:00", tp(**kw))
    assert d.codes == expected
    assert d.rule == "third_party"


@pytest.mark.parametrize("channel", ["email", "letter", "visit"])
def test_third_party_channels(channel: str) -> None:
    assert ask(P, "2026-03-02T10:00:00+08:00", tp(channel)).codes == (
        "third_party_channel_not_allowed",
    )


def test_third_party_never_again_after_refusal() -> None:
    refusal = past(
        "2026-02-01T10:00:00+08:00", "voice", "refused", "third_party", number="13500000005"
    )
    d = ask(P, "2026-03-02T10:00:00+08:00", tp("sms"), [refusal])
    assert d.codes == ("third_party_refused",)
    assert "2026-02-01T10:00:00+08:00" in d.reasons[0].message_zh
    other = req(
        "voice",
        party_role="third_party",
        number="13500000006",
        debtor_unreachable=True,
        script_nondisclosing=True,
    )
    assert ask(P, "2026-03-02T10:00:00+08:00", other, [refusal]).allowed


def test_third_party_refusal_matched_by_party_id_across_numbers() -> None:
    refusal = past(
        "2026-02-01T10:00:00+08:00",
        "voice",
        "refused",
        "third_party",
        number="1",
        party_id="T1",
    )
    assert ask(P, "2026-03-02T10:00:00+08:00", tp(party_id="T1"), [refusal]).codes == (
        "third_party_refused",
    )
    assert ask(P, "2026-03-02T10:00:00+08:00", tp(party_id="T2"), [refusal]).allowed


# ---- holds ------------------------------------------------------------------------

AT = "2026-03-02T10:00:00+08:00"


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (HoldKind.CEASE_CONTACT, "hold_cease_contact"),
        (HoldKind.DISPUTE, "hold_dispute"),
        (HoldKind.DISTRESS, "hold_distress"),
        (HoldKind.LAWYER, "hold_lawyer"),
        (HoldKind.REFUSED_MEDIUM, "hold_refused_medium"),
    ],
)
@pytest.mark.parametrize("channel", ["voice", "robot"])
def test_each_hold_stops_calls(kind: HoldKind, code: str, channel: str) -> None:
    hold = Hold(kind, channel=Channel.ROBOT if kind is HoldKind.REFUSED_MEDIUM else None)
    d = ask(P, AT, req(channel), holds=[hold])
    assert d.codes == (code,)
    assert d.rule == "holds"


@pytest.mark.parametrize(
    ("kind", "channel", "allowed"),
    [
        (HoldKind.CEASE_CONTACT, "letter", True),
        (HoldKind.CEASE_CONTACT, "email", True),
        (HoldKind.CEASE_CONTACT, "sms", False),
        (HoldKind.CEASE_CONTACT, "robot", False),
        (HoldKind.DISPUTE, "letter", True),
        (HoldKind.DISTRESS, "letter", False),
        (HoldKind.LAWYER, "letter", False),
    ],
)
def test_legal_notices_pass_only_cease_and_dispute(
    kind: HoldKind, channel: str, allowed: bool
) -> None:
    d = ask(P, AT, req(channel, legal_notice=True), holds=[Hold(kind)])
    assert d.allowed is allowed


def test_cease_blocks_an_ordinary_letter() -> None:
    d = ask(P, AT, req("letter"), holds=[Hold(HoldKind.CEASE_CONTACT)])
    assert d.codes == ("hold_cease_contact",)
    assert "only legal notices (email, letter) may follow" in d.reasons[0].message_en


def test_refused_medium_hold_covers_only_that_medium() -> None:
    hold = Hold(HoldKind.REFUSED_MEDIUM, channel=Channel.VOICE)
    assert ask(P, AT, req("robot"), holds=[hold]).codes == ("hold_refused_medium",)
    assert ask(P, AT, req("sms"), holds=[hold]).allowed
    sms_hold = Hold(HoldKind.REFUSED_MEDIUM, channel=Channel.SMS)
    assert ask(P, AT, req("robot"), holds=[sms_hold]).allowed


def test_hold_time_limits_and_scope() -> None:
    start, end = t("2026-03-02T10:00:00+08:00"), t("2026-03-05T00:00:00+08:00")
    hold = Hold(HoldKind.DISPUTE, since=start, until=end)
    assert ask(P, "2026-03-02T09:59:59+08:00", req(), holds=[hold]).allowed
    assert not ask(P, "2026-03-02T10:00:00+08:00", req(), holds=[hold]).allowed
    assert not ask(P, "2026-03-04T21:59:59+08:00", req(), holds=[hold]).allowed
    assert ask(P, "2026-03-05T08:00:00+08:00", req(), holds=[hold]).allowed
    mine = Hold(HoldKind.DISTRESS, party_id="D1")
    assert not ask(P, AT, req(party_id="D1"), holds=[mine]).allowed
    assert ask(P, AT, req(party_id="D2"), holds=[mine]).allowed
    assert not ask(P, AT, req(), holds=[mine]).allowed  # unknown person: could be D1
    debtor_only = Hold(HoldKind.LAWYER, party_role=PartyRole.DEBTOR)
    assert ask(P, AT, req(party_role="guarantor"), holds=[debtor_only]).allowed


def test_two_holds_of_one_kind_give_one_reason() -> None:
    d = ask(P, AT, holds=[Hold(HoldKind.DISPUTE), Hold(HoldKind.DISPUTE)])
    assert d.codes == ("hold_dispute",)


# ---- refusals in the history ---------------------------------------------------------


def test_refusal_in_history_stops_that_medium_for_that_person() -> None:
    refused = [past("2026-02-20T10:00:00+08:00", "robot", "refused")]
    assert ask(P, AT, req("voice"), refused).codes == ("medium_refused_earlier",)
    assert ask(P, AT, req("sms"), refused).allowed
    assert ask(P, AT, req("robot", party_role="guarantor"), refused).allowed
    sms_refused = [past("2026-02-20T10:00:00+08:00", "sms", "refused")]
    assert ask(P, AT, req("sms"), sms_refused).codes == ("medium_refused_earlier",)
    assert ask(P, AT, req("robot"), sms_refused).allowed


# ---- collectors, visits, public notices, opt-out ------------------------------------


@pytest.mark.parametrize(
    ("collectors", "expected"),
    [
        ((), ("collector_not_certified",)),
        ((None,), ("collector_not_certified",)),
        ((dt.date(2026, 3, 1),), ("collector_not_certified",)),
        ((dt.date(2026, 3, 2),), ()),  # expires today: still valid today
        ((CERT_OK,), ()),
    ],
)
def test_voice_needs_a_certified_collector(collectors: tuple, expected: tuple) -> None:
    assert ask(P, AT, req("voice", collectors=collectors)).codes == expected


def test_certificate_expiry_is_judged_on_the_local_day() -> None:
    # 2026-03-01T16:30Z is 00:30 on 2 March in Shanghai: a certificate ending 1 March is spent.
    r = req("voice", collectors=(dt.date(2026, 3, 1),))
    assert ask(P, "2026-03-01T13:59:59Z", r).allowed
    assert ask(P, "2026-03-02T01:00:00Z", r).codes == ("collector_not_certified",)


def test_robots_and_messages_need_no_collector() -> None:
    for channel in ("robot", "sms", "email", "letter"):
        assert ask(P, AT, req(channel, collectors=())).allowed


@pytest.mark.parametrize(
    ("collectors", "expected"),
    [
        ((CERT_OK, CERT_OK), ()),
        ((CERT_OK, CERT_OK, CERT_OK), ()),
        ((CERT_OK,), ("visit_too_few_collectors",)),
        ((), ("collector_not_certified", "visit_too_few_collectors")),
        ((CERT_OK, dt.date(2026, 1, 1)), ("collector_not_certified", "visit_too_few_collectors")),
        ((CERT_OK, CERT_OK, None), ("collector_not_certified",)),
    ],
)
def test_visits_need_two_certified_collectors(collectors: tuple, expected: tuple) -> None:
    assert ask(P, AT, req("visit", collectors=collectors)).codes == expected


def test_public_notices_are_forbidden() -> None:
    d = ask(P, AT, req("letter", public=True))
    assert d.codes == ("public_notice_forbidden",)
    assert d.rule == "public_notices"


def test_cn_needs_no_opt_out_line() -> None:
    assert ask(P, AT, req("sms", opt_out_line=False)).allowed


# ---- the decision itself -------------------------------------------------------------


def test_allowed_decision_shape() -> None:
    d = ask(P, AT)
    assert d.as_dict() == {
        "allowed": True,
        "reasons": [],
        "rule": "all_rules_passed",
        "policy_version": "cn-default@1",
        "local_time": "2026-03-02T10:00:00+08:00",
    }
    assert d.checked == (
        "channels",
        "party_roles",
        "holds",
        "refusals",
        "certification",
        "public_notices",
        "opt_out",
        "contact_hours",
        "address_kind",
        "voice_conversations_per_day",
        "call_attempts_per_number_per_day",
    )


def test_every_denial_is_reported_first_rule_decides() -> None:
    history = six_attempts()
    d = ask(
        P,
        "2026-03-02T22:30:00+08:00",
        req("voice", collectors=(), public=True),
        history,
        [Hold(HoldKind.DISTRESS)],
    )
    assert d.codes == (
        "hold_distress",
        "collector_not_certified",
        "public_notice_forbidden",
        "outside_hours",
        "call_attempts_per_number_per_day",
    )
    assert d.rule == "holds"
    assert not d.allowed
    out = d.as_dict()
    assert out["policy_version"] == "cn-default@1"
    for reason in out["reasons"]:
        assert reason["message"] == reason["message_zh"]
        assert reason["message_en"]
        assert reason["message_zh"] != reason["message_en"]


def test_decide_does_not_touch_its_inputs() -> None:
    history = six_attempts()
    holds = [Hold(HoldKind.DISPUTE)]
    before = (list(history), list(holds))
    ask(P, AT, req(), history, holds)
    assert (history, holds) == before
