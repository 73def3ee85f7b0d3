"""Third parties: only while the debtor is flagged unreachable, only with a script that
discloses nothing, and never again once they refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.channels import Delivery, deliver, render_message
from qingqian.contact.channels.base import use_adapter
from qingqian.contact.services import (
    THIRD_PARTY_SCRIPTS,
    contact_attempt_authorize,
    contact_outcome_record,
    contact_system_actor,
    contact_unreachable_clear,
    contact_unreachable_flag,
)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
SCRIPT = "third_party_locate"


def at(h: int, m: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, h, m, tzinfo=SH)


@pytest.fixture
def robot(org: Any) -> Any:
    return contact_system_actor(organisation=org)


@pytest.fixture
def friend(org: Any) -> Any:
    """The debtor's emergency contact: a person in the organisation, not on the case."""
    from qingqian.parties.services import party_create

    return party_create(
        organisation=org, actor=None, kind="person", name="李四", phone="13900001111"
    )


def ask(case: Any, party: Any, robot: Any, when: dt.datetime, **kw: Any) -> Any:
    kw.setdefault("channel", "robot")
    kw.setdefault("script", SCRIPT)
    return contact_attempt_authorize(
        case=case, party=party, actor=robot, at=when, party_role="third_party", **kw
    )


DISCLOSING = ("欠", "债", "还款", "催收", "案号", "creditor", "reference", "firm", "amount")


def test_every_third_party_script_exists_and_names_no_debt() -> None:
    from django.template.loader import get_template

    assert SCRIPT in THIRD_PARTY_SCRIPTS
    for script in THIRD_PARTY_SCRIPTS:
        source = get_template(f"contact/messages/{script}.txt").template.source
        assert not [w for w in DISCLOSING if w in source], script


def test_third_party_only_while_the_debtor_is_flagged_unreachable(
    case: Any, debtor: Any, friend: Any, robot: Any, users: dict[str, Any]
) -> None:
    before = ask(case, friend, robot, at(10))
    assert not before.allowed
    assert before.reason_codes == ["third_party_debtor_reachable"]
    flag = contact_unreachable_flag(
        case=case, party=debtor, actor=users["collector"], reason="两个号码均为空号"
    )
    assert AuditEvent.objects.filter(action="contact.unreachable_flag").count() == 1
    allowed = ask(case, friend, robot, at(10, 5))
    assert allowed.allowed, allowed.reasons
    assert allowed.party_role == "third_party"
    assert allowed.script == SCRIPT
    contact_unreachable_clear(flag=flag, actor=users["lawyer"], reason="债务人来电，留下新号码")
    after = ask(case, friend, robot, at(10, 10))
    assert after.reason_codes == ["third_party_debtor_reachable"]


def test_only_the_non_disclosing_script_passes(
    case: Any, debtor: Any, friend: Any, robot: Any, users: dict[str, Any]
) -> None:
    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    for script in ("", "reminder", "robot_script"):
        a = ask(case, friend, robot, at(10), script=script)
        assert a.reason_codes == ["third_party_script_discloses"], script
    with pytest.raises(ApplicationError) as exc:
        ask(case, friend, robot, at(10), script="Reminder; DROP")
    assert exc.value.code == "unknown_script"


def test_a_third_party_who_refused_is_never_contacted_again(
    case: Any, debtor: Any, friend: Any, robot: Any, users: dict[str, Any]
) -> None:
    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    first = ask(case, friend, robot, at(10))
    assert first.allowed
    contact_outcome_record(attempt=first, outcome="refused", at=at(10, 1))
    for when, channel in ((at(11), "robot"), (at(10, day=30), "sms"), (at(9, day=2), "voice")):
        kw = {"channel": channel}
        actor = users["collector"] if channel == "voice" else robot
        later = ask(case, friend, actor, when, **kw)
        assert not later.allowed
        assert "third_party_refused" in later.reason_codes


def test_reaching_the_debtor_ends_the_flag(
    case: Any, debtor: Any, friend: Any, robot: Any, users: dict[str, Any]
) -> None:
    with time_machine.travel(at(9), tick=False):
        contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    assert ask(case, friend, robot, at(10)).allowed
    call = contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(11)
    )
    assert ask(case, friend, robot, at(11, 1)).allowed  # a call in flight has reached no one
    contact_outcome_record(attempt=call, outcome="connected", at=at(11, 2))
    again = ask(case, friend, robot, at(11, 5))
    assert again.reason_codes == ["third_party_debtor_reachable"]


def test_a_party_of_the_case_cannot_be_asked_as_a_third_party(
    case: Any, debtor: Any, robot: Any, users: dict[str, Any]
) -> None:
    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    with pytest.raises(ApplicationError) as exc:
        ask(case, debtor, robot, at(10))
    assert exc.value.code == "third_party_is_case_party"


def test_flagging_needs_a_reason_a_contact_role_and_a_debtor(
    case: Any, debtor: Any, friend: Any, users: dict[str, Any]
) -> None:
    with pytest.raises(ApplicationError) as exc:
        contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason=" ")
    assert exc.value.code == "unreachable_reason_missing"
    with pytest.raises(ApplicationError) as exc:
        contact_unreachable_flag(case=case, party=debtor, actor=users["creditor"], reason="x")
    assert exc.value.status == 403
    with pytest.raises(ApplicationError) as exc:
        contact_unreachable_flag(case=case, party=friend, actor=users["collector"], reason="x")
    assert exc.value.code == "party_role_mismatch"
    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    with pytest.raises(ApplicationError) as exc:
        contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="x")
    assert exc.value.code == "unreachable_flagged"


class _Sent:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, attempt: Any, message: Any) -> Delivery:
        self.bodies.append(message.body)
        return Delivery(channel="sms", provider_ref=f"fake-{len(self.bodies)}")


def test_a_third_party_gets_only_the_script_the_decision_names(
    case: Any, debtor: Any, friend: Any, robot: Any, users: dict[str, Any]
) -> None:
    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    with time_machine.travel(at(10), tick=False):
        a = ask(case, friend, robot, at(10), channel="sms", number="13900001111")
        assert a.allowed, a.reasons
        sent = _Sent()
        with use_adapter("sms", sent):
            ctx = {"firm": "清欠", "creditor": "某公司", "reference": case.reference}
            wrong = render_message(a, template="reminder", context=ctx, to="13900001111")
            with pytest.raises(ApplicationError) as exc:
                deliver(a, wrong)
            assert exc.value.code == "script_not_authorised"
            ctx = {"agent": "王经理", "name": "张先生", "callback": "0512-00000000"}
            right = render_message(a, template=SCRIPT, context=ctx, to="13900001111")
            deliver(a, right)
    assert len(sent.bodies) == 1
    body = sent.bodies[0]
    # Nothing about a debt, a creditor, a case or a collection.
    for word in (*DISCLOSING, case.reference, "某公司", "清欠"):
        assert word not in body


@time_machine.travel(at(10), tick=False)
def test_the_api_takes_the_script(
    case: Any, debtor: Any, friend: Any, users: dict[str, Any]
) -> None:
    from django.test import Client

    from qingqian.accounts.services import api_token_create

    contact_unreachable_flag(case=case, party=debtor, actor=users["collector"], reason="空号")
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=users['collector'])}"})
    body = {"case_id": case.pk, "party_id": friend.pk, "channel": "sms",
            "party_role": "third_party"}  # fmt: skip
    without = api.post("/api/v1/contact/authorize", body, content_type="application/json")
    assert without.status_code == 200
    assert without.json()["reasons"][0]["code"] == "third_party_script_discloses"
    body["script"] = SCRIPT
    answer = api.post("/api/v1/contact/authorize", body, content_type="application/json").json()
    assert answer["allowed"] is True
    assert set(answer) == {"allowed", "attempt_id", "reasons", "policy_version", "rule", "at"}
