"""What a debtor says is acted on: distress stops automated contact and reaches compliance,
anger goes to a person, a dispute holds contact, a promise waits for the handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from qingqian.common.exceptions import PermissionDenied, ValidationFailed
from qingqian.contact.followups import followup_done, transcript_analyse
from qingqian.contact.models import ContactFollowUp, ContactHold
from qingqian.contact.services import contact_attempt_authorize, contact_system_actor
from tests.contact.test_api import TEN_AM, authorize, post_event

pytestmark = pytest.mark.django_db


def _analyse(case: Any, debtor: Any, text: str, source: str = "notes") -> list[ContactFollowUp]:
    return transcript_analyse(case=case, party=debtor, text=text, source=source, actor=None)


@time_machine.travel(TEN_AM, tick=False)
def test_distress_stops_robots_and_tells_compliance(
    case: Any, debtor: Any, users: dict[str, Any], org: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    users["compliance"].email = "compliance@example.cn"
    users["compliance"].save()
    with django_capture_on_commit_callbacks(execute=True):
        found = _analyse(case, debtor, "我已经买好安眠药了，活着也没意思")
    assert [f.kind for f in found] == ["distress"]
    assert found[0].assigned_role == "compliance"
    hold = ContactHold.objects.get(case=case, party=debtor, lifted_at__isnull=True)
    assert hold.kind == "vulnerability"
    robot = contact_system_actor(organisation=org)
    attempt = contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot)
    assert attempt.allowed is False
    # the notice names the case, never what was said
    [notice] = mail.outbox
    assert case.reference in notice.subject
    assert "安眠药" not in notice.body and notice.to == ["compliance@example.cn"]
    assert case.timeline.filter(kind="transcript_analysed").exists()


@time_machine.travel(TEN_AM, tick=False)
def test_anger_hands_over_to_the_handler_without_a_hold(case: Any, debtor: Any) -> None:
    found = _analyse(case, debtor, "你们再打电话来骚扰我，我就去投诉你们，烦死了！")
    kinds = {f.kind for f in found}
    assert "handoff" in kinds and "distress" not in kinds
    handoff = next(f for f in found if f.kind == "handoff")
    assert handoff.assigned_to == case.handler
    assert not ContactHold.objects.filter(case=case, kind="vulnerability").exists()


@time_machine.travel(TEN_AM, tick=False)
def test_a_dispute_holds_contact(case: Any, debtor: Any) -> None:
    found = _analyse(case, debtor, "这笔钱我早就还了，你们自己去查账")
    assert "dispute" in {f.kind for f in found}
    assert ContactHold.objects.filter(case=case, party=debtor, kind="dispute").exists()


@time_machine.travel(TEN_AM, tick=False)
def test_a_promise_waits_for_the_handler_with_amount_and_date(case: Any, debtor: Any) -> None:
    found = _analyse(case, debtor, "我下周五先还一千五", source="chat")
    [promise] = [f for f in found if f.kind == "promise"]
    assert Decimal(promise.promise["amount"]) == Decimal("1500")
    # 2026-03-02 is a Monday: next week's Friday is 03-13
    assert promise.promise["date"] == "2026-03-13"
    assert promise.promise["needs_confirmation"] is True
    assert not ContactHold.objects.filter(case=case).exists()


@time_machine.travel(TEN_AM, tick=False)
def test_calm_words_create_nothing(case: Any, debtor: Any) -> None:
    assert _analyse(case, debtor, "好的，我知道了，谢谢") == []
    assert not case.timeline.filter(kind="transcript_analysed").exists()


def test_bad_text_is_refused(case: Any, debtor: Any) -> None:
    with pytest.raises(ValidationFailed) as empty:
        _analyse(case, debtor, "   ")
    assert empty.value.code == "text_empty"
    with pytest.raises(ValidationFailed) as source:
        _analyse(case, debtor, "你好", source="wechat-scrape")
    assert source.value.code == "unknown_source"


@time_machine.travel(TEN_AM, tick=False)
def test_robot_transcript_lines_reach_the_analyser(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    from qingqian.accounts.services import api_token_create

    token = api_token_create(user=users["lawyer"], name="t")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    attempt_id = authorize(api, case, debtor).json()["attempt_id"]
    now = int(TEN_AM.timestamp())
    robot_line = {
        "event_id": "r1",
        "kind": "transcript",
        "speaker": "robot",
        "text": "我们不会放弃",
    }
    assert post_event(attempt_id, robot_line, ts=now).status_code == 200
    assert not ContactFollowUp.objects.exists()  # the robot's own script is not analysed
    line = {"event_id": "d1", "kind": "transcript", "speaker": "debtor", "text": "我不想活了"}
    assert post_event(attempt_id, line, ts=now).status_code == 200
    followup = ContactFollowUp.objects.get(kind="distress")
    assert followup.event is not None and followup.source == "robot"
    assert ContactHold.objects.filter(party=debtor, kind="vulnerability").exists()


@time_machine.travel(TEN_AM, tick=False)
def test_closing_a_distress_review_needs_compliance(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    [review] = _analyse(case, debtor, "我得了癌症，实在没钱还了")[:1]
    assert review.kind == "distress"
    with pytest.raises(PermissionDenied):
        followup_done(followup=review, actor=users["collector"], note="已核实")
    with pytest.raises(ValidationFailed):
        followup_done(followup=review, actor=users["compliance"], note=" ")
    closed = followup_done(followup=review, actor=users["compliance"], note="已致电家属，暂停催收")
    assert closed.done_at is not None and closed.done_by == users["compliance"]
    assert case.timeline.filter(kind="followup_done").exists()


@time_machine.travel(TEN_AM + dt.timedelta(minutes=5), tick=False)
def test_notes_form_and_follow_up_page(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    web = Client()
    web.force_login(users["collector"])
    r = web.post(
        f"/contact/cases/{case.pk}/notes/",
        {"source": "notes", "party": debtor.pk, "text": "他说这笔钱早就还清了"},
    )
    assert r.status_code == 302
    assert ContactFollowUp.objects.filter(case=case, kind="dispute").exists()
    page = web.get("/contact/followups/").content.decode()
    assert case.reference in page and "争议核实" in page
    outsider = Client()
    outsider.force_login(users["creditor"])
    # a creditor user's role has no contact work at all: refused before any case is looked at
    assert outsider.get("/contact/followups/").status_code == 403
    assert outsider.post(f"/contact/cases/{case.pk}/notes/", {"text": "x"}).status_code == 403


@time_machine.travel(TEN_AM, tick=False)
def test_the_handler_confirms_a_heard_promise_into_a_promise_record(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    from qingqian.negotiation.models import Promise

    [promise] = [f for f in _analyse(case, debtor, "我月底还五千") if f.kind == "promise"]
    with pytest.raises(ValidationFailed) as half:
        followup_done(
            followup=promise, actor=users["collector"], note="电话确认", promise_amount=Decimal(1)
        )
    assert half.value.code == "promise_incomplete"
    assert not Promise.objects.exists()  # nothing half-written
    web = Client()
    web.force_login(users["collector"])
    r = web.post(
        f"/contact/followups/{promise.pk}/close/",
        {"note": "电话确认，改为4800", "confirm_promise": "1", "amount": "4800",
         "due": "2026-03-31"},
    )  # fmt: skip
    assert r.status_code == 302
    record = Promise.objects.get(case=case)
    assert (record.amount, record.due_date, record.source) == (
        Decimal("4800.00"), dt.date(2026, 3, 31), "transcript",
    )  # fmt: skip
    assert record.confirmed_by == users["collector"]
    promise.refresh_from_db()
    assert promise.done_at is not None
