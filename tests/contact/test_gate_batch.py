"""The dialers' batch form and the gate's round trips."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qingqian.common.exceptions import ApplicationError
from qingqian.contact.models import ContactAttempt
from qingqian.contact.services import (
    AuthorizeRequest,
    contact_attempt_authorize,
    contact_attempts_authorize_many,
    contact_outcome_record,
    contact_system_actor,
)

SH = dt.timezone(dt.timedelta(hours=8))


def at(h: int, m: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, h, m, tzinfo=SH)


@pytest.fixture
def robot(org: Any) -> Any:
    return contact_system_actor(organisation=org)


@pytest.fixture
def guarantor(org: Any, case: Any) -> Any:
    from qingqian.cases.models import CaseParty
    from qingqian.parties.services import party_create

    g = party_create(organisation=org, actor=None, kind="person", name="钱七", phone="13700001234")
    CaseParty.objects.create(case=case, party=g, role="guarantor")
    return g


@pytest.mark.django_db
def test_each_decision_in_a_batch_sees_the_ones_before_it(
    case: Any, debtor: Any, guarantor: Any, robot: Any
) -> None:
    asks = [
        AuthorizeRequest(case=case, party=debtor, channel="robot", actor=robot, at=at(10, i))
        for i in range(5)
    ]
    asks.insert(2, AuthorizeRequest(case=case, party=guarantor, channel="robot", actor=robot,
                                    at=at(10, 2), party_role="guarantor"))  # fmt: skip
    asks.append(AuthorizeRequest(case=case, party=debtor, channel="robot", actor=robot, at=at(23)))
    out = contact_attempts_authorize_many(asks)
    assert [a.allowed for a in out] == [True, True, True, True, False, False, False]
    assert [a.rule for a in out][4:] == [
        "voice_conversations_per_day",
        "voice_conversations_per_day",
        "contact_hours",
    ]
    assert out[2].party_role == "guarantor"
    rows = ContactAttempt.objects.filter(case=case).order_by("id")
    assert [r.pk for r in rows] == [a.pk for a in out]
    assert [r.allowed for r in rows] == [a.allowed for a in out]
    assert all(r.policy_version == "cn-default@1" for r in rows)
    # The batch counts as history for the next single decision.
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(11)
    ).reason_codes == ["voice_conversations_per_day"]


@pytest.mark.django_db
def test_a_bad_request_refuses_the_whole_batch(
    case: Any, debtor: Any, person_debtor: Any, robot: Any
) -> None:
    asks = [
        AuthorizeRequest(case=case, party=debtor, channel="robot", actor=robot, at=at(10)),
        AuthorizeRequest(case=case, party=person_debtor, channel="robot", actor=robot, at=at(10)),
    ]
    with pytest.raises(ApplicationError) as exc:
        contact_attempts_authorize_many(asks)
    assert exc.value.code == "party_role_mismatch"
    assert exc.value.details["index"] == 1
    assert not ContactAttempt.objects.exists()
    assert contact_attempts_authorize_many([]) == []


@pytest.mark.django_db
def test_the_returned_attempt_is_the_stored_row(case: Any, debtor: Any, robot: Any) -> None:
    a = contact_attempt_authorize(
        case=case, party=debtor, channel="sms", actor=robot, at=at(10), number="139 1234 0000"
    )
    row = ContactAttempt.objects.get(pk=a.pk)
    # Every column, so that a field added to the model but not to the gate's INSERT fails here.
    for field in ContactAttempt._meta.concrete_fields:
        assert field.attname in a.__dict__, field.attname
        assert getattr(a, field.attname) == getattr(row, field.attname), field.attname
    assert a.case is case and a.party is debtor and a.actor is robot
    assert "13912340000" not in str(row.number_masked)
    done = contact_outcome_record(attempt=a, outcome="delivered", at=at(10, 1))
    assert done.outcome == "delivered"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_round_trips_per_decision_on_postgresql(case: Any, debtor: Any, robot: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the two-round-trip path is PostgreSQL's")
    contact_attempt_authorize(case=case, party=debtor, channel="sms", actor=robot, at=at(10))
    with CaptureQueriesContext(connection) as ctx:
        a = contact_attempt_authorize(
            case=case, party=debtor, channel="robot", actor=robot, at=at(10, 1)
        )
    assert a.allowed
    assert len(ctx.captured_queries) == 2, [q["sql"][:60] for q in ctx.captured_queries]
    first, second = (q["sql"] for q in ctx.captured_queries)
    if settings.QINGQIAN_DB_POOLED:
        # Behind a transaction-mode pooler nothing is prepared (docs/contact-gate.md).
        assert first.startswith("BEGIN; SELECT pg_advisory_xact_lock(")
        assert "qq_gate_" not in first + second
    else:
        assert first.startswith("BEGIN; EXECUTE qq_gate_")
    assert second.endswith("; COMMIT")
    with CaptureQueriesContext(connection) as ctx:
        contact_attempts_authorize_many(
            [
                AuthorizeRequest(case=case, party=debtor, channel="robot", actor=robot, at=at(11))
                for _ in range(20)
            ]
        )
    assert len(ctx.captured_queries) == 2  # a batch is not prepared: fetch, insert
    assert ContactAttempt.objects.filter(party=debtor).count() == 22


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refused_batch_rolls_back_its_own_transaction_on_postgresql(
    case: Any, debtor: Any, person_debtor: Any, robot: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the gate's own BEGIN/COMMIT is PostgreSQL's")
    asks = [
        AuthorizeRequest(case=case, party=debtor, channel="robot", actor=robot, at=at(10)),
        AuthorizeRequest(case=case, party=person_debtor, channel="robot", actor=robot, at=at(10)),
    ]
    with pytest.raises(ApplicationError):
        contact_attempts_authorize_many(asks)
    # No transaction left open on the connection, no locks held, nothing written.
    assert connection.connection.info.transaction_status == 0  # IDLE
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        )
        assert cur.fetchone()[0] == 0
    assert not ContactAttempt.objects.exists()
    assert contact_attempt_authorize(
        case=case, party=debtor, channel="robot", actor=robot, at=at(10)
    ).allowed
