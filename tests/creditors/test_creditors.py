"""Issue 19, the creditor: adds and verifies an e-mail or mobile itself, signs the fee
agreement with a code sent there, sees its own case page without staff forms, and writes
to the handler in a thread the staff answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import ValidationFailed
from qingqian.contact.channels.base import use_adapter
from qingqian.creditors import services
from qingqian.creditors.models import CaseMessage, ContactPoint
from qingqian.reports.agreements import agreement_code_request
from tests.portal.fakes import RecordingSms

pytestmark = pytest.mark.django_db


def _code(text: str) -> str:
    match = re.search(r"验证码[ ：](\d{6})", text)
    assert match, text
    return match.group(1)


def test_add_and_verify_an_email_then_sign_with_it(
    sent_agreement: Any, users: dict[str, Any], client: Client, mailoutbox: list[Any]
) -> None:
    creditor = users["creditor"]
    assert not creditor.email
    client.force_login(creditor)
    base = f"/cases/{sent_agreement.case_id}/agreement/"
    page = client.get(base).content.decode()
    assert 'id="no-address"' in page and "no_verified_email" not in page
    # Add an e-mail: a code goes to it; a wrong code is told in words.
    r = client.post(
        "/account/contacts/",
        {"action": "add", "kind": "email", "value": "Finance@Example.com", "next": base},
    )
    assert r.status_code == 200 and mailoutbox[-1].to == ["finance@example.com"]
    point = ContactPoint.objects.get(user=creditor)
    wrong = client.post("/account/contacts/", {"action": "verify", "point": point.pk, "code": "1"})
    assert wrong.status_code == 422 and "验证码错误" in wrong.content.decode()
    ok = client.post(
        "/account/contacts/",
        {"action": "verify", "point": point.pk, "code": _code(mailoutbox[-1].body), "next": base},
    )
    assert ok.status_code == 302 and ok["Location"] == base
    point.refresh_from_db()
    assert point.verified_at is not None
    # Sign: the code goes to the verified address.
    page = client.get(base).content.decode()
    assert f'<option value="{point.pk}">' in page
    client.post(base + "code/", {"point": point.pk})
    assert mailoutbox[-1].to == ["finance@example.com"]
    done = client.post(
        base + "sign/",
        {"typed_name": "王建华", "code": _code(mailoutbox[-1].body)},
        follow=True,
    ).content.decode()
    assert "已签署" in done
    sent_agreement.refresh_from_db()
    assert sent_agreement.state == "signed"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"contact_point.add", "contact_point.verify", "agreement.sign"} <= actions


def test_sign_code_by_text_to_a_verified_mobile(sent_agreement: Any, users: dict[str, Any]) -> None:
    sms = RecordingSms()
    creditor = users["creditor"]
    with use_adapter("sms", sms):
        point = services.contact_point_add(user=creditor, kind="sms", value="139 1234 5678")
        services.contact_point_verify(
            user=creditor, point_id=point.pk, code=_code(sms.sent[-1].body)
        )
        agreement_code_request(agreement=sent_agreement, actor=creditor, point_id=point.pk)
    assert sms.sent[-1].to == "+8613912345678"
    assert sent_agreement.case.reference in sms.sent[-1].body


def test_landline_and_bad_email_are_refused_in_words(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as landline:
        services.contact_point_add(user=users["creditor"], kind="sms", value="0512-68661234")
    assert landline.value.code == "mobile_invalid" and "固定电话" in landline.value.message_zh
    with pytest.raises(ValidationFailed):
        services.contact_point_add(user=users["creditor"], kind="email", value="not-an-email")
    assert not ContactPoint.objects.exists()


def test_an_unverified_address_cannot_receive_the_signing_code(
    sent_agreement: Any, users: dict[str, Any], mailoutbox: list[Any]
) -> None:
    point = services.contact_point_add(user=users["creditor"], kind="email", value="a@b.cn")
    with pytest.raises(ValidationFailed) as exc:
        agreement_code_request(agreement=sent_agreement, actor=users["creditor"], point_id=point.pk)
    assert exc.value.code == "point_unverified"


def test_creditor_case_page_has_no_staff_forms(
    case: Any, users: dict[str, Any], client: Client
) -> None:
    client.force_login(users["creditor"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-money"' in page and 'id="messages"' in page
    assert 'id="evidence-upload-form"' in page  # the creditor may upload evidence
    for staff_action in ("/transition/", "/assign/", "portal-link", "/payments/record"):
        assert staff_action not in page, staff_action
    client.force_login(users["lawyer"])
    staff = client.get(f"/cases/{case.pk}/").content.decode()
    assert "/transition/" in staff and 'id="messages"' in staff


def test_message_thread_between_creditor_and_handler(
    case: Any, users: dict[str, Any], client: Client
) -> None:
    url = f"/cases/{case.pk}/messages/"
    client.force_login(users["creditor"])
    r = client.post(url, {"body": "请问对方是否已经回款？"})
    assert r.status_code == 302 and r["Location"].endswith("#messages")
    client.force_login(users["collector"])
    assert "请问对方是否已经回款" in client.get(f"/cases/{case.pk}/").content.decode()
    client.post(url, {"body": "已联系，对方承诺月底付款。"})
    client.force_login(users["creditor"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "对方承诺月底付款" in page and "经办方" in page
    assert [m.from_creditor for m in CaseMessage.objects.order_by("pk")] == [True, False]
    # Another creditor can neither read nor post.
    client.force_login(users["creditor_other"])
    assert client.post(url, {"body": "x"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    # An empty message is refused in words, nothing written.
    client.force_login(users["creditor"])
    page = client.post(url, {"body": "  "}, follow=True).content.decode()
    assert "请填写留言" in page and CaseMessage.objects.count() == 2
    assert AuditEvent.objects.filter(action="case_message.post").count() == 2
