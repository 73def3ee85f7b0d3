"""The database gate: decisions from the stored history and holds, recorded with citations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.models import ContactAttempt, ContactPolicy
from qingqian.contact.presets import CN_DEFAULT
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_lift,
    contact_hold_place,
    contact_outcome_record,
    contact_policy_current,
    contact_policy_publish,
    contact_system_actor,
)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def at(h: int, m: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, h, m, tzinfo=SH)


@pytest.fixture
def robot(org: Any) -> Any:
    return contact_system_actor(organisation=org)


def test_presets_are_seeded_as_version_1() -> None:
    names = set(ContactPolicy.objects.values_list("name", "version"))
    assert {("cn-default", 1), ("us-reg-f", 1)} <= names
    row, policy = contact_policy_current("cn-default")
    assert policy == CN_DEFAULT
    assert row.label == "cn-default@1"


def test_robot_conversations_are_capped_at_three_a_day(case: Any, debtor: Any, robot: Any) -> None:
    decisions = []
    for i in range(5):
        a = contact_attempt_authorize(
            case=case, party=debtor, channel="robot", actor=robot, at=at(10, i)
        )
        if a.allowed:
            contact_outcome_record(attempt=a, outcome="connected", at=at(10, i))
        decisions.append(a)
    assert [a.allowed for a in decisions] == [True, True, True, False, False]
    denied = decisions[3]
    assert denied.rule == "voice_conversations_per_day"
    assert denied.policy_version == "cn-default@1"
    assert denied.reasons[0]["code"] == "voice_conversations_per_day"
    assert "3" in denied.reasons[0]["message"]
    # The next local day starts afresh.
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(9, day=3)
    ).allowed


def test_number_is_stored_hashed_never_clear(case: Any, debtor: Any, robot: Any) -> None:
    a = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10), number="13800001111"
    )
    assert a.number_hash and "13800001111" not in a.number_hash
    assert "1111" not in a.number_masked[:-2]
    assert "13800001111" not in str(ContactAttempt.objects.values().get(pk=a.pk))


def test_outside_hours_denied(case: Any, debtor: Any, robot: Any) -> None:
    a = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot, at=at(22))
    assert not a.allowed
    assert a.rule == "contact_hours"
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, at=at(21, 59)
    ).allowed


def test_voice_needs_certified_collector(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    ok = contact_attempt_authorize(
        case=case, party=debtor, channel="voice", actor=users["collector"], at=at(10)
    )
    assert ok.allowed
    c = users["collector"]
    c.cert_expires = dt.date(2020, 1, 1)
    c.save()
    no = contact_attempt_authorize(case=case, party=debtor, channel="voice", actor=c, at=at(11))
    assert not no.allowed
    assert "collector_not_certified" in no.reason_codes


def test_visit_needs_two_certified_collectors(
    case: Any, debtor: Any, users: dict[str, Any], org: Any
) -> None:
    from qingqian.accounts.models import User

    one = contact_attempt_authorize(
        case=case, party=debtor, channel="visit", actor=users["collector"], at=at(10)
    )
    assert not one.allowed
    assert "visit_too_few_collectors" in one.reason_codes
    second = User.objects.create_user(
        username="c2",
        organisation=org,
        role="collector",
        cert_number="SZ-2",
        cert_issuer="协会",
        cert_expires=dt.date(2099, 1, 1),
    )
    two = contact_attempt_authorize(
        case=case, party=debtor, channel="visit", actor=[users["collector"], second], at=at(10)
    )
    assert two.allowed
    assert two.actor_label == "collector,c2"


def test_cease_hold_lets_only_legal_notices_through(
    case: Any, debtor: Any, robot: Any, users: dict[str, Any]
) -> None:
    hold = contact_hold_place(
        case=case, party=debtor, kind="cease", actor=users["collector"], reason="书面要求停止联系"
    )
    blocked = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10)
    )
    assert not blocked.allowed
    assert blocked.rule == "holds"
    assert blocked.reasons[0]["code"] == "hold_cease_contact"
    notice = contact_attempt_authorize(
        case=case, party=debtor, channel="letter", actor=robot, at=at(10), purpose="legal_notice"
    )
    assert notice.allowed
    collection_letter = contact_attempt_authorize(
        case=case, party=debtor, channel="letter", actor=robot, at=at(10)
    )
    assert not collection_letter.allowed
    # Timeline and audit rows for the hold; lifting needs a reason and the right role.
    assert TimelineEvent.objects.filter(case=case, kind="contact_hold_placed").exists()
    assert AuditEvent.objects.filter(action="contact.hold_place", object_id=str(hold.pk)).exists()
    with pytest.raises(ApplicationError) as exc:
        contact_hold_lift(hold=hold, actor=users["collector"], reason="x")
    assert exc.value.code == "hold_lift_forbidden"
    with pytest.raises(ApplicationError) as exc:
        contact_hold_lift(hold=hold, actor=users["compliance"], reason=" ")
    assert exc.value.code == "lift_reason_missing"
    contact_hold_lift(hold=hold, actor=users["compliance"], reason="债务人书面撤回")
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10)
    ).allowed
    assert TimelineEvent.objects.filter(case=case, kind="contact_hold_lifted").exists()


def test_vulnerability_hold_lift_needs_compliance(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    hold = contact_hold_place(case=case, party=debtor, kind="vulnerability", actor=None)
    with pytest.raises(ApplicationError):
        contact_hold_lift(hold=hold, actor=users["lawyer"], reason="已核实")
    contact_hold_lift(hold=hold, actor=users["compliance"], reason="已核实")


def test_refused_medium_hold_needs_channel_and_blocks_only_it(
    case: Any, debtor: Any, robot: Any
) -> None:
    with pytest.raises(ApplicationError):
        contact_hold_place(case=case, party=debtor, kind="refused_medium", actor=None)
    contact_hold_place(case=case, party=debtor, kind="refused_medium", actor=None, channel="sms")
    assert not contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, at=at(10)
    ).allowed
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10)
    ).allowed


def test_outcome_rules(case: Any, debtor: Any, robot: Any) -> None:
    a = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=at(10))
    with pytest.raises(ApplicationError) as exc:
        contact_outcome_record(attempt=a, outcome="delivered")
    assert exc.value.code == "outcome_not_for_channel"
    with pytest.raises(ApplicationError):
        contact_outcome_record(attempt=a, outcome="teleported")
    contact_outcome_record(attempt=a, outcome="no_answer", at=at(10, 1))
    with pytest.raises(ApplicationError) as exc:
        contact_outcome_record(attempt=a, outcome="connected", at=at(10, 2))
    assert exc.value.code == "contact_outcome_recorded"
    assert TimelineEvent.objects.filter(case=case, kind="contact_outcome").count() == 1
    assert AuditEvent.objects.filter(action="contact.outcome", object_id=str(a.pk)).exists()
    denied = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(23)
    )
    with pytest.raises(ApplicationError) as exc:
        contact_outcome_record(attempt=denied, outcome="connected")
    assert exc.value.code == "contact_attempt_denied"


def test_refusal_stops_the_medium(case: Any, debtor: Any, robot: Any) -> None:
    a = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=at(10))
    contact_outcome_record(attempt=a, outcome="refused", at=at(10, 1))
    later = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10, day=20)
    )
    assert not later.allowed
    assert "medium_refused_earlier" in later.reason_codes


def test_party_must_be_on_the_case(case: Any, person_debtor: Any, robot: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        contact_attempt_authorize(
            case=case, party=person_debtor, channel="robot", actor=robot, at=at(10)
        )
    assert exc.value.code == "party_role_mismatch"


def test_third_party_denied_without_unreachable_flag(
    case: Any, person_debtor: Any, robot: Any
) -> None:
    a = contact_attempt_authorize(
        case=case,
        party=person_debtor,
        channel="robot",
        actor=robot,
        at=at(10),
        party_role="third_party",
    )
    assert not a.allowed
    assert "third_party_debtor_reachable" in a.reason_codes


def test_actor_from_other_org_refused(case: Any, debtor: Any, other_org: Any) -> None:
    outsider = contact_system_actor(organisation=other_org)
    with pytest.raises(ApplicationError) as exc:
        contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=outsider, at=at(10))
    assert exc.value.status == 403


def test_publish_new_version_takes_effect(
    case: Any, debtor: Any, robot: Any, users: dict[str, Any]
) -> None:
    data = CN_DEFAULT.to_dict()
    data["caps"][0]["limit"] = 1
    with pytest.raises(ApplicationError):
        contact_policy_publish(name="cn-default", data=data, actor=users["collector"])
    row = contact_policy_publish(
        name="cn-default", data=data, actor=users["compliance"], note="更严"
    )
    assert row.version == 2
    a = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=at(10))
    contact_outcome_record(attempt=a, outcome="connected", at=at(10, 1))
    b = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=at(11))
    assert a.policy_version == "cn-default@2"
    assert not b.allowed
    bad = dict(data, windows=[{"start": "22:00", "end": "08:00"}])
    with pytest.raises(ApplicationError):
        contact_policy_publish(name="cn-default", data=bad, actor=users["compliance"])
    assert ContactPolicy.objects.filter(name="cn-default").count() == 2


def test_case_wide_hold_stops_everyone_on_the_case(
    case: Any, debtor: Any, robot: Any, users: dict[str, Any]
) -> None:
    hold = contact_hold_place(case=case, party=None, kind="representation", actor=users["lawyer"])
    a = contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot, at=at(10))
    assert not a.allowed
    assert a.reasons[0]["code"] == "hold_lawyer"
    contact_hold_lift(hold=hold, actor=users["lawyer"], reason="代理已终止")
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, at=at(10)
    ).allowed
