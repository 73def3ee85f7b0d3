"""Netting pages through the Django test client: access, the cycle picture, own lines only
for creditor users, notices, and a decline that cancels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.netting import services
from qingqian.netting.models import NettingRound, RoundState
from tests.netting.chain import CHAIN, DEALER, OEM, STEEL
from tests.netting.test_services import _all_consent
from tests.netting.world import build_chain

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def chain(org: Any, users: dict[str, Any]) -> dict[str, Any]:
    return build_chain(org, users["lawyer"])


def test_manager_creates_invites_and_runs_from_the_pages(
    users: dict[str, Any], chain: dict[str, Any]
) -> None:
    c = _login(users["mediator"])
    page = c.get("/netting/")
    assert page.status_code == 200 and chain[OEM].name in page.content.decode()  # a group
    resp = c.post(
        "/netting/",
        {"title": "园区汽车链", "parties": [p.pk for p in chain.values()], "min_amount": ""},
    )
    r = NettingRound.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/netting/{r.pk}/"
    c.post(f"/netting/{r.pk}/invite/")
    r.refresh_from_db()
    assert r.state == RoundState.INVITING and r.obligations.count() == len(CHAIN)
    for p in r.participants.all():
        c.post(f"/netting/{r.pk}/firms/{p.pk}/confirm/")
        c.post(f"/netting/{r.pk}/firms/{p.pk}/consent/")
    c.post(f"/netting/{r.pk}/run/")
    r.refresh_from_db()
    assert r.cleared == Decimal("32000000.00")
    html = c.get(f"/netting/{r.pk}/").content.decode()
    assert "<svg" in html and "netting-graph" in html
    assert "3,200.00 万" not in html  # edges are per pair, not the total
    assert "400.00 万" in html  # SO-1: steel → OEM 4,000,000
    for oid, *_ in CHAIN:
        assert oid in html
    p = r.participants.get(party=chain[STEEL])
    docx = c.get(f"/netting/{r.pk}/firms/{p.pk}/notice.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert c.get(f"/netting/{r.pk}/firms/{p.pk}/notice.txt").status_code == 404


def test_a_bad_minimum_shows_a_bilingual_error_and_creates_nothing(
    users: dict[str, Any], chain: dict[str, Any]
) -> None:
    c = _login(users["mediator"])
    resp = c.post(
        "/netting/",
        {"title": "x", "parties": [p.pk for p in chain.values()], "min_amount": "1.001"},
        follow=True,
    )
    assert resp.status_code == 200
    assert list(resp.context["messages"])
    assert not NettingRound.objects.exists()


def test_creditor_users_see_only_their_own_lines(
    org: Any, users: dict[str, Any], chain: dict[str, Any], creditor: Any
) -> None:
    from qingqian.accounts.models import User

    steel_user = User.objects.create_user(
        username="steel", password="pw", organisation=org, role="creditor", creditor=chain[STEEL]
    )
    r = services.round_create(
        organisation=org,
        actor=users["mediator"],
        title="园区第七轮清欠",
        parties=list(chain.values()),
    )
    services.round_invite(round_=r, actor=users["mediator"])
    _all_consent(r, users["mediator"])
    services.round_run(round_=r, actor=users["mediator"])
    c = _login(steel_user)
    listed = c.get("/netting/").content.decode()
    # The amounts say their unit in the column heads, as on the round's page.
    assert r.title in listed and "债务总额（元）" in listed and "抵销总额（元）" in listed
    html = c.get(f"/netting/{r.pk}/").content.decode()
    mine = {oid for oid, d, cr, *_ in CHAIN if STEEL in (d, cr)}
    for oid, *_ in CHAIN:
        assert (f"<td>{oid}</td>" in html) == (oid in mine), oid
    assert chain[DEALER].name not in html.split("netting-lines")[1]
    # It may answer for its own firm only, and cannot run or apply.
    other = r.participants.get(party=chain[OEM])
    own = r.participants.get(party=chain[STEEL])
    assert c.get(f"/netting/{r.pk}/firms/{other.pk}/notice.docx").status_code == 404
    assert c.get(f"/netting/{r.pk}/firms/{own.pk}/notice.docx").status_code == 200
    c.post(f"/netting/{r.pk}/apply/")
    # A creditor user of a firm outside the round sees nothing of it.
    outsider = _login(users["creditor"])
    assert outsider.get(f"/netting/{r.pk}/").status_code == 404
    assert "园区第七轮清欠" not in outsider.get("/netting/").content.decode()
    # Declining as its own firm cancels the round.
    c.post(f"/netting/{r.pk}/firms/{own.pk}/decline/", {"reason": "金额有误"})
    r.refresh_from_db()
    assert r.state == RoundState.CANCELLED


def test_other_organisations_get_404(
    other_org: Any, users: dict[str, Any], chain: dict[str, Any], org: Any
) -> None:
    from qingqian.accounts.models import User

    r = services.round_create(
        organisation=org,
        actor=users["mediator"],
        title="园区第七轮清欠",
        parties=list(chain.values()),
    )
    stranger = User.objects.create_user(
        username="x", password="pw", organisation=other_org, role="mediator"
    )
    c = _login(stranger)
    assert c.get(f"/netting/{r.pk}/").status_code == 404
    assert c.post(f"/netting/{r.pk}/invite/").status_code == 404
    r.refresh_from_db()
    assert r.state == RoundState.DRAFT


def test_caps_from_the_form_reach_the_participants(
    users: dict[str, Any], chain: dict[str, Any]
) -> None:
    c = _login(users["mediator"])
    steel = chain[STEEL]
    data = {"title": "封顶", "parties": [p.pk for p in chain.values()]}
    c.post("/netting/", {**data, f"cap_{steel.pk}": "abc"})
    assert not NettingRound.objects.exists()
    c.post("/netting/", {**data, f"cap_{steel.pk}": "1,000,000"})
    r = NettingRound.objects.get()
    assert r.participants.get(party=steel).cap == Decimal("1000000.00")
    assert r.participants.exclude(party=steel).filter(cap__isnull=False).count() == 0
