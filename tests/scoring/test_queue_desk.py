"""The collector's queue as a desk (issue 19): paging, filters, sorting, callbacks due in
the queue, the value per hour never above the balance, and an expired certificate explained."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.contact.desk import desk_call_ask, desk_call_record
from qingqian.scoring import selectors, services
from tests.scoring.test_django import _more_cases

pytestmark = pytest.mark.django_db
AT = dt.date(2026, 11, 20)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def many(org: Any, users: dict[str, Any], creditor: Any) -> list[Any]:
    cases = _more_cases(org, users, creditor, 7)
    services.rescore(Case.objects.all(), at=AT)
    return cases


def test_pages_and_their_links(many: list[Any], users: dict[str, Any]) -> None:
    first = selectors.work_queue(
        users["collector"], today=AT, query=selectors.QueueQuery(per_page=3)
    )
    assert (first["page"], first["pages"], first["matching"]) == (1, 3, 7)
    assert [r.entry.rank for r in first["rows"]] == [1, 2, 3]
    last = selectors.work_queue(
        users["collector"], today=AT, query=selectors.QueueQuery(page=9, per_page=3)
    )
    assert last["page"] == 3 and [r.entry.rank for r in last["rows"]] == [7]
    html = _client(users["collector"]).get("/queue/?sort=balance").content.decode()
    assert html.count('data-debtor="') == 7
    assert 'id="queue-filters"' in html


def test_filter_by_name_and_sort_by_balance(many: list[Any], users: dict[str, Any]) -> None:
    data = selectors.work_queue(
        users["collector"], today=AT, query=selectors.QueueQuery(q=many[2].reference)
    )
    assert [r.cases[0].pk for r in data["rows"]] == [many[2].pk]
    data = selectors.work_queue(
        users["collector"], today=AT, query=selectors.QueueQuery(sort="balance")
    )
    balances = [r.entry.balance for r in data["rows"]]
    assert balances == sorted(balances, reverse=True)
    for r in data["rows"]:
        assert r.entry.value_per_hour <= r.entry.expected_value <= r.entry.balance


def test_a_callback_due_shows_in_the_queue(
    many: list[Any], users: dict[str, Any], org: Any
) -> None:
    collector = users["collector"]
    target = many[4]
    party = target.case_parties.get(role="debtor").party
    from qingqian.parties.services import party_fields

    # give the debtor a number to call
    for k, v in party_fields(kind=party.kind, name=party.name, phone="13912340000").items():
        setattr(party, k, v)
    party.save()
    attempt = desk_call_ask(case=target, party=party, actor=collector)
    assert attempt.allowed, attempt.reasons
    when = clock.now() + dt.timedelta(hours=3)
    desk_call_record(attempt=attempt, actor=collector, disposition="callback", callback_at=when)
    data = selectors.work_queue(
        collector, today=clock.today(), query=selectors.QueueQuery(callbacks=True)
    )
    assert [r.cases[0].pk for r in data["rows"]] == [target.pk]
    assert data["rows"][0].callback_due and data["callbacks_due"] == 1
    by_callback = selectors.work_queue(
        collector, today=clock.today(), query=selectors.QueueQuery(sort="callback")
    )
    assert by_callback["rows"][0].cases[0].pk == target.pk
    html = _client(collector).get("/queue/").content.decode()
    assert 'id="callbacks-due"' in html and "callback-due" in html


def test_an_expired_certificate_is_explained(users: dict[str, Any]) -> None:
    collector = users["collector"]
    collector.cert_expires = dt.date(2026, 6, 30)
    collector.save(update_fields=["cert_expires"])
    html = _client(collector).get("/queue/").content.decode()
    assert 'id="queue-certificate"' in html and "2026-06-30" in html
    assert "证书无效期间不会分派催收案件" in html


def test_money_is_formatted(many: list[Any], users: dict[str, Any]) -> None:
    html = _client(users["collector"]).get("/queue/").content.decode()
    cells = re.findall(r'<td class="num"[^>]*>(¥[^<]*)</td>', html)
    assert cells, html
    for cell in cells:
        assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d\d", cell), cells
    assert f"¥{many[0].outstanding:,.2f}" in cells
