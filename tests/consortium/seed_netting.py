"""Seed one instance for a consortium netting round (run in that instance's environment):
``python -m tests.consortium.seed_netting '<json>'`` with ``{"creditor": {"n": 11, "name":
"…"}, "invoices": [{"debtor": 12, "name": "…", "amount": "31234.56", "due": "2026-01-10"}]}``.
One case per invoice, the creditor firm as the case's creditor. Prints the credit code of
the creditor and the invoice numbers as JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from typing import Any


def main(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingqian.settings")
    django.setup()
    from qingqian.accounts.models import Organisation
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.models import Party
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    org = Organisation.objects.create(name="测试机构", short_code="t")
    c = spec["creditor"]
    creditor = Party.objects.create(
        organisation=org, kind="company", name=c["name"], credit_code=make_uscc(c["n"]),
        is_client=True,
    )  # fmt: skip
    debtors: dict[int, Party] = {}
    numbers = []
    for i, row in enumerate(spec["invoices"]):
        n = int(row["debtor"])
        if n not in debtors:
            debtors[n] = party_create(
                organisation=org, actor=None, kind="company", name=row["name"],
                credit_code=make_uscc(n),
            )  # fmt: skip
        due = dt.date.fromisoformat(row["due"])
        number = f"INV-{c['n']}-{i + 1}"
        invoice = InvoiceInput(number, Decimal(row["amount"]), due - dt.timedelta(days=30), due)
        case_open(
            organisation=org, actor=None, creditor=creditor, debtors=[debtors[n]],
            debt_type="trade", channel="web",
            invoices=[invoice],
        )  # fmt: skip
        numbers.append(number)
    return {"creditor": creditor.credit_code, "invoices": numbers}


if __name__ == "__main__":
    from qingqian.common.system import acting_as_system

    with acting_as_system("tests.seed"):  # a declared job, as the suite's own
        print(json.dumps(main(json.loads(sys.argv[1]))))
