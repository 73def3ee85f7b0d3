"""PIPL retention: people are anonymised once their retention period after the last closed
case has passed (per organisation, as data), the dry run changes nothing, and the case log
still verifies afterwards."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _closed_case(org: Any, creditor: Any, debtor: Any, actor: Any, number: str = "R-1") -> Any:
    from qingqian.cases.services import InvoiceInput, case_open, case_transition

    case = case_open(
        organisation=org, actor=actor, creditor=creditor, debtors=[debtor],
        debt_type="trade", channel="web",
        invoices=[
            InvoiceInput(number, Decimal("900.00"), dt.date(2025, 1, 2), dt.date(2025, 2, 2))
        ],
    )  # fmt: skip
    return case_transition(case=case, actor=actor, to_state="closed", outcome="withdrawn")


def _verify() -> Any:
    from qingqian.ledger.integrity import ledger_verify
    from qingqian.ledger.services import ledger_integrate

    ledger_integrate()
    return ledger_verify()


def test_a_person_is_anonymised_after_the_period_and_the_log_still_verifies(
    org: Any, users: Any, creditor: Any, person_debtor: Any
) -> None:
    from qingqian.audit.models import AuditEvent
    from qingqian.cases.retention import privacy_purge
    from qingqian.parties.models import Party

    case = _closed_case(org, creditor, person_debtor, users["lawyer"])
    before = _verify()
    assert before.ok and before.size > 0

    # Closed on 2026-11-20: kept five years (the default), so not yet on 2031-11-19.
    assert privacy_purge(today=dt.date(2031, 11, 19)).parties == []
    dry = privacy_purge(today=dt.date(2031, 11, 21), dry_run=True)
    assert dry.parties == [person_debtor.pk]
    assert Party.objects.get(pk=person_debtor.pk).anonymised_at is None

    done = privacy_purge(today=dt.date(2031, 11, 21))
    assert done.parties == [person_debtor.pk]
    party = Party.objects.get(pk=person_debtor.pk)
    assert party.name == f"已匿名化当事人 #{party.pk}"
    assert (party.id_number_enc, party.id_number_hash, party.phone_enc, party.phone_hash) == (
        "", "", "", "",
    )  # fmt: skip
    assert party.anonymised_at is not None
    case.refresh_from_db()
    assert case.debtor_name == party.name
    audit = AuditEvent.objects.get(action="party.anonymise", object_id=str(party.pk))
    assert "张三" not in json.dumps(audit.after, ensure_ascii=False)

    after = _verify()
    assert after.ok, after.as_dict()
    assert after.size == before.size  # nothing in the log was rewritten
    assert privacy_purge(today=dt.date(2031, 11, 21)).parties == []  # idempotent


def test_an_open_case_or_a_company_keeps_the_identity(
    org: Any, users: Any, creditor: Any, person_debtor: Any, debtor: Any
) -> None:
    from qingqian.cases.retention import privacy_purge
    from qingqian.cases.services import InvoiceInput, case_open

    _closed_case(org, creditor, person_debtor, users["lawyer"])
    _closed_case(
        org, creditor, debtor, users["lawyer"], "R-3"
    )  # a company: not personal information
    case_open(
        organisation=org, actor=users["lawyer"], creditor=creditor, debtors=[person_debtor],
        debt_type="trade", channel="web",
        invoices=[InvoiceInput("R-2", Decimal("100.00"), dt.date(2025, 1, 2), dt.date(2025, 2, 2))],
    )  # fmt: skip
    assert privacy_purge(today=dt.date(2040, 1, 1)).parties == []


def test_each_organisation_sets_its_own_period(
    org: Any, other_org: Any, users: Any, creditor: Any, person_debtor: Any
) -> None:
    from qingqian.cases.retention import privacy_purge, retention_years
    from qingqian.parties.models import RetentionRule

    _closed_case(org, creditor, person_debtor, users["lawyer"])
    RetentionRule.objects.create(organisation=org, kind="debtor_identity", years=10)
    assert retention_years(org, "debtor_identity") == 10
    assert retention_years(other_org, "debtor_identity") == 5
    assert privacy_purge(today=dt.date(2031, 11, 21)).parties == []
    assert privacy_purge(today=dt.date(2036, 11, 21)).parties == [person_debtor.pk]


def test_the_cli_dry_run_the_daily_job_and_the_record(
    org: Any, users: Any, creditor: Any, person_debtor: Any
) -> None:
    from qingqian.parties.models import Party

    _closed_case(org, creditor, person_debtor, users["lawyer"])
    out = io.StringIO()
    call_command("privacy", "purge", "--dry-run", "--today", "2032-01-01", "--json", stdout=out)
    assert json.loads(out.getvalue())["anonymised"] == 1
    assert Party.objects.get(pk=person_debtor.pk).anonymised_at is None
    daily = io.StringIO()
    call_command("daily", "--today", "2032-01-01", "--json", stdout=daily)
    assert json.loads(daily.getvalue())["privacy_anonymised"] == 1
    assert Party.objects.get(pk=person_debtor.pk).anonymised_at is not None
    record = io.StringIO()
    call_command("privacy", "record", stdout=record)
    data = json.loads(record.getvalue())
    assert data["retention_years"]["test"] == {"debtor_identity": 5}
    assert any(a["activity"].startswith("case intake") for a in data["activities"])
