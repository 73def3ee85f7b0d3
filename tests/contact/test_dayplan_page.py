"""The staff page "今日联系计划 / Today's contact plan"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qingqian.accounts.models import User
from qingqian.cases.models import Case
from qingqian.cases.services import case_open
from qingqian.common import clock
from qingqian.contact.services import contact_hold_place
from qingqian.parties.services import party_create
from tests.support import make_uscc

pytestmark = pytest.mark.django_db
URL = reverse("desk:day_plan")


def tomorrow() -> str:
    return (clock.today() + dt.timedelta(days=1)).isoformat()


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def open_case(org: Any, creditor: Any, n: int, handler: User | None, name: str = "") -> Case:
    debtor = party_create(
        organisation=org,
        actor=None,
        kind="company",
        name=name or f"计划测试公司{n}",
        credit_code=make_uscc(300 + n),
        phone=f"1380000{n:04d}",
    )
    case = case_open(
        organisation=org,
        actor=None,
        creditor=creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        principal=f"{1000 + n}.00",
        handler=handler,
        due_date=dt.date(2026, 3, 1),
    )
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    return case


@pytest.fixture
def cases(org: Any, creditor: Any, users: dict[str, Any]) -> list[Case]:
    mine = open_case(org, creditor, 1, users["collector"], "分配给催收员的公司")
    other = open_case(org, creditor, 2, users["lawyer"], "律师名下的公司")
    held = open_case(org, creditor, 3, users["lawyer"], "暂停中的公司")
    contact_hold_place(
        case=held, party=held.case_parties.get().party, kind="cease", actor=None, reason="请求"
    )
    return [mine, other, held]


def test_staff_see_the_plan_with_totals_and_reasons(
    users: dict[str, Any], cases: list[Case]
) -> None:
    r = client_for(users["compliance"]).get(URL, {"date": tomorrow()})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="kpi-planned">2<' in body and 'id="kpi-left-out">1<' in body
    assert cases[0].reference in body and cases[1].reference in body
    assert 'data-category="hold"' in body and 'data-code="hold_cease_contact"' in body
    # The rule in words, never its code on the page.
    assert "停止联系请求" in body and ">hold_cease_contact<" not in body
    assert 'id="plan-grid"' in body and 'data-channel="voice"' in body
    assert "首次联系债务人" in body  # the reason, from the work queue


def test_a_collector_sees_only_their_rows_but_the_totals(
    users: dict[str, Any], cases: list[Case]
) -> None:
    body = client_for(users["collector"]).get(URL, {"date": tomorrow()}).content.decode()
    assert 'id="kpi-planned">2<' in body
    assert cases[0].reference in body
    assert cases[1].reference not in body and cases[2].reference not in body


def test_creditor_users_are_refused(users: dict[str, Any], cases: list[Case]) -> None:
    r = client_for(users["creditor"]).get(URL)
    assert r.status_code == 403
    assert cases[0].reference not in r.content.decode()
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_bad_and_past_dates_say_why(users: dict[str, Any], cases: list[Case]) -> None:
    c = client_for(users["admin"])
    assert "YYYY-MM-DD" in c.get(URL, {"date": "2026-02-30"}).content.decode()
    past = c.get(URL, {"date": "2020-01-01"}).content.decode()
    assert "今天或以后" in past and 'id="kpi-planned"' not in past


def test_english(users: dict[str, Any], cases: list[Case]) -> None:
    c = client_for(users["compliance"])
    c.cookies["django_language"] = "en"
    body = c.get(URL, {"date": tomorrow()}).content.decode()
    assert "Contact plan for" in body and "Left out, and why" in body
    assert "Make first contact" in body


def test_linked_from_the_contact_pages(users: dict[str, Any]) -> None:
    c = client_for(users["compliance"])
    for name in ("contact:holds", "contact:compliance"):
        assert URL in c.get(reverse(name)).content.decode()


def test_query_count_is_bounded(
    org: Any, creditor: Any, users: dict[str, Any], cases: list[Case]
) -> None:
    c = client_for(users["compliance"])
    c.get(URL, {"date": tomorrow()})  # warm the policy cache and the session
    with CaptureQueriesContext(connection) as few:
        c.get(URL, {"date": tomorrow()})
    for n in range(10, 18):
        open_case(org, creditor, n, users["collector"])
    with CaptureQueriesContext(connection) as many:
        body = c.get(URL, {"date": tomorrow()}).content.decode()
    assert 'id="kpi-planned">10<' in body
    # 26: the plan's 20 (two of them who speaks each debtor's dialect) and the page's own
    assert len(many.captured_queries) == len(few.captured_queries) <= 26


def test_times_are_the_debtors_local_time(users: dict[str, Any], cases: list[Case]) -> None:
    from qingqian.contact.presets import preset
    from qingqian.contact.services import contact_policy_publish

    data = preset("cn-default").to_dict()
    data["default_timezone"] = "Asia/Urumqi"  # two hours behind Beijing time
    contact_policy_publish(name="cn-default", data=data, actor=users["compliance"])
    body = client_for(users["compliance"]).get(URL, {"date": tomorrow()}).content.decode()
    # no history: the earliest hour, 08:00 in Urumqi (10:00 in Beijing)
    assert "<td>08:00</td>" in body and "<td>10:00</td>" not in body
