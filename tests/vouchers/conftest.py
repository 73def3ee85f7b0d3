"""Voucher tests: an SMS adapter that records (the debtor's codes) and an issued voucher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from qingqian.contact.channels.base import use_adapter
from tests.portal.fakes import RecordingSms

DUE = dt.date(2026, 12, 31)


@pytest.fixture(autouse=True)
def sms() -> Iterator[RecordingSms]:
    adapter = RecordingSms()
    with use_adapter("sms", adapter):
        yield adapter


@pytest.fixture
def voucher(case: Any, users: dict[str, Any]) -> Any:
    from qingqian.vouchers.services import voucher_issue
    from tests.evidence.test_evidence import _add

    _add(users["lawyer"], case)
    return voucher_issue(actor=users["lawyer"], case_id=case.pk, amount="15000.50", due_date=DUE)
