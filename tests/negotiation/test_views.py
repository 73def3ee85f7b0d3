"""Staff UI: the case panel, preview, propose, accept, promise, offer, portal link; dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from qingqian.negotiation.models import PlanVersion, Promise, SettlementLimit, SettlementOffer
from qingqian.portal.models import PortalLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(users: Any) -> Client:
    c = Client()
    c.force_login(users["collector"])
    return c


def test_panel_preview_and_propose(staff: Client, case: Any, users: Any) -> None:
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="negotiation-panel"' in page
    form = {
        "kind": "seasonal",
        "total": "12000",
        "months": "12",
        "start": "2027-01",
        "profile": "1,1,1,2,2,1,1,1,1,3,1,1",
        "grace": "5",
        "consequence": "acceleration",
    }
    preview = staff.post(f"/cases/{case.pk}/plans/preview/", form).content.decode()
    assert "¥12,000.00" in preview and "2027-10" in preview  # money as on every other page
    bad = staff.post(f"/cases/{case.pk}/plans/preview/", {**form, "profile": "-1,2"})
    assert 'role="alert"' in bad.content.decode()
    assert not PlanVersion.objects.exists()
    staff.post(f"/cases/{case.pk}/plans/", form)
    v = PlanVersion.objects.get()
    staff.post(f"/cases/{case.pk}/plans/{v.pk}/accept/")
    v.refresh_from_db()
    assert v.accepted_by_staff == users["collector"]
    users["collector"].last_name, users["collector"].first_name = "陈", "建国"
    users["collector"].save(update_fields=["last_name", "first_name"])
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert v.sha256[:12] in page
    assert "债权人方：陈建国 " in page  # a person, not a login name


def test_promise_offer_link(staff: Client, case: Any, debtor: Any) -> None:
    from qingqian.contact.channels.base import use_adapter
    from tests.portal.fakes import RecordingSms

    sms = RecordingSms()
    staff.post(
        f"/cases/{case.pk}/promises/",
        {"amount": "3000", "due": "2099-01-01", "source": "transcript"},
    )
    assert Promise.objects.get().source == "transcript"
    assert "¥3,000.00 · 2099-01-01" in staff.get(f"/cases/{case.pk}/").content.decode()
    SettlementLimit.objects.create(creditor=case.creditor, max_discount_percent=20, max_days=60)
    r = staff.post(
        f"/cases/{case.pk}/offers/", {"discount": "50", "expires": "2099-01-01"}, follow=True
    )
    assert not SettlementOffer.objects.exists()
    assert "20" in r.content.decode()
    page = staff.post(
        f"/cases/{case.pk}/offers/", {"discount": "10", "expires": "2026-12-20"}, follow=True
    ).content.decode()
    offer = SettlementOffer.objects.get()
    assert offer.amount >= 1000 and f"一次付清 ¥{offer.amount:,.2f}" in page
    with use_adapter("sms", sms):
        staff.post(f"/cases/{case.pk}/portal-link/", {"party": debtor.pk, "channel": "sms"})
    assert PortalLink.objects.filter(case=case, party=debtor).exists()
    assert "/p/" in sms.sent[0].body


def test_out_of_scope_case_is_404(case: Any, users: Any) -> None:
    c = Client()
    c.force_login(users["creditor_other"])
    assert (
        c.post(f"/cases/{case.pk}/promises/", {"amount": "1", "due": "2099-01-01"}).status_code
        == 403  # the creditor's role may not record promises, on any case
    )
    # a collector may record promises, but only on the cases assigned to him: 404 elsewhere
    from qingqian.accounts.models import User

    other = User.objects.create_user(
        username="collector-unassigned",
        password="x",
        organisation=case.organisation,
        role="collector",
        cert_number="SZ-CERT-0009",
        cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )
    unassigned = Client()
    unassigned.force_login(other)
    assert (
        unassigned.post(
            f"/cases/{case.pk}/promises/", {"amount": "1", "due": "2099-01-01"}
        ).status_code
        == 404
    )
    assert not Promise.objects.exists()


def test_dashboard_shows_default_rates(staff: Client) -> None:
    assert 'id="plan-default-rates"' in staff.get("/").content.decode()
