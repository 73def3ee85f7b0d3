"""The mediation pages and API: the case page shows the match with reasons (zh and en), the
whole journey by form posts, the API's match in the CLI's shape, a community mediator kept to
their own cases, and the figures and price pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingqian.mediation import services
from qingqian.mediation.models import MediationFee, OrganisationLicence

pytestmark = pytest.mark.django_db


def test_case_page_shows_match_with_reasons(client, mcase, roster, users):
    client.force_login(users["mediator"])
    page = client.get(f"/cases/{mcase.pk}/mediation/").content.decode()
    assert "顾老师" in page and "会讲昆山话（母语）" in page
    assert "沈书记" not in page  # conflict of interest
    client.cookies["django_language"] = "en"
    page = client.get(f"/cases/{mcase.pk}/mediation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "speaks Kunshan Wu (native)" in page
    case_page = client.get(f"/cases/{mcase.pk}/").content.decode()
    assert 'id="mediation-panel"' in case_page


def test_api_match_same_shape_as_cli(client, mcase, roster, users):
    client.force_login(users["mediator"])
    data = client.get(f"/api/v1/cases/{mcase.pk}/mediation/match").json()
    assert data["case"] == mcase.pk
    assert data["candidates"][0]["mediator"] == roster["elder"].pk
    assert set(data["candidates"][0]) == {"mediator", "name", "score", "reasons"}
    r = client.post(
        f"/api/v1/cases/{mcase.pk}/mediations",
        data={"mediator": roster["elder"].pk},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["dialect_matched"] is True
    r = client.post(
        f"/api/v1/cases/{mcase.pk}/mediations", data={}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "mediation_open"


def test_journey_by_forms(client, mcase, roster, users, monkeypatch):
    codes: dict[str, str] = {}

    def deliver(party: Any, code: str, reference: str) -> None:
        codes["last"] = code

    monkeypatch.setattr("qingqian.mediation.views._deliver_code", deliver)
    client.force_login(users["mediator"])
    base = f"/cases/{mcase.pk}/mediation/"
    client.post(f"{base}request/", {"mediator": roster["elder"].pk})
    client.post(
        f"{base}sessions/",
        {"mode": "video", "at": "2026-11-20T15:00", "place": "视频", "participants": "双方"},
    )
    client.post(f"{base}proposals/", {"side": "debtor", "amount": "12,000", "months": "4",
                                      "start": "2027-01", "day": "15"})  # fmt: skip
    m = mcase.mediations.get()
    p = m.proposals.get()
    client.post(f"{base}proposals/{p.pk}/accept/")
    r = client.post(f"{base}agreement/", {"facts": "", "disputed": "x", "method": "转账",
                                          "place": "昆山", "seal": "on"})  # fmt: skip
    assert r.status_code == 422 and 'data-code="agreement_elements_missing"' in r.content.decode()
    client.post(f"{base}agreement/", {"facts": "拖欠货款", "disputed": "金额", "method": "转账",
                                      "place": "昆山", "seal": "on"})  # fmt: skip
    for side in ("creditor", "debtor"):
        client.post(f"{base}agreement/code/", {"side": side})
        client.post(f"{base}agreement/sign/", {"side": side, "typed_name": "某某",
                                               "code": codes["last"]})  # fmt: skip
    client.post(f"{base}agreement/mediator-sign/", {"typed_name": "顾老师"})
    m.refresh_from_db()
    assert m.agreement.state == "signed"
    assert client.get(f"{base}agreement.pdf").content[:4] == b"%PDF"
    assert client.get(f"{base}agreement.docx").content[:2] == b"PK"
    client.post(f"{base}confirmation/", {"court": "昆山市人民法院", "filed_on": "2026-11-20"})
    client.post(f"{base}confirmation/ruling/", {"ruling_on": "2026-11-23", "confirmed": "yes",
                                                "case_number": "(2026)苏0583民特9号"})  # fmt: skip
    m.agreement.confirmation.refresh_from_db()
    assert m.agreement.confirmation.state == "confirmed"
    assert client.get(f"{base}agreement.pdf?doc=confirmation").content[:4] == b"%PDF"
    figures = client.get("/reports/mediation/").content.decode()
    assert 'id="agreement-rate"' in figures and "100.0%" in figures


def test_bad_input_is_a_clear_error_and_writes_nothing(client, mcase, roster, users):
    client.force_login(users["mediator"])
    base = f"/cases/{mcase.pk}/mediation/"
    client.post(f"{base}request/", {"mediator": roster["elder"].pk})
    r = client.post(f"{base}proposals/", {"side": "debtor", "amount": "-5"})
    assert r.status_code == 422
    assert 'data-code="amount_' in r.content.decode()
    assert not mcase.mediations.get().proposals.exists()


def test_community_mediator_sees_only_own(client, mcase, roster, users):
    client.force_login(roster["elder_user"])
    assert client.get(f"/cases/{mcase.pk}/mediation/").status_code == 404
    m = services.mediation_request(case=mcase, actor=users["mediator"])
    services.mediation_assign(mediation=m, actor=users["mediator"], mediator=roster["elder"])
    assert client.get(f"/cases/{mcase.pk}/mediation/").status_code == 200
    assert client.get("/contact/holds/").status_code == 403


def test_price_page_shows_mediation_fees_and_licence(client, org):
    MediationFee.objects.create(
        organisation=org, name="调解服务费", name_en="Mediation service fee", basis="percent",
        percent="2.00", minimum="500.00", payer="双方各半", payer_en="shared equally",
        effective_from=dt.date(2026, 5, 1),
    )  # fmt: skip
    OrganisationLicence.objects.create(
        organisation=org, number="苏商调登字 2026-0001", authority="苏州市司法局",
        issued_on=dt.date(2026, 6, 1), scope="商事纠纷调解", basis="《商事调解条例》",
    )  # fmt: skip
    page = client.get("/prices").content.decode()
    assert "调解服务费" in page and "¥500.00" in page and "苏商调登字 2026-0001" in page
    assert "待核实" in page
    # the regulation as dated data, with its decree number and the fee article, unverified
    assert "国务院令第789号" in page and "第十六条" in page
    assert "资料截至 2026-12-06，尚未与官方文本核对" in page


def test_the_place_form_starts_at_the_debtors_known_place(client, mcase, roster, users):
    client.force_login(users["mediator"])
    page = client.get(f"/cases/{mcase.pk}/mediation/").content.decode()
    # the debtor's registered address is in 昆山市周市镇: the form offers it, selected
    assert '<option value="昆山市/周市镇" selected>' in page


def test_roster_lists_the_collectors_places_and_dialects(client, org, users):
    from qingqian.mediation.models import SpeechProfile

    SpeechProfile.objects.create(
        user=users["collector"], localities=["昆山市/周市镇"],
        dialects=[{"dialect": "kunshan", "level": "native"}],
    )  # fmt: skip
    client.force_login(users["admin"])
    page = client.get("/mediation/roster/").content.decode()
    section = page[page.index('id="collector-speech"') :]
    assert "昆山市 周市镇" in section and "昆山话（母语）" in section
    assert "kunshan" not in section and "native" not in section  # words, not codes
    client.cookies["django_language"] = "en"
    page = client.get("/mediation/roster/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kunshan Wu (native)" in page and "Collectors' places and dialects" in page
