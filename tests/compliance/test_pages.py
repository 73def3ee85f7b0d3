"""The compliance officer's pages: the audit trail (filters, words, export), regulatory
records with expiry warnings (page, dashboard, daily job, price page), incidents."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qingqian.audit.models import AuditEvent
from qingqian.compliance.models import Incident, RegulatoryRecord
from qingqian.parties.services import party_reveal

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_audit_trail_shows_who_saw_whose_identifiers_in_words(
    users: dict[str, Any], case: Any, debtor: Any
) -> None:
    party_reveal(actor=users["collector"], party=debtor, field="phone")
    c = _client(users["compliance"])
    html = c.get(reverse("compliance:audit"), {"action": "reveal"}).content.decode()
    rows = html.split('id="audit-rows"')[1]
    assert "查看完整电话号码" in rows
    assert "party.reveal" not in rows  # option values are codes; nothing shown is
    assert "催收员" in rows  # the actor with their role
    by_person = c.get(
        reverse("compliance:audit"), {"actor": str(users["lawyer"].pk), "action": "reveal"}
    ).content.decode()
    assert "查看完整电话号码" not in by_person.split('id="audit-rows"')[1]


def test_the_case_filter_finds_rows_about_the_case_and_its_parties(
    users: dict[str, Any], case: Any, debtor: Any
) -> None:
    party_reveal(actor=users["collector"], party=debtor, field="phone")
    c = _client(users["compliance"])
    html = c.get(reverse("compliance:audit"), {"case": case.reference}).content.decode()
    assert "立案" in html and "查看完整电话号码" in html
    none = c.get(reverse("compliance:audit"), {"case": "QQ-NOPE"}).content.decode()
    assert "没有找到这个案号" in none


def test_the_period_filter(users: dict[str, Any], case: Any) -> None:
    c = _client(users["compliance"])
    inside = c.get(reverse("compliance:audit"), {"start": "2026-11-20", "end": "2026-11-20"})
    before = c.get(reverse("compliance:audit"), {"start": "2026-01-01", "end": "2026-01-31"})
    assert "立案" in inside.content.decode()
    assert "立案" not in before.content.decode().split("audit-rows")[1]


def test_the_export_is_formula_safe_and_audited(users: dict[str, Any], case: Any) -> None:
    AuditEvent.objects.create(
        organisation=case.organisation,
        actor=users["lawyer"],
        actor_label="lawyer",
        action="case.transition",
        object_type="cases.case",
        object_id=str(case.pk),
        after={"note": '=HYPERLINK("http://evil")'},
        at=case.created_at,
    )
    c = _client(users["compliance"])
    response = c.get(reverse("compliance:audit_export"), {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert any("推进案件状态" in r for r in rows)
    for row in rows:
        for cell in row:
            assert not cell.startswith("="), cell
    assert AuditEvent.objects.filter(action="audit.export", actor=users["compliance"]).exists()
    xlsx = c.get(reverse("compliance:audit_export"), {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "推进案件状态" in values
    assert c.get(reverse("compliance:audit_export"), {"format": "pdf"}).status_code == 400


def test_a_collector_may_not_open_the_audit_trail(users: dict[str, Any]) -> None:
    response = _client(users["collector"]).get(reverse("compliance:audit"))
    assert response.status_code == 403 and "audit.view" not in response.content.decode()


def test_portal_link_send_is_attributed_to_the_collector(
    users: dict[str, Any], case: Any, debtor: Any
) -> None:
    from qingqian.contact.channels.base import use_adapter
    from qingqian.contact.models import ContactAttempt
    from qingqian.portal.services import portal_link_send
    from tests.portal.fakes import RecordingSms

    with use_adapter("sms", RecordingSms()):
        portal_link_send(
            case=case, party=debtor, actor=users["collector"], base_url="http://testserver"
        )
    row = AuditEvent.objects.get(action="portal.link_send")
    assert row.actor == users["collector"] and row.actor_label == "collector"
    assert ContactAttempt.objects.get().actor_label == "collector"


def _insurance(c: Client, **over: str) -> Any:
    data = {
        "kind": "insurance",
        "title": "催收服务职业责任保险",
        "issuer": "中国人民财产保险股份有限公司苏州市分公司",
        "number": "PZAA202632050000001234",
        "cover": "5,000,000",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    } | over
    return c.post(reverse("compliance:records"), data)


def test_recording_insurance_warns_before_it_expires_and_shows_it_publicly(
    users: dict[str, Any], org: Any
) -> None:
    c = _client(users["compliance"])
    page = c.get(reverse("compliance:records")).content.decode()
    assert "没有生效的职业责任保险" in page
    assert _insurance(c).status_code == 302
    record = RegulatoryRecord.objects.get()
    assert record.cover == Decimal("5000000.00") and record.created_by == users["compliance"]
    assert AuditEvent.objects.filter(action="regulatory.record_add").exists()
    page = c.get(reverse("compliance:records")).content.decode()
    assert "¥5,000,000.00" in page
    assert "职业责任保险即将到期" in page  # 41 days left on 2026-11-20
    dashboard = c.get(reverse("web:dashboard")).content.decode()
    assert "职业责任保险即将到期" in dashboard
    prices = Client().get(reverse("reports:prices")).content.decode()
    assert "PZAA202632050000001234" in prices and "¥5,000,000.00" in prices
    out = io.StringIO()
    call_command("daily", "--today", "2026-11-20", "--json", stdout=out, stderr=io.StringIO())
    summary = json.loads(out.getvalue())
    whats = [w["what"] for w in summary["expiry_warnings"][org.short_code]]
    assert "professional liability insurance expires soon" in whats


def test_bad_record_input_is_refused_in_words_and_nothing_is_written(
    users: dict[str, Any],
) -> None:
    c = _client(users["compliance"])
    r = _insurance(c, cover="")
    assert r.status_code == 422 and "保险金额" in r.content.decode()
    r = _insurance(c, valid_until="2025-01-01")
    assert r.status_code == 422 and "有效期至不能早于生效日期" in r.content.decode()
    r = _insurance(c, cover="abc")
    assert r.status_code == 422
    assert RegulatoryRecord.objects.count() == 0


def test_collector_certificates_are_warned_and_can_be_renewed(
    users: dict[str, Any], org: Any
) -> None:
    from qingqian.compliance.selectors import expiry_warnings

    collector = users["collector"]
    collector.cert_expires = dt.date(2026, 11, 1)
    collector.save()
    warnings = expiry_warnings(org, dt.date(2026, 11, 20))
    assert any(w.what_en == "collector certificate expired" for w in warnings)
    own = _client(collector).get(reverse("web:dashboard")).content.decode()
    assert "证书已于" in own and "工作队列因此为空" in own
    c = _client(users["compliance"])
    c.post(
        reverse("compliance:certificate_set", args=[collector.pk]),
        {"number": "SZ-CERT-0002", "issuer": "苏州市商务调解协会", "expires": "2028-11-30"},
    )
    collector.refresh_from_db()
    assert collector.cert_expires == dt.date(2028, 11, 30)
    row = AuditEvent.objects.get(action="user.certificate_set")
    assert row.before["cert_expires"] == "2026-11-01"


def test_incidents_are_recorded_and_closed(users: dict[str, Any], case: Any) -> None:
    c = _client(users["compliance"])
    r = c.post(
        reverse("compliance:incidents"),
        {"kind": "complaint", "occurred_on": "2026-11-19", "summary": "债务人投诉来电过多",
         "case": case.reference},
    )  # fmt: skip
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert incident.case == case
    html = c.get(reverse("compliance:incidents")).content.decode()
    assert "债务人投诉来电过多" in html and "投诉" in html
    c.post(reverse("compliance:incident_close", args=[incident.pk]), {"resolution": "已道歉"})
    incident.refresh_from_db()
    assert incident.state == "closed"
    assert {"incident.open", "incident.close"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    future = c.post(
        reverse("compliance:incidents"),
        {"kind": "complaint", "occurred_on": "2027-01-01", "summary": "x"},
    )
    assert future.status_code == 422


def test_a_renewal_recorded_ahead_of_time_ends_the_warning(users: dict[str, Any], org: Any) -> None:
    from qingqian.compliance.selectors import expiry_warnings

    c = _client(users["compliance"])
    _insurance(c)
    assert any("insurance" in w.what_en for w in expiry_warnings(org, dt.date(2026, 11, 20)))
    _insurance(c, number="PZAA2027", valid_from="2027-01-01", valid_until="2027-12-31")
    assert not any("insurance" in w.what_en for w in expiry_warnings(org, dt.date(2026, 11, 20)))
    gap = expiry_warnings(org, dt.date(2027, 11, 20))
    assert any(w.what_en == "professional liability insurance expires soon" for w in gap)


@pytest.mark.django_db
def test_each_action_is_offered_once_in_the_filter(org: Any, users: dict[str, Any]) -> None:
    from qingqian.audit.services import audit_record
    from qingqian.compliance.selectors import audit_actions_present

    for _ in range(3):  # the same action at different times: one option, not three
        audit_record(actor=users["lawyer"], organisation=org, action="case.assign", obj=org)
    audit_record(actor=users["admin"], organisation=org, action="case.open", obj=org)
    assert audit_actions_present(org.pk) == ["case.assign", "case.open"]
