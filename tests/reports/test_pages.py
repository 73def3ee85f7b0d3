from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qingqian.reports.models import FeasibilityReport

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_page_in_chinese(reviewed: Any, users: dict[str, Any]) -> None:
    r = _client(users["lawyer"]).get(f"/cases/{reviewed.pk}/feasibility/")
    assert r.status_code == 200
    html = r.content.decode()
    for phrase in (
        "可行性报告",
        "债权概况",
        "20,000.50",
        "证据强度",
        "回收率不足 30%",
        "诉讼时效",
        "届满日",
        "利息",
        "债务人情况",
        "暂无评分",
        "支付令",
        "预期净回收",
        "债权人还需提供",
        "缺少的信息",
        "下载 PDF",
        "重新生成",
        "不予接案",
    ):
        assert phrase in html, phrase
    assert reviewed.reference in html


def test_page_in_english(reviewed: Any, users: dict[str, Any]) -> None:
    client = _english(_client(users["lawyer"]))
    html = client.get(f"/cases/{reviewed.pk}/feasibility/").content.decode()
    for phrase in (
        "The claim",
        "oral-only debts (no written agreement) recover in under 30%",
        "Not available yet",
        "payment order",
    ):
        assert phrase in html, phrase


def test_creditor_user_reads_but_cannot_act(reviewed: Any, users: dict[str, Any]) -> None:
    html = _client(users["creditor"]).get(f"/cases/{reviewed.pk}/feasibility/").content.decode()
    assert "债权概况" in html
    assert "重新生成" not in html
    assert 'name="decision"' not in html


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_other_creditor_gets_404(reviewed: Any, users: dict[str, Any], suffix: str) -> None:
    r = _client(users["creditor_other"]).get(f"/cases/{reviewed.pk}/feasibility/{suffix}")
    assert r.status_code == 404


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_anonymous_is_redirected(reviewed: Any, suffix: str) -> None:
    r = Client().get(f"/cases/{reviewed.pk}/feasibility/{suffix}")
    assert r.status_code == 302
    assert "/login/" in r["Location"]


def test_other_creditor_cannot_post(reviewed: Any, users: dict[str, Any]) -> None:
    client = _client(users["creditor_other"])
    base = f"/cases/{reviewed.pk}/feasibility/"
    # a creditor user's role may do neither, on any case: refused before the case is looked at
    assert client.post(base + "regenerate/").status_code == 403
    assert client.post(base + "decide/", {"decision": "accept"}).status_code == 403
    assert FeasibilityReport.objects.filter(case=reviewed).count() == 1


def test_regenerate_and_accept_through_the_page(reviewed: Any, users: dict[str, Any]) -> None:
    client = _client(users["lawyer"])
    base = f"/cases/{reviewed.pk}/feasibility/"
    assert client.post(base + "regenerate/").status_code == 302
    assert FeasibilityReport.objects.filter(case=reviewed).count() == 2
    r = client.post(
        base + "decide/", {"decision": "reject", "reason": "", "version": "2"}, follow=True
    )
    assert "不予接案必须写明理由" in r.content.decode()
    reviewed.refresh_from_db()
    assert reviewed.state == "evidence_review"
    client.post(base + "decide/", {"decision": "accept", "reason": "材料齐全", "version": "2"})
    reviewed.refresh_from_db()
    assert reviewed.state == "accepted"
    assert FeasibilityReport.objects.get(case=reviewed, version=2).decision == "accepted"


def test_case_detail_and_dashboard_panels(reviewed: Any, case: Any, users: dict[str, Any]) -> None:
    client = _client(users["lawyer"])
    detail = client.get(f"/cases/{reviewed.pk}/").content.decode()
    assert 'id="feasibility-panel"' in detail
    assert f"/cases/{reviewed.pk}/feasibility/" in detail
    dash = client.get("/").content.decode()
    assert 'id="feasibility-sla"' in dash
    assert reviewed.reference in dash  # awaiting the lawyer's decision


def test_prices_is_public_and_lists_the_presets() -> None:
    r = Client().get("/prices")
    assert r.status_code == 200
    html = r.content.decode()
    assert "收费标准公示" in html
    assert "调解中心结果收费（零预付）" in html
    assert "律师风险代理收费" in html
    assert "2026-01-01" in html
    assert "40.00%" in html
    assert "不得向债务人收取任何“催收费”" in html


def test_prices_in_english() -> None:
    html = _english(Client()).get("/prices").content.decode()
    assert "Published prices" in html
    assert "Mediation centre, paid on results" in html
