from typing import Any

import pytest
from django.db import connection

from qingqian.audit.models import AuditEvent
from qingqian.common.exceptions import PermissionDenied
from qingqian.parties.models import Party
from qingqian.parties.services import (
    party_find_by_id_number,
    party_find_by_phone,
    party_reveal,
)
from tests.support import make_ric

pytestmark = pytest.mark.django_db


def test_id_and_phone_are_not_stored_in_clear(person_debtor: Any) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM parties_party WHERE id = %s", [person_debtor.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert make_ric(7) not in row
    assert "13912345679" not in row
    # The last four characters are the portal identity check: no mask shows them.
    assert person_debtor.id_number_masked == make_ric(7)[:6] + "*" * 12


def test_exact_lookup_by_keyed_hash(org: Any, person_debtor: Any) -> None:
    assert party_find_by_id_number(organisation=org, id_number=make_ric(7)) == person_debtor
    assert party_find_by_phone(organisation=org, phone="139-1234-5679") == [person_debtor]


def test_reveal_is_audited(users: Any, person_debtor: Any) -> None:
    value = party_reveal(actor=users["compliance"], party=person_debtor, field="id_number")
    assert value == make_ric(7)
    ev = AuditEvent.objects.get(action="party.reveal_id_number")
    assert ev.actor == users["compliance"] and ev.object_id == str(person_debtor.pk)
    assert make_ric(7) not in str(ev.after)


def test_reveal_refused_without_permission(users: Any, person_debtor: Any) -> None:
    with pytest.raises(PermissionDenied):
        party_reveal(actor=users["intake_agent"], party=person_debtor, field="phone")
    assert not AuditEvent.objects.filter(action__startswith="party.reveal").exists()


def test_database_refuses_credit_code_on_a_person(org: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(
            organisation=org, kind="person", name="李四", credit_code="913205940000000012"
        )
