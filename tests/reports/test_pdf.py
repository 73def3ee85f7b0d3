from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.test import Client

from qingqian.reports.models import FeasibilityReport
from qingqian.reports.pdf import report_pdf

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(pdf: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
            for desc in font.get("/DescendantFonts", []):
                fd = desc.get_object().get("/FontDescriptor")
                if fd is not None:
                    fd = fd.get_object()
                    assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return names


def test_pdf_has_the_chinese_content_and_embedded_cjk_font(
    reviewed: Any, users: dict[str, Any]
) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    client = Client()
    client.force_login(users["lawyer"])
    r = client.get(f"/cases/{reviewed.pk}/feasibility/pdf/")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    pdf = r.content
    text = _text(pdf).replace(" ", "")
    for phrase in (
        "可行性报告",
        "债权概况",
        "20,000.50",
        "证据强度",
        "回收率不足30%",
        "诉讼时效",
        "届满日",
        "债务人情况",
        "暂无评分",
        "支付令",
        "预期净回收",
        "债权人还需提供",
        reviewed.reference,
        str(report.data["limitation_deadline"]),
    ):
        assert phrase in text, phrase
    assert "\ufffd" not in text
    assert any("NotoSansCJK" in name or "Noto" in name for name in _fonts(pdf))
    report.refresh_from_db()
    assert report.pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def test_pdf_in_english(reviewed: Any) -> None:
    report = FeasibilityReport.objects.get(case=reviewed)
    text = _text(report_pdf(report, en=True))
    assert "Feasibility report" in text
    assert "Expected net" in text
