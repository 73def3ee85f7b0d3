"""The debtor portal: one-time link, identity check + code, claim, dispute, opt-out, plan, pay."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.contact.models import ContactHold
from qingqian.negotiation.models import PlanVersion, VersionState
from qingqian.negotiation.services import plan_accept_staff, plan_propose, plan_schedule
from qingqian.payments.models import Payment
from qingqian.portal import services
from qingqian.portal.models import PortalLink

pytestmark = pytest.mark.django_db


SENT: list[Any] = []


@pytest.fixture(autouse=True)
def _sent(sms: Any) -> Any:
    SENT.clear()
    sms.sent = SENT
    return sms


def _last_code() -> str:
    match = re.search(r"验证码 (\d{6})", SENT[-1].body)
    assert match, SENT[-1].body
    return match.group(1)


@pytest.fixture
def link(case: Any, users: Any, debtor: Any) -> tuple[PortalLink, str]:
    return services.portal_link_send(
        case=case, party=debtor, actor=users["collector"], base_url="http://t"
    )


def _login(client: Client, token: str, last4: str) -> None:
    assert client.get(f"/p/{token}/").status_code == 302
    client.post("/p/verify/", {"step": "identity", "last4": last4})
    r = client.post("/p/verify/", {"step": "code", "code": _last_code()})
    assert r.status_code == 302 and r["Location"].endswith("/p/home/")


def test_link_is_sent_through_the_gate_and_logged(link: Any, case: Any) -> None:
    obj, token = link
    assert obj.token_hash != token and len(token) > 30
    assert token in SENT[-1].body and SENT[-1].to == "+8613912345678"
    assert SENT[-1].template == "portal_link"
    assert TimelineEvent.objects.filter(case=case, kind="portal.link_sent").exists()


def test_full_visit(link: Any, case: Any, debtor: Any, settings: Any) -> None:
    settings.PORTAL_FAKE_PROVIDER = True
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:].lower())
    home = c.get("/p/home/").content.decode()
    assert "INV-001" in home and "20,000.50" in home and case.creditor.name in home
    # plan offered by staff, accepted in the portal with a code
    v = plan_propose(
        case=case,
        actor=case.handler,
        schedule=plan_schedule(
            kind="seasonal", total=Decimal("6000"), months=6, start="2027-01", profile="1,2,3"
        ),
        grace_days=5,
        consequence="acceleration",
    )
    plan_accept_staff(version=v, actor=case.handler)
    c.post("/p/plan/", {"action": "code", "version": v.pk})
    page = c.post("/p/plan/", {"action": "accept", "version": v.pk, "code": _last_code()})
    assert "您已确认该还款计划" in page.content.decode()
    v.refresh_from_db()
    assert v.state == VersionState.ACTIVE
    pay = c.get("/p/pay/").content.decode()
    assert re.search(r"QQ\d{10}", pay)
    paid = c.post("/p/pay/", {"amount": "500.00"}).content.decode()
    assert "已收到您的付款" in paid, re.findall(r'role="alert">([^<]*)', paid)
    assert Payment.objects.get(case=case, kind="provider").amount == Decimal("500.00")
    c.post("/p/dispute/", {"reason": "货物有质量问题"})
    c.post("/p/contact/", {"channel": "robot"})
    kinds = set(ContactHold.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {"dispute", "refused_medium"}
    actions = set(
        AuditEvent.objects.filter(action__startswith="portal.").values_list("action", flat=True)
    )
    assert {
        "portal.open",
        "portal.identity_check",
        "portal.verified",
        "portal.view_claim",
        "portal.plan_accept",
        "portal.pay",
        "portal.dispute",
        "portal.opt_out",
    } <= actions


def test_wrong_digits_are_counted_and_lock(link: Any) -> None:
    _, token = link
    c = Client()
    c.get(f"/p/{token}/")
    for _ in range(5):
        r = c.post("/p/verify/", {"step": "identity", "last4": "0000"})
        assert "号码后四位不符" in r.content.decode()
    r = c.post("/p/verify/", {"step": "identity", "last4": "0000"})
    assert "已锁定" in r.content.decode()
    assert c.get("/p/home/").status_code == 302  # not verified: back to the check
    assert AuditEvent.objects.filter(action="portal.identity_check").count() == 5


def test_person_checks_id_number_last4(case: Any, users: Any, person_debtor: Any) -> None:
    from qingqian.cases.models import CaseParty
    from qingqian.common import crypto

    CaseParty.objects.create(case=case, party=person_debtor, role="debtor")
    _, token = services.portal_link_send(
        case=case, party=person_debtor, actor=users["collector"], base_url="http://t"
    )
    _login(Client(), token, crypto.decrypt(person_debtor.id_number_enc)[-4:])


def test_bad_token_and_debtor_proposal(link: Any, debtor: Any) -> None:
    assert Client().get("/p/not-a-token/").status_code == 403
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:])
    r = c.post("/p/plan/", {"action": "propose", "months": "10", "start": "2027-03"})
    assert "您的方案已提交" in r.content.decode()
    v = PlanVersion.objects.get()
    assert v.proposed_by_debtor and v.kind == "equal" and v.state == VersionState.PROPOSED


def test_debtor_accepts_settlement_offer(link: Any, case: Any, debtor: Any, users: Any) -> None:
    import datetime as dt

    from qingqian.common import clock
    from qingqian.negotiation.models import SettlementLimit, SettlementOffer
    from qingqian.negotiation.services import settlement_offer_make

    SettlementLimit.objects.create(creditor=case.creditor, max_discount_percent=10, max_days=30)
    offer = settlement_offer_make(
        case=case,
        actor=users["collector"],
        discount_percent=Decimal("10"),
        expires_on=clock.today() + dt.timedelta(days=10),
    )
    _, token = link
    c = Client()
    _login(c, token, debtor.credit_code[-4:])
    assert "18,000.45" in c.get("/p/plan/").content.decode()
    r = c.post("/p/plan/", {"action": "offer", "offer": offer.pk})
    assert "您已接受和解方案" in r.content.decode()
    offer.refresh_from_db()
    assert offer.state == "accepted"
    assert TimelineEvent.objects.filter(case=case, kind="settlement.accepted").exists()
    again = c.post("/p/plan/", {"action": "offer", "offer": offer.pk}).content.decode()
    assert "该和解要约已失效" in again
    assert isinstance(SettlementOffer.objects.get(), SettlementOffer)


def test_a_link_by_email_goes_to_the_email_address_not_the_phone(
    case: Any, users: Any, debtor: Any
) -> None:
    """The e-mail channel sends to the debtor's e-mail address on file; with none on file the
    send is refused in words and nothing is issued; the timeline names the channel in words."""
    from django.core import mail

    from qingqian.common.exceptions import ValidationFailed
    from qingqian.parties.services import party_email_set

    with pytest.raises(ValidationFailed) as exc:
        services.portal_link_send(
            case=case, party=debtor, actor=users["collector"], base_url="http://t", channel="email"
        )
    assert exc.value.code == "no_recipient"
    assert not PortalLink.objects.exists()
    party_email_set(party=debtor, email="finance@debtor.example.cn", actor=users["collector"])
    services.portal_link_send(
        case=case, party=debtor, actor=users["collector"], base_url="http://t", channel="email"
    )
    assert mail.outbox[-1].to == ["finance@debtor.example.cn"]
    note = TimelineEvent.objects.get(case=case, kind="portal.link_sent").note
    assert "电子邮件" in note and "email" not in note
