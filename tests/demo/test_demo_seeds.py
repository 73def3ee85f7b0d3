"""The demo generator from an empty database: the same seed gives the same portfolio, and a
bad case count or a taken username is refused with nothing written (the loaded demo's own
checks are in test_demo.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case
from qingqian.demo.generator import DemoError, load_demo
from qingqian.parties.models import Party

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _snapshot(seed: int) -> list[tuple[str, Decimal, Decimal, str, str, dt.date | None]]:
    rows: list[tuple[str, Decimal, Decimal, str, str, dt.date | None]] = []
    try:
        with transaction.atomic():
            load_demo(cases=30, seed=seed)
            rows = list(
                Case.objects.order_by("reference").values_list(
                    "reference",
                    "principal",
                    "outstanding",
                    "state",
                    "debtor_name",
                    "oldest_due_date",
                )
            )
            raise _Rollback
    except _Rollback:
        return rows


def test_same_seed_same_portfolio() -> None:
    first = _snapshot(5)
    assert len(first) == 30
    assert _snapshot(5) == first
    assert _snapshot(6) != first


@pytest.mark.parametrize("cases", [0, 19, 200_001])
def test_a_bad_case_count_is_refused_and_nothing_written(cases: int) -> None:
    with pytest.raises(DemoError) as exc:
        load_demo(cases=cases)
    assert exc.value.code == "invalid_case_count"
    assert not Organisation.objects.exists()


def test_a_taken_username_is_refused_and_nothing_written() -> None:
    User.objects.create_user(username="lawyer", password="x")
    with pytest.raises(DemoError) as exc:
        load_demo(cases=20)
    assert exc.value.code == "username_taken" and exc.value.details == {"usernames": ["lawyer"]}
    assert not Organisation.objects.exists() and not Party.objects.exists()


def test_the_demo_loads_before_ten_in_the_morning() -> None:
    """The judicial cases' evidence is "collected at 10:00 today": loaded at 07:30 Beijing time
    it must not be dated in the future (the evidence log refuses that, and the load died)."""
    import time_machine

    from qingqian.common import clock
    from qingqian.evidence.models import EvidenceItem

    early = dt.datetime(2026, 11, 20, 7, 30, tzinfo=clock.BUSINESS_TZ)
    with time_machine.travel(early, tick=False):
        load_demo(cases=60, seed=7)
        assert EvidenceItem.objects.exists()
        assert not EvidenceItem.objects.filter(collected_at__gt=clock.now()).exists()


@pytest.mark.postgres
def test_on_postgresql_the_filled_tables_have_statistics() -> None:
    """The planner knows the portfolio's size as soon as it is written (``_analyze``): without
    statistics it took the new tables for empty and chose plans several times slower."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite keeps no planner statistics to gather")
    load_demo(cases=37, seed=3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_case'")
        (estimated,) = cursor.fetchone()
    assert estimated == Case.objects.count() >= 37
    # And the seeds' tables, once the whole demo is written: the case page's plan and
    # payment panels once scanned 12,670 plan versions in parallel for want of them.
    from qingqian.negotiation.models import PlanVersion
    from qingqian.payments.models import Payment

    for model in (PlanVersion, Payment):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table]
            )
            (estimated,) = cursor.fetchone()
        assert estimated == model.objects.count(), model
