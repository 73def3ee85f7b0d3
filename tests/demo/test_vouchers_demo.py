"""The demo's debt vouchers (h23v): three for the first creditor login, one acknowledged,
one assigned with its notice due, one partly settled; the creditor sees them and the PDF of
each verifies offline under the demo's log key."""

from __future__ import annotations

import pytest
from django.test import Client

from qingqian.accounts.models import User
from qingqian.demo.generator import load_demo
from qingqian.ledger import selectors as log
from qingqian.ledger.verify_cli import verify_package
from qingqian.vouchers import services
from qingqian.vouchers.models import Voucher

pytestmark = pytest.mark.django_db


def test_demo_has_vouchers_in_each_state() -> None:
    load_demo(cases=120, seed=11)
    vouchers = list(Voucher.objects.order_by("pk"))
    assert len(vouchers) == 3
    states = [services.voucher_state(v) for v in vouchers]
    assert states[0].acknowledged
    assert states[1].notice_given is False and states[1].status == "assigned"
    assert states[2].status == "partly_settled"
    creditor = User.objects.filter(creditor=vouchers[0].case.creditor).order_by("pk").first()
    assert creditor is not None
    client = Client()
    client.force_login(creditor)
    page = client.get("/vouchers/").content.decode()
    assert all(v.number in page for v in vouchers)
    report = verify_package(services.voucher_pdf(vouchers[1]), log.log_verifier_key())
    assert report.passed, report.render()
