"""Litigation documents: fields from the case and the calculators, Word and PDF whose text
reads back, drafts, finals in the case log, the bundle, the CLI contract."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from docx import Document
from pypdf import PdfReader

from qingqian.calculators import court_fee
from qingqian.cases.models import Case, TimelineEvent
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.litigation import documents, services
from qingqian.litigation.models import DocumentTemplate, LawyerProfile, LitigationDocument

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
AS_OF = D("2026-06-15")


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(case: Any) -> Any:
    """The shared case, moved to litigation (documents are drawn up for the judicial route)."""
    Case.objects.filter(pk=case.pk).update(state="litigation")
    case.refresh_from_db()
    return case


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _judgment(case: Any, users: Any) -> None:
    services.proceeding_create(
        case=case, actor=users["lawyer"], kind="first_instance", court="苏州市吴中区人民法院",
        case_number="(2026)苏0506民初1234号", filed_on=D("2026-02-20"),
        judgment_on=D("2026-04-01"), judgment_served_on=D("2026-04-03"),
        effective_on=D("2026-04-20"), pay_by=D("2026-04-30"), outcome="won",
        awarded_principal=Decimal("20000.50"), awarded_interest=Decimal("500.00"),
        awarded_fees=Decimal("300.00"),
    )  # fmt: skip
    services.asset_clue_add(
        case=case, actor=users["lawyer"], kind="bank_account", summary="中国工商银行苏州分行",
        source="court_inquiry", source_date=D("2026-05-01"), detail="6222021102003456789",
    )  # fmt: skip


def test_complaint_fields_use_the_calculators(case: Any, users: Any) -> None:
    r = documents.document_render(case=case, kind="complaint", as_of=AS_OF, actor=None)
    f = r.fields
    # INV-001 12,000.50 due 2025-02-10 and INV-002 8,000 due 2025-04-01, each from its own due
    # date at the LPR (3.00%) + 30%, the court fee on the total by Art. 13(1)
    assert f["principal"] == "20000.50"
    interest = Decimal(f["interest"])
    assert Decimal("0") < interest < Decimal("20000.50") * Decimal("0.039") * 2
    assert Decimal(f["claim_total"]) == Decimal("20000.50") + interest
    assert f["court_fee"] == str(court_fee(Decimal(f["claim_total"]), kind="property")["fee"])
    assert f["cause"] == "买卖合同纠纷" and f["debt_type"] == "货款"
    assert "逾期付款损失" in r.text and f["claim_total"] in r.text and f["court_fee"] in r.text


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("demand_letter", ["律师函", "执业证号：A3205"]),
        ("complaint", ["民事起诉状", "诉讼请求", "案件受理费"]),
        ("payment_order_application", ["支付令申请书", "第二百二十五条"]),
        ("preservation_application", ["财产保全申请书", "中国工商银行苏州分行"]),
        ("enforcement_application", ["强制执行申请书", "(2026)苏0506民初1234号", "20800.50"]),
        ("evidence_list", ["证据目录", "借条"]),
        ("service_address", ["送达地址确认书"]),
        ("power_of_attorney", ["授权委托书", "执业证号：A3205"]),
    ],
)
def test_every_document_reads_back_from_word_and_pdf(
    case: Any, users: Any, kind: str, expected: list[str]
) -> None:
    from qingqian.evidence.services import evidence_add

    LawyerProfile.objects.create(user=users["lawyer"], practice_number="A32052020", firm="某律所")
    _judgment(case, users)
    evidence_add(
        user=users["lawyer"], case_id=case.pk, evidence_type="iou", title="借条",
        collected_by="张三", collected_at=NOW, capture_method="扫描",
        original_location="档案室", filename="iou.pdf", data=b"%PDF-1.4 iou",
    )  # fmt: skip
    r = documents.document_render(case=case, kind=kind, as_of=AS_OF, actor=users["lawyer"])
    word = _docx_text(documents.to_docx(r.text, title=r.fields["title"], as_of=AS_OF))
    pdf = _pdf_text(documents.to_pdf(r.text, title=r.fields["title"]))
    for text in (word, "".join(pdf.split())):  # letter-spaced titles read back with spaces
        for needle in expected:
            assert needle in text, (kind, needle)
        assert "{{" not in text and "{%" not in text
        assert "first_instance" not in text and "bank_account" not in text  # no raw codes


def test_wrong_state_and_unknown_kind_are_refused(case: Any, users: Any) -> None:
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed) as info:
        documents.document_render(
            case=case, kind="enforcement_application", as_of=AS_OF, actor=None
        )
    assert info.value.code == "wrong_case_state"
    Case.objects.filter(pk=case.pk).update(state="litigation")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed) as info:
        documents.document_render(
            case=case, kind="enforcement_application", as_of=AS_OF, actor=None
        )
    assert info.value.code == "no_effective_judgment"
    with pytest.raises(ValidationFailed) as info:
        documents.document_render(case=case, kind="will", as_of=AS_OF, actor=None)
    assert info.value.code == "unknown_kind"


def test_person_id_numbers_only_in_clear_for_the_lawyer(
    case: Any, users: Any, person_debtor: Any
) -> None:
    from qingqian.cases.models import CaseParty

    CaseParty.objects.create(case=case, party=person_debtor, role="debtor")
    system = documents.document_render(case=case, kind="complaint", as_of=AS_OF, actor=None)
    lawyer = documents.document_render(
        case=case, kind="complaint", as_of=AS_OF, actor=users["lawyer"]
    )
    masked = person_debtor.id_number_masked
    assert masked and masked in system.text
    assert masked not in lawyer.text and "公民身份号码" in lawyer.text


def test_administrator_template_is_used(case: Any, users: Any) -> None:
    DocumentTemplate.objects.create(
        kind="demand_letter", body="# 催款函\n请{{ debtors.0.name }}支付{{ claim_total }}元。"
    )
    r = documents.document_render(case=case, kind="demand_letter", as_of=AS_OF, actor=None)
    assert r.text.startswith("# 催款函") and r.fields["claim_total"] in r.text
    DocumentTemplate.objects.filter(kind="demand_letter").update(body="{% for %}")
    with pytest.raises(ValidationFailed) as info:
        documents.document_render(case=case, kind="demand_letter", as_of=AS_OF, actor=None)
    assert info.value.code == "template_broken"


def test_draft_edit_final_in_the_case_log_then_frozen(case: Any, users: Any) -> None:
    lawyer = users["lawyer"]
    doc = documents.document_draft(case=case, kind="demand_letter", actor=lawyer)
    documents.document_edit(document=doc, actor=lawyer, text=doc.text + "\n另：请尽快联系。")
    final = documents.document_finalise(document=doc, actor=lawyer)
    pdf = documents.document_file(final, "pdf")
    assert final.final and final.sha256 == hashlib.sha256(pdf).hexdigest()
    assert "另：请尽快联系。" in _pdf_text(pdf)
    logged = TimelineEvent.objects.get(case=case, kind="document_final")
    assert final.sha256 in logged.note
    with pytest.raises(Conflict):
        documents.document_edit(document=final, actor=lawyer, text="改")
    with pytest.raises(PermissionDenied):
        documents.document_draft(case=case, kind="demand_letter", actor=users["collector"])


def test_bundle_holds_documents_evidence_in_order_and_the_package(case: Any, users: Any) -> None:
    from qingqian.evidence.services import evidence_add

    lawyer = users["lawyer"]
    for title, body in (("借条", b"%PDF-1.4 one"), ("转账记录", b"%PDF-1.4 two")):
        evidence_add(
            user=lawyer, case_id=case.pk, evidence_type="other", title=title,
            collected_by="张三", collected_at=NOW, capture_method="扫描",
            original_location="档案室", filename=f"{title}.pdf", data=body,
        )  # fmt: skip
    with pytest.raises(ValidationFailed):
        documents.bundle_build(case=case, actor=lawyer)
    doc = documents.document_draft(case=case, kind="evidence_list", actor=lawyer)
    documents.document_finalise(document=doc, actor=lawyer)
    data = documents.bundle_build(case=case, actor=lawyer)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        evidence = [n for n in names if n.startswith("02-证据/")]
        assert evidence == ["02-证据/01-借条.pdf", "02-证据/02-转账记录.pdf"]
        assert zf.read(evidence[1]) == b"%PDF-1.4 two"
        assert "03-证据包/evidence-package.zip" in names
        assert any(n.endswith("证据目录.pdf") for n in names)
        manifest = json.loads(zf.read("manifest.json"))
        assert len(manifest) == 3


def test_web_drafts_and_finalises_and_downloads(case: Any, users: Any) -> None:
    web = Client()
    web.force_login(users["lawyer"])
    resp = web.post(
        f"/cases/{case.pk}/litigation/documents/", {"kind": "complaint"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert resp.status_code == 200 and "民事起诉状" in resp.content.decode()
    doc = LitigationDocument.objects.get()
    word = web.get(f"/cases/{case.pk}/litigation/documents/{doc.pk}.docx")
    assert "民事起诉状" in _docx_text(word.content)
    web.post(f"/cases/{case.pk}/litigation/documents/{doc.pk}/final/")
    doc.refresh_from_db()
    assert doc.final
    assert web.get(f"/cases/{case.pk}/litigation/bundle.zip")["Content-Type"] == "application/zip"
    assert web.get(f"/cases/{case.pk}/litigation/documents/{doc.pk}.exe").status_code == 404


def test_cli_contract(case: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "complaint.docx"
    call_command(
        "document", "render", "complaint", str(case.pk), "--out", str(target), "--json",
        "--as-of", "2026-06-15", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["kind"] == "complaint" and data["case"] == case.reference
    assert data["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert {"claim_total", "court_fee"} <= set(data["fields"])
    assert "民事起诉状" in _docx_text(target.read_bytes())
    pdf = tmp_path / "complaint.pdf"
    call_command("document", "render", "complaint", str(case.pk), "--out", str(pdf), stdout=out)
    assert data["fields"]["claim_total"] in _pdf_text(pdf.read_bytes())
    Case.objects.filter(pk=case.pk).update(state="intake")
    for args in (
        ["bogus", str(case.pk)],
        ["complaint", str(case.pk)],  # a case still in intake
        ["complaint", "999999"],
    ):
        with pytest.raises(CommandError) as info:
            call_command("document", "render", *args, "--out", str(pdf), stdout=out)
        assert info.value.returncode == 2 and " / " in str(info.value)
