"""Remittance, reconciliation, statements, bank-statement import, the WeChat Pay webhook and
the ``payments`` command."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from qingqian.cases.models import Case
from qingqian.common.exceptions import PermissionDenied
from qingqian.payments.bankimport import bank_statement_import
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import JournalLine, Payment, RemittanceBatch, TrustBalance
from qingqian.payments.provider import config, verify_and_decrypt
from qingqian.payments.remittance import reconciliation_report, remittance_run
from qingqian.payments.services import payment_record, payment_reference_for, payment_reverse
from qingqian.payments.statements import creditor_statement, statement_csv, statement_xlsx
from tests.payments.fake_wechatpay import FakeWeChatPay, tamper

pytestmark = pytest.mark.django_db
FEB = dt.datetime(2027, 2, 10, 3, 0, tzinfo=dt.UTC)
MAR = dt.datetime(2027, 3, 5, 3, 0, tzinfo=dt.UTC)


def _pay(case: Any, amount: str, key: str, at: dt.datetime = FEB, kind: str = "cash") -> Payment:
    return payment_record(
        case=case, amount=Decimal(amount), kind=kind, idempotency_key=key, actor=None,
        received_at=at,
    )[0]  # fmt: skip


def test_net_remittance_pays_what_was_held_at_month_end(case: Any, users: Any) -> None:
    feb = _pay(case, "10000.00", "a")
    _pay(case, "1000.00", "b", at=MAR)  # after the period: stays for March
    batches = remittance_run(
        organisation=case.organisation, period="2027-02", basis="net", actor=users["admin"],
        today=dt.date(2027, 3, 10),
    )  # fmt: skip
    assert len(batches) == 1
    batch = batches[0]
    assert batch.amount == Decimal("10000.00") - feb.commission
    assert batch.commission == feb.commission and batch.cases == 1
    report = reconciliation_report(organisation=case.organisation)
    assert report.ok, report.differences
    assert report.trust.total.remitted == batch.amount
    again = remittance_run(
        organisation=case.organisation, period="2027-02", basis="net", actor=None,
        today=dt.date(2027, 3, 10),
    )  # fmt: skip
    assert again == [] and RemittanceBatch.objects.count() == 1
    with pytest.raises(PaymentsError) as info:
        remittance_run(
            organisation=case.organisation, period="2027-03", basis="net", actor=None,
            today=dt.date(2027, 3, 10),
        )  # fmt: skip
    assert info.value.code == "remittance_period_open"
    with pytest.raises(PermissionDenied):
        remittance_run(
            organisation=case.organisation, period="2027-01", basis="net",
            actor=users["collector"], today=dt.date(2027, 3, 10),
        )  # fmt: skip


def test_gross_remittance_credits_commission_back(case: Any) -> None:
    _pay(case, "10000.00", "a")
    [batch] = remittance_run(
        organisation=case.organisation, period="2027-02", basis="gross", actor=None,
        today=dt.date(2027, 3, 1),
    )  # fmt: skip
    assert batch.amount == Decimal("10000.00")
    report = reconciliation_report(organisation=case.organisation)
    assert report.trust.ok
    assert report.trust.total.commission == 0 and report.trust.total.held == 0


def test_reconciliation_lists_every_difference(case: Any) -> None:
    _pay(case, "5000.00", "a")
    assert reconciliation_report(organisation=case.organisation).ok
    # Tamper: a stored balance, a journal line and the case's denormalised outstanding.
    TrustBalance.objects.filter(account="trust_bank").update(fen=1)
    Case.objects.filter(pk=case.pk).update(outstanding=Decimal("1.00"))
    report = reconciliation_report(
        organisation=case.organisation, bank_statement=Decimal("4999.99")
    )
    assert not report.ok
    scopes = {(d["scope"], d["check"]) for d in report.differences}
    assert ("balance", "stored vs journal") in scopes
    assert ("bank", "statement vs book") in scopes
    assert ("case", "principal − applied") in scopes
    assert ("case", "invoices' outstanding") in scopes
    line = JournalLine.objects.filter(account__startswith="held:").first()
    assert line is not None
    JournalLine.objects.filter(pk=line.pk).update(fen=line.fen - 1)
    report = reconciliation_report(organisation=case.organisation)
    assert any(d["scope"] == "entry" for d in report.differences)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_reconciliation_page_shows_differences_in_words(
    case: Any, users: Any, language: str
) -> None:
    """The page names what was checked and shows amounts with separators: no check's code,
    no account's code, no bare number."""
    _pay(case, "5000.00", "a")
    Case.objects.filter(pk=case.pk).update(outstanding=Decimal("1234.00"))
    web = Client()
    web.force_login(users["lawyer"])
    web.cookies["django_language"] = language
    page = web.get("/money/reconciliation/", {"bank_balance": "4,999.99"}).content.decode()
    differences = html.unescape(page[page.index('id="differences"') :].split("</table>", 1)[0])
    for code in ("principal − applied", "invoices' outstanding", "statement vs book", "trust_bank"):
        assert code not in differences, code
    assert ">case<" not in differences and ">bank<" not in differences
    words = {
        "zh-hans": ("本金 − 已冲抵本金", "发票未收合计", "对账单与账面", "客户资金专户", "案件"),
        "en": ("Principal − principal applied", "Invoices' outstanding total", "Statement vs book"),
    }[language]
    for word in words:
        assert word in differences, word
    assert "15,000.50" in differences and "1,234.00" in differences  # expected, actual
    assert "4,999.99" in differences


def test_statement_and_exports(case: Any, creditor: Any) -> None:
    p = _pay(case, "1234.56", "a")
    payment_reverse(payment=_pay(case, "100.00", "b"), actor=None, reason="错账")
    st = creditor_statement(
        organisation=case.organisation, creditor=creditor,
        start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 28),
    )  # fmt: skip
    assert len(st.rows) == 2  # the reversal is dated when it was made (today), not in Feb
    assert st.received == Decimal("1334.56")
    text = statement_csv(st).decode("utf-8-sig")
    assert "1234.56" in text and str(p.commission) in text and "合计 / Total" in text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(statement_xlsx(st)))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][5] == pytest.approx(1234.56)
    assert values[-1][0] == "合计 / Total"


BANK_CSV = """中国工商银行 账户明细
账号,6222020000000000000
交易日期,摘要,收入金额,支出金额,对方户名,附言,交易流水号
2027-02-03,转账,"12,000.50",,姑苏文旅酒店管理有限公司,还款 {ref},ICBC0001
2027-02-04,转账,300.00,,某某公司,货款,ICBC0002
2027-02-05,转账,,50.00,银行,手续费,ICBC0003
2027-02-06,转账,99.00,,张三,{bad},ICBC0004
"""


def test_bank_statement_import_matches_by_reference(case: Any) -> None:
    ref = payment_reference_for(case).code
    bad = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    content = BANK_CSV.format(ref=ref, bad=bad).encode("gb18030")
    result = bank_statement_import(
        organisation=case.organisation, filename="icbc.csv", content=content, actor=None
    )
    assert (result.matched, result.duplicates, result.unmatched) == (1, 0, 2)
    case.refresh_from_db()
    assert case.outstanding == Decimal("8000.00")
    again = bank_statement_import(
        organisation=case.organisation, filename="icbc.csv", content=content, actor=None
    )
    assert (again.matched, again.duplicates, again.unmatched) == (0, 1, 2)
    assert Payment.objects.count() == 1
    with pytest.raises(PaymentsError):
        bank_statement_import(
            organisation=case.organisation, filename="x.csv", content=b"a,b\n1,2\n", actor=None
        )


def test_other_bank_header_names_are_read(case: Any) -> None:
    ref = payment_reference_for(case).code
    content = f"记账日期,贷方发生额,对方账户名称,用途\n20270203,88.00,某公司,{ref}\n".encode()
    result = bank_statement_import(
        organisation=case.organisation, filename="ccb.csv", content=content, actor=None
    )
    assert result.matched == 1


@pytest.fixture
def fake(settings: Any) -> FakeWeChatPay:
    provider = FakeWeChatPay()
    settings.QINGQIAN_WECHATPAY = provider.settings()
    return provider


def test_wechatpay_webhook_records_once(case: Any, fake: FakeWeChatPay) -> None:
    ref = payment_reference_for(case).code
    headers, body = fake.notice(
        out_trade_no=f"{ref}-01", transaction_id="4200001234202702011234567890", total_fen=50000
    )
    client = Client()
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    url = "/api/v1/payments/wechatpay/notify"
    for _ in range(3):
        response = client.post(url, body, content_type="application/json", **meta)
        assert response.status_code == 204
    payment = Payment.objects.get()
    assert payment.kind == "provider" and payment.amount == Decimal("500.00")
    assert payment.idempotency_key == "wxpay:4200001234202702011234567890"
    # Forged body, stale timestamp, unknown order.
    response = client.post(url, tamper(body), content_type="application/json", **meta)
    assert response.status_code == 403
    assert response.json()["code"] == "provider_bad_signature"
    old_headers, old_body = fake.notice(
        out_trade_no=f"{ref}-02", transaction_id="4200009", total_fen=1, timestamp=1_600_000_000
    )
    with pytest.raises(PermissionDenied):
        verify_and_decrypt(config(), old_headers, old_body, now=dt.datetime.now(dt.UTC))
    h, b = fake.notice(out_trade_no="QQ0000000000-01", transaction_id="42000010", total_fen=100)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in h.items()}
    response = client.post(url, b, content_type="application/json", **meta)
    assert response.status_code == 422
    assert response.json()["code"] == "provider_unknown_order"
    assert Payment.objects.count() == 1


def test_staff_api_records_and_retries(case: Any, users: Any) -> None:
    client = Client()
    client.force_login(users["lawyer"])
    url = f"/api/v1/payments/cases/{case.pk}/payments"
    data = {"amount": "100.00", "kind": "bank_transfer", "idempotency_key": "form-1"}
    first = client.post(url, data, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["allocations"][0]["invoice"] == "INV-001"
    again = client.post(url, data, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    clash = client.post(url, data | {"amount": "100.01"}, content_type="application/json")
    assert clash.status_code == 409 and clash.json()["code"] == "payment_key_conflict"
    info = client.get(f"/api/v1/payments/cases/{case.pk}/transfer-instructions").json()
    assert info["reference"].startswith("QQ")


def test_command_remit_reconcile_and_statement(case: Any, creditor: Any, tmp_path: Any) -> None:
    _pay(case, "2000.00", "a", at=dt.datetime(2026, 10, 10, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("payments", "reconcile", "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
    out = io.StringIO()
    call_command("payments", "remit", "--period", "2026-10", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["batches"]) == 1
    target = tmp_path / "s.xlsx"
    call_command(
        "payments", "statement", "--creditor", str(creditor.pk), "--from", "2026-10-01",
        "--to", "2026-10-31", "--out", str(target), stdout=io.StringIO(),
    )  # fmt: skip
    assert target.read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError) as info:
        call_command("payments", "remit", "--period", "2027-13", stdout=io.StringIO())
    assert info.value.returncode == 2 and " / " in str(info.value)
    TrustBalance.objects.filter(account="trust_bank").update(fen=5)
    with pytest.raises(CommandError) as info:
        call_command("payments", "reconcile", stdout=io.StringIO())
    assert info.value.returncode == 1


def test_monthly_task_remits_last_month(case: Any) -> None:
    from qingqian.common import clock
    from qingqian.payments.tasks import previous_period, remittance_month_task

    last = clock.today().replace(day=1) - dt.timedelta(days=1)
    assert previous_period() == f"{last.year:04d}-{last.month:02d}"
    _pay(case, "300.00", "t", at=dt.datetime(last.year, last.month, 5, tzinfo=dt.UTC))
    assert remittance_month_task.call(case.organisation_id) == 1
    assert remittance_month_task.call(case.organisation_id) == 0
