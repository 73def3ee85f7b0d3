"""The demo portfolio: logins, coverage of states/types/buckets, valid identifiers, legal
timelines, reconciled amounts, idempotence and determinism."""

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Sum
from stdnum.cn import uscc

from qingqian.accounts.roles import Role
from qingqian.cases.aging import BUCKETS, bucket_for
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, Invoice, TimelineEvent
from qingqian.common import clock, crypto
from qingqian.compliance.models import AuditEvent
from qingqian.demodata.portfolio import PASSWORD, load_demo, path_is_legal
from qingqian.parties.identifiers import normalise_ric
from qingqian.parties.models import Party

pytestmark = pytest.mark.django_db

N = 150


@pytest.fixture
def demo() -> Any:
    return load_demo(cases=N, seed=11)


def test_every_role_has_a_working_login(demo: Any) -> None:
    roles = {login["role"] for login in demo.logins}
    assert roles == {r.value for r in Role}
    for login in demo.logins:
        assert authenticate(username=login["username"], password=PASSWORD) is not None


def test_coverage_of_states_types_and_buckets(demo: Any) -> None:
    assert demo.created and demo.cases == N == Case.objects.count()
    assert set(Case.objects.values_list("state", flat=True)) == {s.value for s in State}
    assert set(Case.objects.values_list("debt_type", flat=True)) == {
        "trade",
        "construction",
        "private_loan",
        "other",
    }
    today = clock.today()
    buckets = {
        bucket_for((today - d).days).key
        for d in Case.objects.values_list("oldest_due_date", flat=True)
    }
    assert buckets == {b.key for b in BUCKETS}


def test_identifiers_are_valid_and_encrypted(demo: Any) -> None:
    companies = Party.objects.filter(kind="company")
    assert companies.count() > 10
    assert all(uscc.is_valid(p.credit_code) for p in companies)
    people = Party.objects.filter(kind="person").exclude(id_number_enc="")
    assert people.count() > 5
    for p in people:
        clear = crypto.decrypt(p.id_number_enc)
        assert normalise_ric(clear) == clear
        assert clear not in p.id_number_enc


def test_timelines_are_legal_paths_ending_in_the_current_state(demo: Any) -> None:
    for case in Case.objects.prefetch_related("timeline"):
        moves = sorted(case.timeline.all(), key=lambda t: (t.at, t.pk))
        assert moves[0].kind == "opened"
        path = [t.to_state for t in moves[1:]]
        assert path_is_legal(path), (case.reference, path)
        assert (path[-1] if path else "intake") == case.state
        assert bool(case.outcome) == (case.state == "closed")
    assert AuditEvent.objects.filter(action="case.open").count() == N


def test_amounts_reconcile(demo: Any) -> None:
    for case in Case.objects.all():
        assert Decimal(0) <= case.outstanding <= case.principal
        inv = Invoice.objects.filter(case=case).aggregate(a=Sum("amount"), o=Sum("outstanding"))
        if inv["a"] is not None:
            assert inv["a"] == case.principal
            assert inv["o"] == case.outstanding
        if case.outcome == "paid_in_full":
            assert case.outstanding == 0


def test_idempotent(demo: Any) -> None:
    before = (Case.objects.count(), TimelineEvent.objects.count(), Party.objects.count())
    again = load_demo(cases=N, seed=11)
    assert not again.created and again.cases == N
    assert (Case.objects.count(), TimelineEvent.objects.count(), Party.objects.count()) == before


class _Rollback(Exception):
    pass


def _snapshot(seed: int) -> list[tuple[str, Decimal, str]]:
    from django.db import transaction

    rows: list[tuple[str, Decimal, str]] = []
    try:
        with transaction.atomic():
            load_demo(cases=40, seed=seed)
            rows = list(
                Case.objects.order_by("reference").values_list("reference", "principal", "state")
            )
            raise _Rollback
    except _Rollback:
        return rows


def test_deterministic_for_a_seed() -> None:
    assert _snapshot(5) == _snapshot(5)
    assert _snapshot(5) != _snapshot(6)


def test_command_json() -> None:
    out = io.StringIO()
    call_command("load-demo", "--cases", "20", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["created"] is True and data["cases"] == 20 and data["password"] == PASSWORD
