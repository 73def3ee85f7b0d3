from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from qingqian.accounts.otp import OtpError
from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.intake.errors import IntakeError
from qingqian.intake.fee_rules import LAW_FIRM_SCHEDULE
from qingqian.reports.agreements import (
    agreement_code_request,
    agreement_docx,
    agreement_draft,
    agreement_pdf,
    agreement_send,
    agreement_sign,
    terms_digest,
)
from qingqian.reports.models import FeasibilityReport, FeeScheduleRow
from qingqian.reports.presets import pricing_fields
from qingqian.reports.services import feasibility_report_decide

pytestmark = pytest.mark.django_db


def _has_cjk_font() -> bool:
    return any(Path("/usr/share/fonts").rglob("*CJK*"))


@pytest.fixture
def accepted(reviewed: Any, users: dict[str, Any]) -> Any:
    report = FeasibilityReport.objects.get(case=reviewed)
    feasibility_report_decide(report=report, actor=users["lawyer"], accept=True, reason="")
    reviewed.refresh_from_db()
    users["creditor"].email = "finance@example.com"
    users["creditor"].save(update_fields=["email"])
    return reviewed


def _law_firm(case: Any) -> None:
    case.organisation.org_type = "law_firm"
    case.organisation.save(update_fields=["org_type"])


def _code(mailoutbox: list[Any]) -> str:
    match = re.search(r"验证码：(\d{6})", mailoutbox[-1].body)
    assert match
    return match.group(1)


def test_draft_send_sign_records_the_hash(
    accepted: Any, users: dict[str, Any], mailoutbox: list[Any]
) -> None:
    _law_firm(accepted)
    draft = agreement_draft(case=accepted, actor=users["lawyer"])
    assert draft.version == 1 and draft.kind == "contingency"
    assert draft.terms_sha256 == terms_digest(draft.terms)
    assert draft.terms["title_zh"] == "风险代理协议"
    assert draft.terms["zero_prepayment"] is True
    assert draft.terms["fees_charged_to"] == "creditor"
    assert draft.schedule_key == LAW_FIRM_SCHEDULE.key
    sent = agreement_send(agreement=draft, actor=users["lawyer"])
    agreement_code_request(agreement=sent, actor=users["creditor"])
    assert mailoutbox[-1].to == ["finance@example.com"]
    code = _code(mailoutbox)
    signed = agreement_sign(
        agreement=sent, actor=users["creditor"], typed_name=" 王 建华 ", code=code
    )
    assert signed.state == "signed" and signed.signed_name == "王 建华"
    assert signed.signed_sha256 == hashlib.sha256(bytes(signed.signed_pdf)).hexdigest()
    note = TimelineEvent.objects.get(case=accepted, kind="agreement_signed").note
    assert signed.signed_sha256 in note and signed.terms_sha256 in note
    assert AuditEvent.objects.filter(action="agreement.sign", object_id=str(signed.pk)).exists()
    # The signed PDF is its own log entry, by content hash.
    from qingqian.evidence.models import SignedDocument
    from qingqian.ledger.canonical import parse_canonical

    document = SignedDocument.objects.get(case=accepted, kind="fee_agreement")
    assert document.file.sha256 == signed.signed_sha256
    assert document.log_entry is not None
    logged = parse_canonical(document.log_entry.private_statement)
    assert logged["type"] == "document.signed" and logged["sha256"] == signed.signed_sha256
    # Signing starts the debtor's treatment: the first strategy step is scheduled.
    from qingqian.intake.models import StrategyStep

    assert StrategyStep.objects.filter(run__case=accepted, index=0, state="scheduled").exists()
    # The code cannot be reused, and a signed agreement cannot be signed again.
    with pytest.raises(Conflict):
        agreement_sign(agreement=signed, actor=users["creditor"], typed_name="x", code=code)


def test_wrong_code_is_counted_and_nothing_signed(
    accepted: Any, users: dict[str, Any], mailoutbox: list[Any]
) -> None:
    sent = agreement_send(
        agreement=agreement_draft(case=accepted, actor=users["lawyer"]), actor=users["lawyer"]
    )
    agreement_code_request(agreement=sent, actor=users["creditor"])
    wrong = f"{(int(_code(mailoutbox)) + 1) % 1_000_000:06d}"
    with pytest.raises(OtpError) as err:
        agreement_sign(agreement=sent, actor=users["creditor"], typed_name="王建华", code=wrong)
    assert err.value.code == "otp_wrong" and err.value.details == {"attempts_left": 4}
    sent.refresh_from_db()
    assert sent.state == "sent" and sent.signed_sha256 == ""


def test_only_the_cases_creditor_signs_and_only_staff_drafts(
    accepted: Any, users: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        agreement_draft(case=accepted, actor=users["creditor"])
    sent = agreement_send(
        agreement=agreement_draft(case=accepted, actor=users["lawyer"]), actor=users["lawyer"]
    )
    with pytest.raises(PermissionDenied):
        agreement_code_request(agreement=sent, actor=users["creditor_other"])
    with pytest.raises(ValidationFailed):
        agreement_sign(agreement=sent, actor=users["creditor"], typed_name="  ", code="000000")


def test_case_must_be_accepted(reviewed: Any, users: dict[str, Any]) -> None:
    with pytest.raises(Conflict) as err:
        agreement_draft(case=reviewed, actor=users["lawyer"])
    assert err.value.code == "agreement_case_not_accepted"


def test_over_cap_schedule_refuses_the_agreement_with_the_rule(
    accepted: Any, users: dict[str, Any]
) -> None:
    _law_firm(accepted)
    fields = pricing_fields(LAW_FIRM_SCHEDULE) | {
        "key": "greedy-firm",
        "valid_from": dt.date(2026, 6, 1),  # after the preset: the schedule in force
        "bands": {
            "default": {"mode": "flat", "bands": [{"up_to": None, "rate": "0.30"}]},
            "by_debt_type": {},
        },
    }
    FeeScheduleRow.objects.create(**fields)  # bypasses the save check, as a bad import might
    with pytest.raises(IntakeError) as err:
        agreement_draft(case=accepted, actor=users["lawyer"])
    assert err.value.code == "fee_above_cap"
    assert err.value.details["rule"]
    assert "上限" in err.value.message_zh or "cap" in err.value.message_en


def test_contingency_on_a_forbidden_case_type_is_refused(
    accepted: Any, users: dict[str, Any]
) -> None:
    _law_firm(accepted)
    fields = pricing_fields(LAW_FIRM_SCHEDULE) | {
        "key": "wage-firm",
        "valid_from": dt.date(2026, 1, 1),
    }
    fields["bands"] = dict(fields["bands"])
    fields["bands"]["by_debt_type"] = {
        "wages": {"mode": "flat", "bands": [{"up_to": None, "rate": "0.05"}]}
    }
    FeeScheduleRow.objects.create(**fields)
    with pytest.raises(IntakeError) as err:
        agreement_draft(case=accepted, actor=users["lawyer"])
    assert err.value.code == "contingency_forbidden_case_type"


def test_documents_read_back(accepted: Any, users: dict[str, Any]) -> None:
    from docx import Document
    from pypdf import PdfReader

    _law_firm(accepted)
    draft = agreement_draft(case=accepted, actor=users["lawyer"])
    doc = Document(io.BytesIO(agreement_docx(draft)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "风险代理协议" in text
    assert accepted.creditor.name in text and accepted.debtor_name in text
    assert "零预付" in text
    assert "不得向债务人收取任何“催收费”" in text
    assert draft.terms_sha256 in text
    assert "催收费" not in text.replace("不得向债务人收取任何“催收费”", "")
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(agreement_pdf(draft))).pages
    )
    squashed = re.sub(r"\s+", "", pdf_text)
    assert draft.terms_sha256 in squashed
    assert accepted.reference in squashed
    if _has_cjk_font():
        assert "风险代理协议" in squashed and "零预付" in squashed
    english = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(agreement_pdf(draft, en=True))).pages
    )
    assert "Contingency fee agreement" in english


def test_pages_draft_send_and_sign(
    accepted: Any, users: dict[str, Any], client: Any, mailoutbox: list[Any]
) -> None:
    from docx import Document

    base = f"/cases/{accepted.pk}/agreement/"
    client.force_login(users["lawyer"])
    assert client.get(base).status_code == 200
    client.post(base + "draft/")
    client.post(base + "send/")
    docx = client.get(base + "docx/")
    assert docx.status_code == 200
    assert "委托协议" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    client.force_login(users["creditor_other"])
    assert client.get(base).status_code == 404  # another creditor cannot even see it
    client.force_login(users["creditor"])
    page = client.get(base).content.decode()
    assert 'id="sign"' in page
    client.post(base + "code/")
    wrong = client.post(base + "sign/", {"typed_name": "王建华", "code": "x"}, follow=True)
    assert "验证码错误" in wrong.content.decode()
    assert "otp_wrong" not in wrong.content.decode()  # words, never the raw code
    done = client.post(
        base + "sign/", {"typed_name": "王建华", "code": _code(mailoutbox)}, follow=True
    )
    assert "已签署" in done.content.decode()
    pdf = client.get(base + "pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() in done.content.decode()


def test_a_strategy_problem_does_not_undo_the_signature(
    accepted: Any, users: dict[str, Any], mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qingqian.reports import agreements

    def broken(**_kw: Any) -> None:
        raise IntakeError("策略数据有误", "Broken playbook data", code="playbook_invalid")

    monkeypatch.setattr(agreements, "strategy_start", broken)
    draft = agreement_draft(case=accepted, actor=users["lawyer"])
    sent = agreement_send(agreement=draft, actor=users["lawyer"])
    agreement_code_request(agreement=sent, actor=users["creditor"])
    signed = agreement_sign(
        agreement=sent, actor=users["creditor"], typed_name="王建华", code=_code(mailoutbox)
    )
    assert signed.state == "signed"
    assert TimelineEvent.objects.filter(
        case=accepted, kind="strategy_none", note="策略数据有误"
    ).exists()
