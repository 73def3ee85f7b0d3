"""The litigation evidence standard per debt type: data, per-case status (file present, in
the log, timestamped, verified), the share of cases that meet it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from qingqian.evidence.selectors import evidence_standard_for_case, evidence_standard_share
from qingqian.evidence.standard import (
    STANDARDS,
    WRITTEN_AGREEMENT_TYPES,
    ItemStatus,
    evaluate_standard,
)
from qingqian.evidence.strength import evidence_strength
from qingqian.ledger import services as ledger

from .test_evidence import JPEG, PDF, PNG, _add


def _item(n: int, kind: str, *, in_log: bool = True) -> ItemStatus:
    return ItemStatus(n, kind, True, in_log, False, None)


def test_standards_are_data_per_debt_type() -> None:
    assert {r.code for r in STANDARDS["trade"]} == {
        "written_agreement",
        "delivery_notes",
        "invoices",
        "reconciliation",
        "debtor_identity",
    }
    assert {"sales_contract", "supply_contract"} <= WRITTEN_AGREEMENT_TYPES
    loan = [_item(1, "iou"), _item(2, "transfer_record"), _item(3, "identity_document")]
    assert evaluate_standard("private_loan", loan, debtor_has_credit_code=False).meets
    # An invoice is no proof of a private loan's money flow.
    swapped = [_item(1, "iou"), _item(2, "invoice"), _item(3, "identity_document")]
    assert not evaluate_standard("private_loan", swapped, debtor_has_credit_code=False).meets
    trade = [
        _item(1, "supply_contract"),
        _item(2, "delivery_note"),
        _item(3, "invoice"),
        _item(4, "reconciliation"),
    ]
    result = evaluate_standard("trade", trade, debtor_has_credit_code=True)
    assert result.meets and result.as_dict()["meets"] is True
    assert not evaluate_standard("trade", trade, debtor_has_credit_code=False).meets
    # An item not yet in the log does not count.
    late = [*trade[:3], _item(4, "reconciliation", in_log=False)]
    unmet = evaluate_standard("trade", late, debtor_has_credit_code=True)
    assert [r.requirement.code for r in unmet.requirements if not r.met] == ["reconciliation"]
    # 买卖/购销合同 satisfy the written agreement of the strength score too.
    assert evidence_strength(
        ["sales_contract"], debt_type="trade", debtor_has_credit_code=False
    ).as_dict()["met"] == ["written_agreement"]


@pytest.mark.django_db
def test_a_case_shows_each_requirement_and_the_share_counts_it(
    case: Any, users: dict[str, Any], settings: Any
) -> None:
    from qingqian.ledger.demo_tsa import demo_authority

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = demo_authority()
    lawyer = users["lawyer"]
    assert case.debt_type == "trade"
    share = evidence_standard_share(lawyer)
    assert (share["cases"], share["meeting"], share["share_percent"]) == (1, 0, Decimal("0.0"))
    _add(lawyer, case, evidence_type="sales_contract", filename="c.pdf", data=PDF)
    _add(lawyer, case, evidence_type="delivery_note", filename="d.jpg", data=JPEG)
    _add(lawyer, case, evidence_type="invoice", filename="i.png", data=PNG)
    result = evidence_standard_for_case(lawyer, case.pk)
    status = {r.requirement.code: r for r in result.requirements}
    assert not status["delivery_notes"].met  # not yet under a signed checkpoint
    assert status["debtor_identity"].met and status["debtor_identity"].by_credit_code
    checkpoint = ledger.ledger_integrate()
    assert checkpoint is not None
    ledger.checkpoint_timestamp_ensure(checkpoint)
    result = evidence_standard_for_case(lawyer, case.pk)
    status = {r.requirement.code: r for r in result.requirements}
    item = status["delivery_notes"].items[0]
    assert item.file_present and item.in_log and item.timestamped and item.verified
    assert not status["reconciliation"].met and not result.meets
    _add(lawyer, case, evidence_type="reconciliation", filename="r.pdf", data=PDF + b" ")
    ledger.ledger_integrate()
    assert evidence_standard_for_case(lawyer, case.pk).meets
    share = evidence_standard_share(lawyer)
    assert (share["meeting"], share["share_percent"]) == (1, Decimal("100.0"))
    assert share["by_debt_type"]["trade"]["meeting"] == 1
    assert evidence_standard_share(users["creditor_other"])["cases"] == 0  # not in scope
    # Changed bytes on disk: the item is shown as not verified.
    version = status["delivery_notes"].items[0]
    from qingqian.evidence.models import EvidenceVersion

    stored = EvidenceVersion.objects.get(item_id=version.item_id, number=1).file
    with default_storage.open(stored.storage_name, "wb") as handle:
        handle.write(JPEG + b"x")
    result = evidence_standard_for_case(lawyer, case.pk)
    status = {r.requirement.code: r for r in result.requirements}
    assert status["delivery_notes"].items[0].verified is False


@pytest.mark.django_db
def test_the_case_page_shows_the_standard(case: Any, users: dict[str, Any]) -> None:
    _add(users["lawyer"], case, evidence_type="supply_contract", filename="c.pdf", data=PDF)
    ledger.ledger_integrate()
    client = Client()
    client.force_login(users["lawyer"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="evidence-standard"' in page and "诉讼证据标准" in page
    assert "购销合同" in page and "未达标" in page
    assert "supply_contract" not in page.split('id="evidence-standard"')[1].split("</details>")[0]
