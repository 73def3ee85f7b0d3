"""The contact staff pages: access, the policy editor's preview and publish, holds, the panel."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from qingqian.contact.models import ContactHold, ContactPolicy
from qingqian.contact.presets import CN_DEFAULT
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_place,
    contact_system_actor,
)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_compliance_view_counts_denials_by_rule_and_reason(
    case: Any, debtor: Any, org: Any, users: Any
) -> None:
    from qingqian.common import clock

    robot = contact_system_actor(organisation=org)
    now = clock.now()
    late = now.astimezone(SH).replace(hour=23, minute=0)
    if late > now:
        late -= dt.timedelta(days=1)
    contact_attempt_authorize(case=case, party=debtor, channel="robot", actor=robot, at=late)
    page = login(users["compliance"]).get("/contact/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "contact_hours" in html
    assert "outside_hours" in html and "不在联系时段内" in html
    assert login(users["collector"]).get("/contact/").status_code == 403


def test_policy_editor_previews_then_publishes(users: Any) -> None:
    c = login(users["compliance"])
    page = c.get("/contact/policies/cn-default/")
    assert page.status_code == 200
    data = CN_DEFAULT.to_dict()
    data["caps"][0]["limit"] = 2
    preview = c.post(
        "/contact/policies/cn-default/",
        {"data": json.dumps(data), "action": "preview"},
        headers={"HX-Request": "true"},
    )
    html = preview.content.decode()
    assert 'data-sample="third_conversation"' in html
    row = html.split('data-sample="third_conversation"')[1].split("</tr>")[0]
    assert 'data-rule="voice_conversations_per_day"' in row and "changed" in html
    assert "每人每天接通的语音通话" in row  # the rule in words
    assert ContactPolicy.objects.filter(name="cn-default").count() == 1  # preview saves nothing
    bad = c.post("/contact/policies/cn-default/", {"data": "{", "action": "preview"})
    assert "JSON" in bad.content.decode()
    done = c.post(
        "/contact/policies/cn-default/",
        {"data": json.dumps(data), "action": "publish", "note": "每日接通上限改为 2"},
    )
    assert done.status_code == 302
    latest = ContactPolicy.objects.filter(name="cn-default").order_by("-version").first()
    assert latest is not None and latest.version == 2
    assert latest.created_by == users["compliance"]
    assert login(users["collector"]).get("/contact/policies/cn-default/").status_code == 404


def test_holds_page_and_case_panel(case: Any, debtor: Any, users: Any) -> None:
    c = login(users["collector"])
    r = c.post(
        f"/contact/cases/{case.pk}/holds/",
        {"kind": "vulnerability", "party": str(debtor.pk), "reason": "说身体不好"},
    )
    assert r.status_code == 302
    hold = ContactHold.objects.get()
    detail = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="contact-panel"' in detail and "说身体不好" in detail
    assert "说身体不好" in c.get("/contact/holds/").content.decode()
    # A collector cannot lift a vulnerability hold; compliance can.
    c.post(f"/contact/holds/{hold.pk}/lift/", {"reason": "x"})
    hold.refresh_from_db()
    assert hold.lifted_at is None
    login(users["compliance"]).post(f"/contact/holds/{hold.pk}/lift/", {"reason": "已核实"})
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert login(users["creditor"]).get("/contact/holds/").status_code == 403


def test_case_hold_place_refuses_party_not_on_case(
    case: Any, person_debtor: Any, users: Any
) -> None:
    r = login(users["collector"]).post(
        f"/contact/cases/{case.pk}/holds/", {"kind": "cease", "party": str(person_debtor.pk)}
    )
    assert r.status_code == 404
    assert not ContactHold.objects.exists()
    contact_hold_place(case=case, party=None, kind="cease", actor=None)


def test_flag_a_debtor_unreachable_from_the_case_panel_then_clear_it(
    case: Any, debtor: Any, users: Any
) -> None:
    from qingqian.contact.models import ContactUnreachable

    c = login(users["collector"])
    url = f"/contact/cases/{case.pk}/unreachable/"
    # no reason: refused with a message, nothing written
    page = c.post(url, {"party": str(debtor.pk), "reason": " "}, follow=True)
    assert "Say why the debtor is flagged unreachable" in page.content.decode() or (
        "标记失联必须说明原因" in page.content.decode()
    )
    assert not ContactUnreachable.objects.exists()
    # a creditor user cannot flag anyone
    assert (
        login(users["creditor"]).post(url, {"party": str(debtor.pk), "reason": "x"}).status_code
        == 403
    )
    assert c.post(url, {"party": str(debtor.pk), "reason": "两个号码均已停机"}).status_code == 302
    flag = ContactUnreachable.objects.get()
    assert flag.party == debtor and flag.cleared_at is None
    detail = c.get(f"/cases/{case.pk}/").content.decode()
    assert "两个号码均已停机" in detail and f"/contact/unreachable/{flag.pk}/clear/" in detail
    outsider = login(users["creditor"]).post(
        f"/contact/unreachable/{flag.pk}/clear/", {"reason": "x"}
    )
    assert outsider.status_code == 403  # the creditor's role may not, on any flag
    assert (
        c.post(f"/contact/unreachable/{flag.pk}/clear/", {"reason": "债务人回电"}).status_code
        == 302
    )
    flag.refresh_from_db()
    assert flag.cleared_at is not None and flag.clear_reason == "债务人回电"
    assert (
        f"/contact/unreachable/{flag.pk}/clear/" not in c.get(f"/cases/{case.pk}/").content.decode()
    )
