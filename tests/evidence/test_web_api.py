"""Evidence in the product: the case-page panel, the upload and new-version forms, audited
downloads, the package button, and the ``/api/v1/cases/{id}/evidence`` endpoints."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.audit.models import AuditEvent
from qingqian.evidence.models import EvidenceItem, EvidenceVersion
from qingqian.ledger.selectors import log_verifier_key
from qingqian.ledger.verify_cli import verify_package

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
FORM = {
    "evidence_type": "iou",
    "title": "借条原件",
    "collected_by": "李律师",
    "collected_at": "2025-03-01T10:30",
    "capture_method": "扫描仪",
    "original_location": "档案室 A-12",
}


@pytest.fixture
def web(users: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(users["lawyer"])
    return client


@pytest.fixture
def api(users: dict[str, Any]) -> Client:
    token = api_token_create(user=users["lawyer"])
    return Client(headers={"Authorization": f"Bearer {token}"})


def _upload(
    client: Client, case: Any, data: bytes = PDF, name: str = "iou.pdf", **form: str
) -> Any:
    fields = {**FORM, **form, "file": SimpleUploadedFile(name, data, "application/pdf")}
    return client.post(f"/cases/{case.pk}/evidence/", fields, follow=True)


def test_panel_upload_version_and_download(web: Client, case: Any, users: dict[str, Any]) -> None:
    page = web.get(f"/cases/{case.pk}/")
    assert b'id="evidence-panel"' in page.content
    assert "证据强度".encode() in page.content and "还没有证据".encode() in page.content
    response = _upload(web, case)
    assert "证据已保存".encode() in response.content
    item = EvidenceItem.objects.get()
    assert item.collected_at.utcoffset() is not None
    assert "借条原件".encode() in response.content and b"v1" in response.content
    new = web.post(
        f"/cases/{case.pk}/evidence/{item.pk}/versions/",
        {
            "kind": "conversion",
            "reason": "扫描为图片",
            "file": SimpleUploadedFile("iou.png", PNG, "image/png"),
        },
        follow=True,
    )
    assert "新版本 v2".encode() in new.content
    v2 = EvidenceVersion.objects.get(number=2)
    assert v2.previous is not None and v2.previous.number == 1
    before = AuditEvent.objects.filter(action="evidence.download").count()
    file = web.get(f"/cases/{case.pk}/evidence/{item.pk}/v1/")
    assert file.status_code == 200 and file.content == PDF
    assert file["Content-Type"] == "application/pdf"
    assert "attachment" in file["Content-Disposition"]
    assert AuditEvent.objects.filter(action="evidence.download").count() == before + 1


def test_bad_uploads_get_bilingual_errors_and_write_nothing(
    web: Client, case: Any, settings: Any
) -> None:
    wrong = _upload(web, case, data=PNG, name="iou.pdf")
    assert "与文件名或声明的类型不符".encode() in wrong.content
    settings.QINGQIAN_EVIDENCE_MAX_BYTES = 10
    big = _upload(web, case)
    assert "文件过大".encode() in big.content
    settings.QINGQIAN_EVIDENCE_MAX_BYTES = 50 * 1024 * 1024
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _upload(web, case, collected_by="")
    assert b"Record the provenance" in english.content
    bad_time = _upload(web, case, collected_at="yesterday")
    assert b"not a valid date and time" in bad_time.content
    assert EvidenceItem.objects.count() == 0


def test_other_creditors_get_404_everywhere(case: Any, users: dict[str, Any], web: Client) -> None:
    _upload(web, case)
    item = EvidenceItem.objects.get()
    other = Client()
    other.force_login(users["creditor_other"])
    assert _upload(other, case).status_code == 404
    assert other.get(f"/cases/{case.pk}/evidence/{item.pk}/v1/").status_code == 404
    assert other.post(f"/cases/{case.pk}/evidence/package.zip").status_code == 404
    token = api_token_create(user=users["creditor_other"])
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get(f"/api/v1/cases/{case.pk}/evidence").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/evidence/{item.pk}/versions/1").status_code == 404
    assert AuditEvent.objects.filter(action="evidence.download").count() == 0


def test_package_button_serves_a_verifying_zip(web: Client, case: Any) -> None:
    _upload(web, case)
    page = web.get(f"/cases/{case.pk}/")
    assert b'id="evidence-package"' in page.content
    response = web.post(f"/cases/{case.pk}/evidence/package.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    report = verify_package(response.content, log_verifier_key())
    assert report.passed, report.render()
    assert AuditEvent.objects.filter(action="evidence.export").count() == 1
    assert web.get(f"/cases/{case.pk}/evidence/package.zip").status_code == 405


def test_api_upload_list_download_package(api: Client, case: Any) -> None:
    upload = api.post(
        f"/api/v1/cases/{case.pk}/evidence",
        {**FORM, "collected_at": "2025-03-01T10:30:00+08:00", "file": io.BytesIO(PDF)},
    )
    assert upload.status_code == 422  # a BytesIO has no name: the extension check refuses it
    assert upload.json()["code"] == "file_type_mismatch"
    upload = api.post(
        f"/api/v1/cases/{case.pk}/evidence",
        {
            **FORM,
            "collected_at": "2025-03-01T10:30:00+08:00",
            "file": SimpleUploadedFile("iou.pdf", PDF, "application/pdf"),
        },
    )
    assert upload.status_code == 201, upload.content
    body = upload.json()
    assert body["type"] == "iou" and body["versions"][0]["sha256"]
    listing = api.get(f"/api/v1/cases/{case.pk}/evidence").json()
    assert [i["id"] for i in listing["items"]] == [body["id"]]
    missing = {m["code"] for m in listing["missing"]}
    assert "money_flow" in missing and "written_agreement" not in missing
    assert 0 < listing["strength"] < 100
    download = api.get(listing["items"][0]["versions"][0]["download"])
    assert download.status_code == 200 and download.content == PDF
    assert AuditEvent.objects.filter(action="evidence.download").count() == 1
    package = api.get(f"/api/v1/cases/{case.pk}/evidence/package")
    assert package.status_code == 200 and verify_package(package.content, log_verifier_key()).passed
    bad = api.post(
        f"/api/v1/cases/{case.pk}/evidence",
        {
            **FORM,
            "collected_at": "2025-03-01T10:30:00+08:00",
            "file": SimpleUploadedFile("x.pdf", PNG),
        },
    )
    assert bad.status_code == 422
    assert set(bad.json()) == {"code", "message", "details"}
    assert " / " in bad.json()["message"]


# h19d: errors where the user looks, the form keeps its fields, a confirmation; trade types.


def test_an_upload_error_shows_in_the_form_which_keeps_its_fields(web: Client, case: Any) -> None:
    page = _upload(web, case, data=PNG, name="contract.pdf", evidence_type="sales_contract")
    html = page.content.decode()
    assert page.redirect_chain[-1][0].endswith("#evidence-panel")
    form = html.split('id="evidence-upload-form"')[1].split("</form>")[0]
    assert 'id="evidence-upload-error"' in form and "与文件名或声明的类型不符" in form
    assert 'value="李律师"' in form and 'value="档案室 A-12"' in form
    assert '<option value="sales_contract" selected>' in form
    assert '<details class="evidence-upload" open>' in html
    # Shown once: a reload has a clean form.
    again = web.get(f"/cases/{case.pk}/").content.decode()
    assert "evidence-upload-error" not in again and 'value="李律师"' not in again


def test_a_saved_upload_is_confirmed_in_the_panel(web: Client, case: Any) -> None:
    page = _upload(web, case, evidence_type="sales_contract", title="2025 年购销合同")
    panel = page.content.decode().split('id="evidence-panel"')[1]
    assert 'id="evidence-saved"' in panel and "买卖合同“2025 年购销合同”" in panel


def test_a_trade_case_offers_the_sales_contract_first_and_it_counts_as_written(
    web: Client, case: Any, users: dict[str, Any]
) -> None:
    import datetime as dt

    from qingqian.reports.selectors import case_facts

    html = web.get(f"/cases/{case.pk}/").content.decode()
    select = html.split('name="evidence_type"')[1].split("</select>")[0]
    assert select.index("买卖合同") < select.index("借条")
    assert "建设工程施工合同" in select
    _upload(web, case, evidence_type="supply_contract", title="购销合同")
    facts, _context = case_facts(case, today=dt.date(2026, 11, 20))
    assert facts.written_agreement.value == "present"
