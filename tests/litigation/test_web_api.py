"""The case panel (htmx and plain), the calendar, the dashboard warning, the iCalendar feed
and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from qingqian.accounts.services import api_token_create
from qingqian.audit.models import AuditEvent
from qingqian.litigation import services
from qingqian.litigation.models import AssetClue, CourtDeadline, Proceeding

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
NOW = dt.datetime(2026, 3, 12, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


def _order(case: Any, users: Any) -> Proceeding:
    return services.proceeding_create(
        case=case, actor=users["lawyer"], kind="payment_order", court="苏州市吴中区人民法院",
        case_number="(2026)苏0506民督12号", filed_on=D("2026-02-24"), served_on=D("2026-03-02"),
    )  # fmt: skip


def test_lawyer_files_a_payment_order_through_the_panel_with_htmx(case: Any, users: Any) -> None:
    web = _web(users["lawyer"])
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="litigation-panel"' in page and "登记新程序" in page
    resp = web.post(
        f"/cases/{case.pk}/litigation/proceedings/",
        {"kind": "payment_order", "court": "苏州市吴中区人民法院",
         "case_number": "(2026)苏0506民督12号", "filed_on": "2026-02-24",
         "served_on": "2026-03-02"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.startswith('<section class="card" id="litigation-panel"')
    assert "支付令异议期" in body and "2026-03-17" in body and "即将届满" in body
    assert "payment_order_objection<" not in body  # no raw codes on screen
    bad = web.post(
        f"/cases/{case.pk}/litigation/proceedings/",
        {"kind": "first_instance", "court": "法院", "case_number": "(2026)苏0506民终1号"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert bad.status_code == 422 and "类型代字" in bad.content.decode()
    assert Proceeding.objects.count() == 1


def test_panel_forms_without_htmx_redirect_and_record(case: Any, users: Any) -> None:
    p = _order(case, users)
    web = _web(users["lawyer"])
    resp = web.post(
        f"/cases/{case.pk}/litigation/proceedings/{p.pk}/",
        {"court": p.court, "case_number": p.case_number, "served_on": "2026-03-03",
         "outcome": "pending", "flags_present": "1"},
    )  # fmt: skip
    assert resp.status_code == 302
    assert CourtDeadline.objects.get(proceeding=p).due == D("2026-03-18")
    web.post(
        f"/cases/{case.pk}/litigation/asset-clues/",
        {"kind": "vehicle", "summary": "苏E 小型轿车", "detail": "苏E12345Z",
         "source": "public_register", "source_date": "2026-03-01"},
    )  # fmt: skip
    clue = AssetClue.objects.get()
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert "苏E12345Z" not in page and clue.detail_masked in page
    shown = web.post(f"/cases/{case.pk}/litigation/asset-clues/{clue.pk}/reveal/")
    assert "苏E12345Z" in shown.content.decode()
    assert AuditEvent.objects.filter(action="asset_clue.reveal").count() == 1
    web.post(f"/cases/{case.pk}/litigation/interruptions/", {"kind": "demand", "day": "2026-03-05"})
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert "2029-03-05" in page and "催告送达 2026-03-05" in page


def test_collector_sees_the_panel_but_not_the_lawyer_forms(case: Any, users: Any) -> None:
    _order(case, users)
    web = _web(users["collector"])
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert "支付令异议期" in page and "登记新程序" not in page
    resp = web.post(
        f"/cases/{case.pk}/litigation/proceedings/", {"kind": "payment_order", "court": "x"}
    )
    assert resp.status_code == 403
    assert Proceeding.objects.count() == 1


def test_dashboard_and_calendar_warn_before_the_deadline(case: Any, users: Any) -> None:
    _order(case, users)  # objection window ends 2026-03-17; today 2026-03-12
    web = _web(users["lawyer"])
    dash = web.get("/").content.decode()
    assert 'id="deadlines-due-soon"' in dash and case.reference in dash and "剩 5 天" in dash
    cal = web.get("/deadlines/").content.decode()
    assert "2026-03-17" in cal and "deadline-due_soon" in cal and "第二百二十六条" in cal
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC), tick=False):
        assert case.reference not in web.get("/").content.decode()


def test_ical_feed_is_token_authenticated_and_revocable(case: Any, users: Any) -> None:
    p = _order(case, users)
    services.hearing_add(
        proceeding=p, actor=users["lawyer"], at=dt.datetime(2026, 4, 2, 1, 30, tzinfo=dt.UTC),
        place="第三法庭",
    )  # fmt: skip
    web = _web(users["lawyer"])
    web.post("/deadlines/feed/")
    page = web.get("/deadlines/").content.decode()
    url = page.split('id="feed-url">')[1].split("<")[0]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    anonymous = Client()
    resp = anonymous.get(f"/deadlines/feed/{token}.ics")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(resp.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    deadline = events[f"deadline-{CourtDeadline.objects.get().pk}@qingqian"]
    assert deadline.decoded("dtstart") == D("2026-03-17")
    assert "支付令异议期" in str(deadline["summary"]) and case.reference in str(deadline["summary"])
    assert any(str(h["location"]) == "第三法庭" for h in events.values() if "location" in h)
    assert "身份证" not in resp.content.decode()
    # the page no longer shows the link; a new one revokes the old
    assert token not in web.get("/deadlines/").content.decode()
    web.post("/deadlines/feed/")
    assert anonymous.get(f"/deadlines/feed/{token}.ics").status_code == 404
    assert anonymous.get("/deadlines/feed/nonsense.ics").status_code == 404


def test_feed_of_a_deactivated_user_is_gone(case: Any, users: Any) -> None:
    from qingqian.litigation.feeds import feed_issue

    token = feed_issue(user=users["lawyer"])
    assert Client().get(f"/deadlines/feed/{token}.ics").status_code == 200
    users["lawyer"].is_active = False
    users["lawyer"].save()
    assert Client().get(f"/deadlines/feed/{token}.ics").status_code == 404


def test_api_proceedings_deadlines_and_clues(case: Any, users: Any) -> None:
    api = _api(users["lawyer"])
    base = f"/api/v1/cases/{case.pk}"
    resp = api.post(
        f"{base}/proceedings",
        {"kind": "first_instance", "court": "苏州市吴中区人民法院",
         "case_number": "(2026)苏0506民初1234号", "filed_on": "2026-02-20",
         "served_on": "2026-03-06"},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 201, resp.content
    pid = resp.json()["id"]
    assert resp.json()["deadlines"][0]["due"] == "2026-03-23"
    patched = api.patch(
        f"{base}/proceedings/{pid}",
        {"judgment_served_on": "2026-09-21", "is_ruling": True, "awarded_principal": "100.50"},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["awarded_principal"] == "100.50"
    listed = api.get(f"{base}/deadlines").json()
    assert [d["kind"] for d in listed["items"]] == ["answer", "appeal_ruling"]
    assert listed["items"][1]["due"] == "2026-10-08"
    assert listed["limitation"]["reason"] == "filing"
    bad = api.post(
        f"{base}/proceedings", {"kind": "first_instance", "court": "x", "case_number": "1234"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "case_number_invalid"
    floaty = api.patch(
        f"{base}/proceedings/{pid}", {"awarded_principal": 1.5}, content_type="application/json"
    )
    assert floaty.status_code == 422
    clue = api.post(
        f"{base}/asset-clues",
        {"kind": "equity", "summary": "苏州某科技有限公司 30% 股权", "source": "public_register",
         "source_date": "2026-03-01"},
        content_type="application/json",
    )  # fmt: skip
    assert clue.status_code == 201
    assert api.get(f"{base}/asset-clues").json()["items"][0]["kind_label"] == "股权"
    collector = _api(users["collector"])
    assert collector.get(f"{base}/proceedings").status_code == 200
    denied = collector.post(
        f"{base}/proceedings", {"kind": "payment_order", "court": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert denied.status_code == 403
