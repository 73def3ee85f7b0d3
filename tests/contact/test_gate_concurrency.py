"""On PostgreSQL, 16 concurrent workers cannot push one debtor past a cap."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from qingqian.contact.models import ContactAttempt
from qingqian.contact.services import (
    AuthorizeRequest,
    contact_attempt_authorize,
    contact_attempts_authorize_many,
    contact_system_actor,
)

SH = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_workers_never_pass_the_conversation_cap(
    case: Any, debtor: Any, users: dict[str, Any], org: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    robot = contact_system_actor(organisation=org)
    collector = users["collector"]
    workers, per_worker = 16, 4
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_worker):
                # Robots and a certified collector race for the same person and number.
                who, channel = (collector, "voice") if (n + i) % 4 == 0 else (robot, "robot")
                contact_attempt_authorize(
                    case=case,
                    party=debtor,
                    channel=channel,
                    actor=who,
                    at=at + dt.timedelta(seconds=n * per_worker + i),
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = ContactAttempt.objects.filter(party=debtor)
    assert rows.count() == workers * per_worker
    # Outcomes unknown count as conversations: exactly the cap of 3 got through, no more.
    assert rows.filter(allowed=True).count() == 3
    assert rows.filter(allowed=False, rule="voice_conversations_per_day").count() == 61


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_batches_never_pass_the_conversation_cap(
    case: Any, debtor: Any, users: dict[str, Any], org: Any
) -> None:
    """The batch form: every worker's batch names the same debtor four times (and the
    guarantor, so each batch locks several persons); still exactly 3 conversations."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions")
    from qingqian.cases.models import CaseParty
    from qingqian.parties.services import party_create

    guarantor = party_create(
        organisation=org, actor=None, kind="person", name="孙八", phone="13600001234"
    )
    CaseParty.objects.create(case=case, party=guarantor, role="guarantor")
    robot = contact_system_actor(organisation=org)
    workers = 16
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)

    def work(n: int) -> None:
        try:
            asks = [
                AuthorizeRequest(
                    case=case,
                    party=guarantor if i == n % 5 else debtor,
                    party_role="guarantor" if i == n % 5 else "debtor",
                    channel="robot",
                    actor=robot,
                    at=at + dt.timedelta(seconds=n * 5 + i),
                )
                for i in range(5)
            ]
            barrier.wait()
            contact_attempts_authorize_many(asks)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    mine = ContactAttempt.objects.filter(party=debtor)
    assert mine.count() == workers * 4
    assert mine.filter(allowed=True).count() == 3
    assert ContactAttempt.objects.filter(party=guarantor, allowed=True).count() == 3
