"""Electronic debt vouchers: issue, acknowledge, assign (and its notice), settle, cancel —
each a new signed log entry, the state derived from them, the voucher never edited."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import ApplicationError
from qingqian.ledger import voucher_format as kernel
from qingqian.ledger.canonical import parse_canonical
from qingqian.ledger.models import LogEntry
from qingqian.ledger.services import ledger_integrate, salted_hash
from qingqian.vouchers import services
from qingqian.vouchers.models import Voucher, VoucherEvent

from .conftest import DUE

pytestmark = pytest.mark.django_db


def _code(sms: Any) -> str:
    return sms.sent[-1].body.split("验证码 ")[1][:6]


def _ack(voucher: Voucher, debtor: Any, sms: Any, name: str = "王经理") -> VoucherEvent:
    services.voucher_ack_code_send(
        voucher=voucher,
        party=debtor,
        deliver=lambda code: sms.sent.append(type("M", (), {"body": f"验证码 {code}"})()),
    )
    return services.voucher_acknowledge(
        voucher=voucher, party=debtor, typed_name=name, code=_code(sms)
    )


def test_issue_fixes_the_document_signs_it_and_logs_it(
    voucher: Voucher, case: Any, debtor: Any, creditor: Any
) -> None:
    doc = voucher.data
    assert voucher.number == f"{case.reference}-V01"
    assert doc["amount"] == "15000.50" and doc["currency"] == "CNY"
    assert doc["due_date"] == DUE.isoformat() and doc["issue_date"] == "2026-11-20"
    assert doc["debtor"] == {"name": debtor.name, "code": debtor.credit_code}
    assert doc["creditor"]["name"] == creditor.name
    [evidence] = doc["evidence"]
    assert len(evidence["sha256"]) == 64
    # The stored document is RFC 8785 and its SHA-256 is the voucher's digest.
    raw = voucher.document.encode()
    assert parse_canonical(raw) == doc
    assert hashlib.sha256(raw).hexdigest() == voucher.sha256
    # Signed by the log key over the digest.
    from qingqian.ledger.note import parse_note, verify_note
    from qingqian.ledger.selectors import log_verifier_key

    note = parse_note(voucher.signature)
    verify_note(note, [log_verifier_key()])
    assert note.text == kernel.signed_text(voucher.sha256)
    # One logged event; the statement commits to the voucher and the details, no names.
    [event] = services.events_of(voucher)
    statement = json.loads(event.log_entry.private_statement)
    assert statement["type"] == "voucher.issued" and statement["seq"] == 0
    assert statement["voucher_sha256"] == voucher.sha256
    assert statement["details_sha256"] == salted_hash(statement["salt"], event.details)
    assert debtor.name not in event.log_entry.private_statement.decode()
    assert event.log_entry.case_id == case.pk
    assert AuditEvent.objects.filter(action="voucher.issued", object_id=str(voucher.pk)).exists()
    assert services.voucher_state(voucher).status == "issued"


def test_bad_amounts_are_refused_and_nothing_is_written(case: Any, users: Any) -> None:
    before = (Voucher.objects.count(), LogEntry.objects.count())
    for amount, code in (
        ("0", "amount_invalid"),
        ("-5", "amount_invalid"),
        ("12.345", "amount_invalid"),
        ("abc", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("99999999", "amount_above_outstanding"),
    ):
        with pytest.raises(ApplicationError) as caught:
            services.voucher_issue(
                actor=users["lawyer"], case_id=case.pk, amount=amount, due_date=DUE
            )
        assert caught.value.code == code
        assert caught.value.status == 422
        assert caught.value.message_zh and caught.value.message_en
    assert case.due_date is None
    with pytest.raises(ApplicationError) as caught:
        services.voucher_issue(actor=users["lawyer"], case_id=case.pk, amount="10")
    assert caught.value.code == "due_date_required"
    assert (Voucher.objects.count(), LogEntry.objects.count()) == before


def test_only_lawyers_and_admins_issue(case: Any, users: Any) -> None:
    for role in ("collector", "intake_agent", "mediator", "compliance", "creditor"):
        with pytest.raises(ApplicationError) as caught:
            services.voucher_issue(actor=users[role], case_id=case.pk, amount="10", due_date=DUE)
        assert caught.value.status == 403, role
    assert services.voucher_issue(actor=users["admin"], case_id=case.pk, amount="10", due_date=DUE)


def test_never_edited(voucher: Voucher) -> None:
    voucher.number = "X"
    with pytest.raises(ValueError, match="never edited"):
        voucher.save()
    event = voucher.events.get()
    event.kind = "cancelled"
    with pytest.raises(ValueError, match="never edited"):
        event.save()


def test_life_of_a_voucher_is_derived_from_its_entries(
    voucher: Voucher, users: Any, debtor: Any, sms: Any
) -> None:
    lawyer = users["lawyer"]
    document = voucher.document
    _ack(voucher, debtor, sms)
    state = services.voucher_state(voucher)
    assert state.acknowledged and state.acknowledged_by == "王经理"
    assert state.status == "acknowledged"
    services.voucher_assign(actor=lawyer, voucher=voucher, assignee="苏州清源商业保理有限公司")
    state = services.voucher_state(voucher)
    assert state.holder["name"] == "苏州清源商业保理有限公司"
    assert state.notice_given is False and state.status == "assigned"
    services.voucher_settle(actor=lawyer, voucher=voucher, amount="5000.50")
    state = services.voucher_state(voucher)
    assert state.settled == Decimal("5000.50") and state.remaining == Decimal("10000.00")
    assert state.status == "partly_settled"
    with pytest.raises(ApplicationError) as caught:
        services.voucher_settle(actor=lawyer, voucher=voucher, amount="10000.01")
    assert caught.value.code == "settlement_above_remaining" and caught.value.status == 409
    services.voucher_settle(actor=lawyer, voucher=voucher, amount="10000.00")
    assert services.voucher_state(voucher).status == "settled"
    with pytest.raises(ApplicationError) as caught:
        services.voucher_cancel(actor=lawyer, voucher=voucher, reason="录入错误")
    assert caught.value.code == "voucher_closed"
    # Never edited: the document is what was issued; each event is its own log entry.
    voucher.refresh_from_db()
    assert voucher.document == document
    events = services.events_of(voucher)
    assert [e.kind for e in events] == ["issued", "acknowledged", "assigned", "settled", "settled"]
    assert [e.seq for e in events] == [0, 1, 2, 3, 4]
    assert len({e.log_entry_id for e in events}) == 5
    # The same state from the log statements' details alone.
    replay = kernel.derive_state(voucher.data, [(e.kind, json.loads(e.details)) for e in events])
    assert replay.status == "settled" and replay.holder["name"] == "苏州清源商业保理有限公司"


def test_acknowledgement_needs_the_debtor_and_the_right_code(
    voucher: Voucher, debtor: Any, person_debtor: Any, sms: Any
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.voucher_ack_code_send(voucher=voucher, party=person_debtor, deliver=print)
    assert caught.value.code == "voucher_not_debtor"
    codes: list[str] = []
    services.voucher_ack_code_send(voucher=voucher, party=debtor, deliver=codes.append)
    wrong = "000000" if codes[-1] != "000000" else "111111"
    with pytest.raises(ApplicationError):
        services.voucher_acknowledge(voucher=voucher, party=debtor, typed_name="王", code=wrong)
    with pytest.raises(ApplicationError) as caught:
        services.voucher_acknowledge(voucher=voucher, party=debtor, typed_name=" ", code=codes[-1])
    assert caught.value.code == "typed_name_required"
    assert not services.voucher_state(voucher).acknowledged
    services.voucher_acknowledge(
        voucher=voucher, party=debtor, typed_name="王 经理", code=codes[-1]
    )
    assert services.voucher_state(voucher).acknowledged_by == "王 经理"


def test_assignment_notice_goes_through_the_contact_gate(
    voucher: Voucher, users: Any, debtor: Any, settings: Any
) -> None:
    lawyer = users["lawyer"]
    with pytest.raises(ApplicationError) as caught:
        services.voucher_notice_send(actor=lawyer, voucher=voucher, channel="letter")
    assert caught.value.code == "no_assignment_to_notify"
    services.voucher_assign(actor=lawyer, voucher=voucher, assignee="苏州清源商业保理有限公司")
    assert services.voucher_state(voucher).notice_given is False
    from qingqian.contact.channels.base import Delivery

    class Post:
        sent: list[Any] = []

        def send(self, attempt: Any, message: Any) -> Delivery:
            self.sent.append(message)
            return Delivery(channel="letter", provider_ref="post-1")

    from qingqian.contact.channels.base import use_adapter

    post = Post()
    with use_adapter("letter", post):  # the frozen instant is a Friday, 10:00 in Suzhou
        services.voucher_notice_send(actor=lawyer, voucher=voucher, channel="letter")
    [message] = post.sent
    assert "第五百四十六条" in message.body and "苏州清源商业保理有限公司" in message.body
    assert voucher.number in message.body
    assert services.voucher_state(voucher).notice_given is True
    assert services.events_of(voucher)[-1].kind == "notice_given"


def test_creditor_users_see_only_their_own_vouchers(voucher: Voucher, users: Any) -> None:
    assert list(services.vouchers_visible_to(users["creditor"])) == [voucher]
    assert not services.vouchers_visible_to(users["creditor_other"]).exists()
    assert services.vouchers_visible_to(users["compliance"]).exists()
    assert not services.vouchers_visible_to(users["collector"]).exists()
    with pytest.raises(ApplicationError) as caught:
        services.voucher_get_for_user(users["creditor_other"], voucher.pk)
    assert caught.value.status == 404
    services.voucher_read(users["creditor"], voucher.pk)
    assert AuditEvent.objects.filter(
        action="voucher.view", actor=users["creditor"], object_id=str(voucher.pk)
    ).exists()


def test_the_log_integrates_voucher_entries(voucher: Voucher) -> None:
    ledger_integrate()
    [event] = services.events_of(voucher)
    assert event.log_entry.index is not None
