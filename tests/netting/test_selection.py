"""Choosing a round's firms: all candidates, a creditor's group, or a searched and typed list,
with one scope field and one text field however many firms (no TooManyFieldsSent), tested at
10,000 obligations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.netting.models import NettingRound, RoundState
from tests.netting.chain import OEM, STEEL
from tests.netting.world import build_chain
from tests.support import make_uscc

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def chain(org: Any, users: dict[str, Any]) -> dict[str, Any]:
    return build_chain(org, users["lawyer"])


def test_all_firms_with_debts_between_them(users: dict[str, Any], chain: dict[str, Any]) -> None:
    c = _login(users["lawyer"])
    resp = c.post("/netting/", {"title": "全部", "scope": "all"})
    r = NettingRound.objects.get()
    assert resp.status_code == 302
    assert {p.party_id for p in r.participants.all()} == {p.pk for p in chain.values()}


def test_a_creditor_group(users: dict[str, Any], chain: dict[str, Any]) -> None:
    c = _login(users["lawyer"])
    steel = chain[STEEL]
    c.post("/netting/", {"title": "钢厂组", "scope": "group", "group": str(steel.pk)})
    r = NettingRound.objects.get()
    names = {p.party.name for p in r.participants.select_related("party")}
    assert STEEL in names and 1 < len(names) <= len(chain)


def test_typed_firms_and_caps_by_credit_code(users: dict[str, Any], chain: dict[str, Any]) -> None:
    c = _login(users["lawyer"])
    steel, oem = chain[STEEL], chain[OEM]
    others = [p for p in chain.values() if p not in (steel, oem)]
    firms = "\n".join([steel.credit_code, oem.name, *(p.credit_code for p in others)])
    c.post(
        "/netting/",
        {"title": "指定", "scope": "firms", "firms": firms, "caps": f"{steel.credit_code} 1,000"},
    )
    r = NettingRound.objects.get()
    assert r.participants.count() == len(chain)
    assert r.participants.get(party=steel).cap == Decimal("1000.00")


def test_an_unknown_firm_is_named_and_nothing_is_created(
    users: dict[str, Any], chain: dict[str, Any]
) -> None:
    c = _login(users["lawyer"])
    resp = c.post(
        "/netting/",
        {"title": "错", "scope": "firms", "firms": f"{chain[STEEL].credit_code}\n不存在的公司"},
        follow=True,
    )
    html = resp.content.decode()
    assert "不存在的公司" in html and not NettingRound.objects.exists()
    assert "不存在的公司" in resp.context["posted"]["firms"]  # the form keeps what was typed


def test_search_answers_json_by_name_or_code(users: dict[str, Any], chain: dict[str, Any]) -> None:
    c = _login(users["lawyer"])
    steel = chain[STEEL]
    data = c.get("/netting/firms/", {"q": steel.credit_code[-6:]}).json()
    assert [f["id"] for f in data["firms"]] == [steel.pk]
    data = c.get("/netting/firms/", {"q": STEEL[:2]}).json()
    assert steel.pk in [f["id"] for f in data["firms"]]
    assert _login(users["collector"]).get("/netting/firms/").status_code == 403


def _big_world(org: Any, handler: Any, firms: int, per_pair: int) -> int:
    """``firms`` companies in a ring and chords, ``per_pair`` invoices a case: bulk rows."""
    from qingqian.cases.models import Case, CaseParty, Invoice
    from qingqian.parties.models import Party

    parties = Party.objects.bulk_create(
        Party(
            organisation=org,
            kind="company",
            name=f"测试企业{i:05d}有限公司",
            credit_code=make_uscc(20_000 + i),
        )
        for i in range(firms)
    )
    pairs = [(parties[i], parties[(i + k) % firms]) for i in range(firms) for k in (1, 7)]
    cases = Case.objects.bulk_create(
        Case(
            organisation=org,
            reference=f"T-{n:06d}",
            creditor=cr,
            debt_type="trade",
            principal=Decimal("1000.00") * per_pair,
            channel="web",
            handler=handler,
            debtor_name=de.name,
            outstanding=Decimal("1000.00") * per_pair,
        )
        for n, (cr, de) in enumerate(pairs)
    )
    CaseParty.objects.bulk_create(
        CaseParty(case=case, party=de, role="debtor")
        for case, (_cr, de) in zip(cases, pairs, strict=True)
    )
    due = dt.date(2026, 6, 30)
    Invoice.objects.bulk_create(
        (
            Invoice(
                case=case,
                creditor=cr,
                number=f"INV-{case.pk}-{j}",
                amount=Decimal("1000.00"),
                outstanding=Decimal("1000.00"),
                due_date=due,
            )
            for case, (cr, _de) in zip(cases, pairs, strict=True)
            for j in range(per_pair)
        ),
        batch_size=2000,
    )
    return len(pairs) * per_pair


def test_ten_thousand_obligations_from_one_small_form(
    org: Any, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    """A round over a thousand firms starts from one small form, and inviting them reads and
    writes in batches, not once per firm or obligation (the speed is benchmarks' business)."""
    total = _big_world(org, users["lawyer"], firms=1000, per_pair=5)
    assert total == 10_000
    c = _login(users["lawyer"])
    page = c.get("/netting/")
    assert page.status_code == 200
    assert page.content.decode().count('name="parties"') == 0  # no field per firm
    assert len(page.content) < 200_000
    with django_assert_max_num_queries(40):  # 24 today; one per firm would be over 1,000
        resp = c.post("/netting/", {"title": "全市清欠", "scope": "all"})
    assert resp.status_code == 302, resp.content[:500]
    r = NettingRound.objects.get()
    assert r.participants.count() == 1000
    with django_assert_max_num_queries(200):  # 129 today: batches, not a query per firm
        c.post(f"/netting/{r.pk}/invite/")
    r.refresh_from_db()
    assert r.state == RoundState.INVITING and r.obligations.count() == 10_000
    # A picked list of many firms is still one field.
    codes = "\n".join(make_uscc(20_000 + i) for i in range(600))
    resp = c.post("/netting/", {"title": "六百家", "scope": "firms", "firms": codes})
    assert resp.status_code == 302
    assert NettingRound.objects.get(title="六百家").participants.count() == 600
