"""The collector's contact actions on the case page: a call asked of the gate first, its
result recorded with the standard codes, messages from templates through the gate, and a
refusal's reason shown beside the action that asked (issue 19, dead end 3)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import CaseParty
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.channels.base import Delivery, use_adapter
from qingqian.contact.desk import desk_call_ask, desk_call_record, desk_message_send
from qingqian.contact.models import ContactAttempt
from qingqian.parties.services import party_create

pytestmark = pytest.mark.django_db


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, attempt: Any, message: Any) -> Delivery:
        self.sent.append(message)
        return Delivery(channel=attempt.channel, provider_ref=f"fake-{len(self.sent)}")


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def section(html: str, element_id: str) -> str:
    """The HTML of the desk action block ``element_id`` (up to the next block)."""
    start = html.index(f'id="{element_id}"')
    nxt = html.find('class="desk-action"', start + 1)
    return html[start : nxt if nxt != -1 else len(html)]


@pytest.fixture
def landline(org: Any, case: Any) -> Any:
    p = party_create(
        organisation=org,
        actor=None,
        kind="person",
        name="王固话",
        phone="0512-58869951",
        city="苏州市",
        address="人民路 1 号",
    )
    CaseParty.objects.create(case=case, party=p, role="debtor")
    return p


def test_call_then_promise_with_callback(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    collector = users["collector"]
    attempt = desk_call_ask(case=case, party=debtor, actor=collector)
    assert attempt.allowed and attempt.channel == "voice"
    when = clock.now() + dt.timedelta(days=2)
    desk_call_record(attempt=attempt, actor=collector, disposition="promise", callback_at=when)
    attempt.refresh_from_db()
    assert (attempt.disposition, attempt.outcome, attempt.callback_at) == (
        "promise",
        "connected",
        when,
    )
    assert AuditEvent.objects.filter(
        action="contact.disposition", object_id=str(attempt.pk)
    ).exists()
    with pytest.raises(ApplicationError) as err:
        desk_call_record(attempt=attempt, actor=collector, disposition="rpc")
    assert err.value.code in ("disposition_recorded", "contact_outcome_recorded")


def test_a_callback_needs_its_time(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    attempt = desk_call_ask(case=case, party=debtor, actor=users["collector"])
    with pytest.raises(ApplicationError) as err:
        desk_call_record(attempt=attempt, actor=users["collector"], disposition="callback")
    assert err.value.code == "callback_time_missing"
    with pytest.raises(ApplicationError) as err:
        desk_call_record(
            attempt=attempt,
            actor=users["collector"],
            disposition="callback",
            callback_at=clock.now() - dt.timedelta(hours=1),
        )
    assert err.value.code == "callback_time_invalid"
    attempt.refresh_from_db()
    assert attempt.outcome == "" and attempt.disposition == ""


def test_sms_goes_through_the_gate_with_the_template(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    box = Outbox()
    with use_adapter("sms", box):
        sent = desk_message_send(
            case=case, party=debtor, channel="sms", template="reminder", actor=users["collector"]
        )
    assert sent.attempt.allowed and sent.attempt.sent_at is not None
    assert case.reference in box.sent[0].body
    assert box.sent[0].to == "+8613912345678"


def test_no_email_without_an_email_address(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        desk_message_send(
            case=case, party=debtor, channel="email", template="reminder", actor=users["collector"]
        )
    assert err.value.code == "no_recipient"
    assert not ContactAttempt.objects.filter(channel="email").exists()


def test_a_creditor_user_may_not_contact(case: Any, debtor: Any, users: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError) as err:
        desk_call_ask(case=case, party=debtor, actor=users["creditor"])
    assert err.value.code == "contact_work_forbidden"


def test_the_page_journey_refusal_beside_the_action(
    case: Any, debtor: Any, landline: Any, users: dict[str, Any]
) -> None:
    c = login(users["collector"])
    url = reverse("web:case_detail", args=[case.pk])
    page = c.get(url).content.decode()
    assert 'id="contact-actions"' in page
    assert "固定电话" in section(page, f"desk-call-{landline.pk}") or "固定电话" in page

    r = c.post(reverse("desk:case_call", args=[case.pk]), {"party": debtor.pk})
    assert r.status_code == 302 and r["Location"].endswith("#contact-actions")
    page = c.get(url).content.decode()
    call = section(page, f"desk-call-{debtor.pk}")
    assert 'href="tel:+8613912345678"' in call
    assert AuditEvent.objects.filter(action="party.reveal_phone").count() == 1
    attempt = ContactAttempt.objects.get(channel="voice", party=debtor)
    assert reverse("desk:call_record", args=[attempt.pk]) in call
    # shown once: the next render no longer reveals the number
    assert "tel:" not in c.get(url).content.decode()

    when = (clock.now() + dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    c.post(
        reverse("desk:call_record", args=[attempt.pk]),
        {"disposition": "promise", "callback_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    attempt.refresh_from_db()
    assert attempt.disposition == "promise" and attempt.callback_at is not None
    page = c.get(url).content.decode()
    assert "承诺还款" in section(page, f"desk-call-{debtor.pk}")

    c.post(
        reverse("desk:case_message", args=[case.pk]),
        {"party": landline.pk, "channel": "sms", "template": "reminder"},
    )
    page = c.get(url).content.decode()
    sms = section(page, f"desk-sms-{landline.pk}")
    assert "联系规则拒绝" in sms and "固定电话" in sms
    assert "联系规则拒绝" not in section(page, f"desk-sms-{debtor.pk}")
    refused = ContactAttempt.objects.get(channel="sms", party=landline)
    assert refused.rule == "address_kind" and not refused.allowed

    # an e-mail address, then a phone number typed as one: refused beside the form
    c.post(
        reverse("desk:party_email", args=[case.pk]),
        {"party": debtor.pk, "email": "+8651258869951"},
    )
    page = c.get(url).content.decode()
    assert "电子邮件地址无效" in section(page, f"desk-email-{debtor.pk}")


def test_no_sms_button_for_a_fixed_line_and_the_reason_beside_it(
    case: Any, debtor: Any, landline: Any, users: dict[str, Any]
) -> None:
    """SMS goes only to mobiles: for a debtor with only a fixed line the button is disabled
    and the reason stands beside it; the statement offers no SMS either (h19t)."""
    page = login(users["collector"]).get(reverse("web:case_detail", args=[case.pk]))
    html = page.content.decode()
    fixed = section(html, f"desk-sms-{landline.pk}")
    button = re.search(r"<button[^>]*>发送短信</button>", fixed)
    assert button and "disabled" in button.group(0)
    assert f'id="desk-sms-why-{landline.pk}"' in fixed and "固定电话，不能接收短信" in fixed
    mobile = section(html, f"desk-sms-{debtor.pk}")
    button = re.search(r"<button[^>]*>发送短信</button>", mobile)
    assert button and "disabled" not in button.group(0)
    assert "desk-sms-why" not in mobile


def test_expired_certificate_is_explained_where_the_collector_works(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    collector = users["collector"]
    collector.cert_expires = dt.date(2026, 1, 31)
    collector.save(update_fields=["cert_expires"])
    c = login(collector)
    url = reverse("web:case_detail", args=[case.pk])
    page = c.get(url).content.decode()
    assert "2026-01-31" in page and 'id="desk-certificate"' in page
    c.post(reverse("desk:case_call", args=[case.pk]), {"party": debtor.pk})
    call = section(c.get(url).content.decode(), f"desk-call-{debtor.pk}")
    assert "联系规则拒绝" in call
    assert re.search("证书", call)


def test_a_letter_and_a_statement_come_back_as_pdfs_to_print(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    client = login(users["collector"])
    letter = {"channel": "letter", "template": "reminder"}
    for url, data, kind in (
        (reverse("desk:case_message", args=[case.pk]), letter, "letter"),
        (reverse("desk:case_statement", args=[case.pk]), {"channel": "letter"}, "statement"),
    ):
        response = client.post(url, {"party": debtor.pk, **data})
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        attempt = ContactAttempt.objects.filter(channel="letter").latest("pk")
        assert response["Content-Disposition"] == (
            f'attachment; filename="{kind}-{case.reference}-{attempt.pk}.pdf"'
        )
