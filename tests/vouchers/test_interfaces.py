"""Voucher pages (zh and en, no raw codes), the API, the debtor portal and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.audit.models import AuditEvent
from qingqian.portal import services as portal
from qingqian.vouchers import services
from qingqian.vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def _client(user: Any, lang: str = "zh-hans") -> Client:
    client = Client()
    client.cookies["django_language"] = lang
    client.force_login(user)
    return client


def test_issue_from_the_case_page_then_assign_settle(case: Any, users: Any) -> None:
    client = _client(users["lawyer"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="voucher-panel"' in page and 'id="voucher-issue"' in page
    bad = client.post(f"/cases/{case.pk}/vouchers/", {"amount": "0", "due_date": "2026-12-31"})
    assert bad.status_code == 302 and not Voucher.objects.exists()
    done = client.post(
        f"/cases/{case.pk}/vouchers/", {"amount": "1,000.00", "due_date": "2026-12-31"}
    )
    voucher = Voucher.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/vouchers/{voucher.pk}/"
    detail = client.get(done["Location"]).content.decode()
    assert "¥1,000.00" in detail and voucher.number in detail
    client.post(f"/vouchers/{voucher.pk}/assign/", {"assignee": "苏州清源商业保理有限公司"})
    detail = client.get(f"/vouchers/{voucher.pk}/").content.decode()
    assert "第五百四十六条" in detail and 'id="voucher-notice"' in detail
    client.post(f"/vouchers/{voucher.pk}/settle/", {"amount": "400"})
    state = services.voucher_state(voucher)
    assert str(state.remaining) == "600.00" and state.status == "partly_settled"
    listing = client.get("/vouchers/").content.decode()
    assert voucher.number in listing and "¥600.00" in listing and "partly_settled" not in listing


def test_pages_in_english_show_words_not_codes(voucher: Voucher, users: Any) -> None:
    client = _client(users["lawyer"], "en")
    page = client.get(f"/vouchers/{voucher.pk}/").content.decode()
    assert "Debt voucher" in page and "issued, awaiting the debtor" in page
    # one voucher, its one case: the heading and the link in the singular
    assert f"<h1>Debt voucher {voucher.number}" in page and ">Case " in page
    assert "¥15,000.50" in page
    for code in ("voucher.issued", ">issued<", "notice_given", "15000.50<"):
        assert code not in page


def test_who_sees_what(voucher: Voucher, users: Any) -> None:
    assert _client(users["creditor"]).get(f"/vouchers/{voucher.pk}/").status_code == 200
    assert _client(users["compliance"]).get(f"/vouchers/{voucher.pk}/").status_code == 200
    assert _client(users["creditor_other"]).get(f"/vouchers/{voucher.pk}/").status_code == 404
    assert _client(users["collector"]).get(f"/vouchers/{voucher.pk}/").status_code == 403
    creditor_page = _client(users["creditor"]).get(f"/vouchers/{voucher.pk}/").content.decode()
    assert 'id="voucher-actions"' not in creditor_page
    refused = _client(users["creditor"]).post(f"/vouchers/{voucher.pk}/settle/", {"amount": "1"})
    assert refused.status_code == 403
    assert services.voucher_state(voucher).settled == 0


def test_pdf_download_is_audited(voucher: Voucher, users: Any) -> None:
    response = _client(users["creditor"]).get(f"/vouchers/{voucher.pk}/voucher.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="voucher.pdf", actor=users["creditor"]).exists()


def test_api(case: Any, users: Any) -> None:
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=users['lawyer'])}"})
    bad = api.post(
        f"/api/v1/cases/{case.pk}/vouchers", {"amount": "1.001"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "amount_invalid"
    made = api.post(
        f"/api/v1/cases/{case.pk}/vouchers",
        {"amount": "2000.00", "due_date": "2027-01-31"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "issued" and body["remaining"] == "2000.00"
    vid = body["id"]
    settled = api.post(
        f"/api/v1/vouchers/{vid}/settle", {"amount": "2000"}, content_type="application/json"
    )
    assert settled.status_code == 200 and settled.json()["status"] == "settled"
    again = api.post(
        f"/api/v1/vouchers/{vid}/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "voucher_closed"
    assert [v["id"] for v in api.get("/api/v1/vouchers").json()] == [vid]
    assert api.get(f"/api/v1/vouchers/{vid}").json()["events"][0]["kind"] == "issued"
    pdf = api.get(f"/api/v1/vouchers/{vid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    other = Client(
        headers={"Authorization": f"Bearer {api_token_create(user=users['creditor_other'])}"}
    )
    assert other.get(f"/api/v1/vouchers/{vid}").status_code == 404


def test_the_debtor_acknowledges_in_the_portal(
    voucher: Voucher, case: Any, users: Any, debtor: Any, sms: Any
) -> None:
    _, token = portal.portal_link_send(
        case=case, party=debtor, actor=users["collector"], base_url="http://t"
    )
    client = Client()
    client.get(f"/p/{token}/")
    client.post("/p/verify/", {"step": "identity", "last4": debtor.credit_code[-4:]})
    code = re.search(r"验证码 (\d{6})", sms.sent[-1].body)
    assert code
    client.post("/p/verify/", {"step": "code", "code": code.group(1)})
    page = client.get("/p/vouchers/").content.decode()
    assert voucher.number in page and "¥15,000.50" in page
    client.post("/p/vouchers/", {"action": "code", "voucher": voucher.pk})
    code = re.search(r"验证码 (\d{6})", sms.sent[-1].body)
    assert code and voucher.number in sms.sent[-1].body
    wrong = client.post(
        "/p/vouchers/",
        {"action": "ack", "voucher": voucher.pk, "typed_name": "王经理", "code": "12345x"},
    )
    assert wrong.status_code == 200 and not services.voucher_state(voucher).acknowledged
    done = client.post(
        "/p/vouchers/",
        {"action": "ack", "voucher": voucher.pk, "typed_name": "王经理", "code": code.group(1)},
    )
    assert "您已确认该凭证" in done.content.decode()
    state = services.voucher_state(voucher)
    assert state.acknowledged and state.acknowledged_by == "王经理"
    assert services.events_of(voucher)[-1].data == {"channel": "portal", "typed_name": "王经理"}
    assert AuditEvent.objects.filter(action="portal.voucher_code").exists()


def test_cli(voucher: Voucher, case: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("vouchers", "list", "--user", "lawyer", stdout=out)
    assert voucher.number in out.getvalue() and "15,000.50" in out.getvalue()
    out = io.StringIO()
    call_command(
        "vouchers",
        "issue",
        str(case.pk),
        "--amount",
        "10.00",
        "--due",
        "2027-01-01",
        "--user",
        "lawyer",
        stdout=out,
    )
    assert "-V02" in out.getvalue()
    path = tmp_path / "v.pdf"
    call_command(
        "vouchers",
        "pdf",
        str(voucher.pk),
        "--out",
        str(path),
        "--user",
        "cred-a",
        stdout=io.StringIO(),
    )
    assert path.read_bytes().startswith(b"%PDF-")


def test_the_api_list_reads_events_once_for_all(case: Any, users: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=users['lawyer'])}"})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/vouchers").status_code == 200
        return len(ctx.captured_queries)

    due = dt.date(2027, 1, 31)
    services.voucher_issue(actor=users["lawyer"], case_id=case.pk, amount="1.00", due_date=due)
    api.get("/api/v1/me")  # a token's first use in a minute records it (one UPDATE)
    one = count()
    for _ in range(3):
        services.voucher_issue(actor=users["lawyer"], case_id=case.pk, amount="1.00", due_date=due)
    assert count() == one
