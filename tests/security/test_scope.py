"""Findings 7, 8, 9, 12 and 15: scope, one service path, the database as the last guard."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import Case
from qingqian.cases.services import InvoiceInput, case_open
from qingqian.common.exceptions import ApplicationError
from qingqian.parties.services import party_create
from tests.support import make_ric

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _other_case(org: Any, users: Any, creditor_b: Any) -> Any:
    """Creditor B's case, handled by the lawyer: not the collector's, not creditor A's."""
    other = party_create(
        organisation=org, actor=None, kind="person", name="李四", id_number=make_ric(88),
        phone="13800001111",
    )  # fmt: skip
    return case_open(
        organisation=org, actor=None, creditor=creditor_b, debtors=[other], debt_type="trade",
        channel="web", handler=users["lawyer"],
        invoices=[InvoiceInput("B-1", Decimal("500.00"), dt.date(2025, 1, 1), dt.date(2025, 2, 1))],
    )  # fmt: skip


def _token_client(user: Any) -> Client:
    from qingqian.accounts.services import api_token_create

    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


# --------------------------------------------------------------------------- 7


@pytest.mark.django_db
def test_creditor_user_cannot_read_another_scopes_party_by_id(
    org: Any, users: Any, creditor: Any, creditor_b: Any
) -> None:
    other_case = _other_case(org, users, creditor_b)
    foreign = other_case.case_parties.get().party
    api = _token_client(users["creditor"])
    resp = api.post(
        "/api/v1/cases",
        {"creditor_id": creditor.pk, "debtors": [{"id": foreign.pk}], "debt_type": "trade",
         "principal": "100"},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 404 and resp.json()["code"] == "party_not_found"
    assert "李四" not in resp.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_masks_do_not_show_the_portal_identity_secret(person_debtor: Any) -> None:
    number = make_ric(7)
    assert number[-4:] not in person_debtor.id_number_masked
    assert number[-4:] not in person_debtor.identifier_masked


# --------------------------------------------------------------------------- 8


@pytest.mark.django_db
def test_hold_through_the_api_only_on_a_party_of_the_case(
    org: Any, users: Any, case: Any, creditor_b: Any
) -> None:
    from qingqian.contact.models import ContactHold

    foreign = _other_case(org, users, creditor_b).case_parties.get().party
    api = _token_client(users["collector"])
    resp = api.post(
        "/api/v1/contact/holds",
        {"case_id": case.pk, "party_id": foreign.pk, "kind": "cease", "reason": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 404 and resp.json()["code"] == "party_not_found"
    assert not ContactHold.objects.exists()
    own = case.case_parties.get().party
    ok = api.post(
        "/api/v1/contact/holds",
        {"case_id": case.pk, "party_id": own.pk, "kind": "cease", "reason": "x"},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content


# --------------------------------------------------------------------------- 9


@pytest.mark.django_db
def test_creditor_users_cannot_send_portal_links(users: Any, case: Any, debtor: Any) -> None:
    from qingqian.contact.channels.base import use_adapter
    from qingqian.portal.models import PortalLink
    from qingqian.portal.services import portal_link_send
    from tests.portal.fakes import RecordingSms

    sms = RecordingSms()
    web = Client()
    web.force_login(users["creditor"])
    with use_adapter("sms", sms):
        web.post(f"/cases/{case.pk}/portal-link/", {"party": debtor.pk, "channel": "sms"})
        with pytest.raises(ApplicationError) as info:
            portal_link_send(case=case, party=debtor, actor=users["creditor"], base_url="http://t")
    assert info.value.status == 403
    assert sms.sent == [] and not PortalLink.objects.exists()


# --------------------------------------------------------------------------- 12


def _propose(case: Any, users: Any, months: int = 6) -> Any:
    from qingqian.negotiation.services import plan_propose, plan_schedule

    schedule = plan_schedule(kind="equal", total=Decimal("6000"), months=months, start="2027-01")
    return plan_propose(
        case=case, actor=users["collector"], schedule=schedule, grace_days=5,
        consequence="reminder",
    )  # fmt: skip


def _debtor_accepts(version: Any, debtor: Any) -> Any:
    from qingqian.negotiation.services import plan_accept_debtor, plan_debtor_code_send

    sent: list[str] = []
    plan_debtor_code_send(version=version, party=debtor, deliver=sent.append)
    return plan_accept_debtor(version=version, party=debtor, code=sent[0])


@pytest.mark.django_db
def test_repeated_staff_acceptance_writes_one_audit_row(case: Any, users: Any, debtor: Any) -> None:
    from qingqian.negotiation.services import plan_accept_staff

    with time_machine.travel(NOW, tick=False):
        v = _propose(case, users)
        for _ in range(5):
            plan_accept_staff(version=v, actor=users["collector"])
    assert AuditEvent.objects.filter(action="plan.accept_staff").count() == 1


@pytest.mark.django_db
def test_a_case_holds_one_active_plan(case: Any, users: Any, debtor: Any) -> None:
    from qingqian.negotiation.models import InstallmentPlan, VersionState
    from qingqian.negotiation.services import plan_accept_staff

    with time_machine.travel(NOW, tick=False):
        first, second = _propose(case, users), _propose(case, users, months=5)
        for v in (first, second):
            plan_accept_staff(version=v, actor=users["collector"])
        assert _debtor_accepts(first, debtor).state == VersionState.ACTIVE
        with pytest.raises(ApplicationError) as info:
            _debtor_accepts(second, debtor)
    assert info.value.code == "plan_already_active"
    second.refresh_from_db()
    assert second.state == VersionState.PROPOSED
    assert InstallmentPlan.objects.filter(active_case=case).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_acceptances_write_one_audit_row(
    case: Any, users: Any, debtor: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    from qingqian.negotiation.services import plan_accept_staff

    with time_machine.travel(NOW, tick=True):
        v = _propose(case, users)
        workers = 20
        barrier = threading.Barrier(workers)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                barrier.wait()
                plan_accept_staff(version=v, actor=users["collector"])
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="plan.accept_staff").count() == 1


# --------------------------------------------------------------------------- 15


@pytest.mark.django_db
def test_reused_idempotency_key_does_not_leak_another_scopes_payment(
    org: Any, users: Any, case: Any, creditor_b: Any
) -> None:
    from qingqian.payments.services import payment_record

    other = _other_case(org, users, creditor_b)
    payment_record(
        case=other, amount=Decimal("321.00"), kind="cash", idempotency_key="shared-key",
        actor=users["lawyer"],
    )  # fmt: skip
    api = _token_client(users["collector"])
    resp = api.post(
        f"/api/v1/payments/cases/{case.pk}/payments",
        {"amount": "10.00", "kind": "cash", "idempotency_key": "shared-key"},
        content_type="application/json",
    )
    assert resp.status_code == 409
    body = resp.content.decode()
    assert "321" not in body and '"payment_id"' not in body


@pytest.mark.django_db
def test_reversal_of_an_out_of_scope_payment_reveals_no_case(
    org: Any, users: Any, creditor_b: Any, case: Any
) -> None:
    from qingqian.payments.services import payment_record

    other = _other_case(org, users, creditor_b)
    payment, _ = payment_record(
        case=other, amount=Decimal("321.00"), kind="cash", idempotency_key="k-2",
        actor=users["lawyer"],
    )  # fmt: skip
    web = Client()
    web.force_login(users["creditor"])
    resp = web.post(f"/payments/{payment.pk}/reverse/", {"reason": "x"})
    assert resp.status_code == 403  # the creditor's role may not reverse: same answer for any id
    assert f"/cases/{other.pk}/" not in resp.get("Location", "")
