"""Seed one test instance (run in that instance's environment): ``python -m
tests.consortium.seed '<json>'`` with ``{"debtors": [{"n": 7, "name": "…", "due":
"2025-02-10", "judgment": "2026-05-06", "dishonest": true}]}``. Prints the case references
as JSON, in order. Debtors are companies with valid fictitious credit codes
(``tests.support.make_uscc(n)``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal


def main(spec: dict[str, list[dict[str, object]]]) -> list[str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingqian.settings")
    django.setup()
    from qingqian.accounts.models import Organisation
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.litigation.models import Proceeding
    from qingqian.parties.models import Party
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    org = Organisation.objects.create(name="测试机构", short_code="t")
    creditor = Party.objects.create(
        organisation=org, kind="company", name="债权人有限公司", credit_code=make_uscc(1),
        is_client=True,
    )  # fmt: skip
    refs = []
    for d in spec["debtors"]:
        debtor = party_create(
            organisation=org, actor=None, kind="company", name=str(d["name"]),
            credit_code=make_uscc(int(str(d["n"]))),
        )  # fmt: skip
        due = dt.date.fromisoformat(str(d.get("due", "2025-02-10")))
        case = case_open(
            organisation=org, actor=None, creditor=creditor, debtors=[debtor],
            debt_type="trade", channel="web",
            invoices=[
                InvoiceInput(f"INV-{d['n']}", Decimal("5000.00"), due - dt.timedelta(days=30), due)
            ],
        )  # fmt: skip
        if d.get("judgment"):
            Proceeding.objects.create(
                case=case, kind="first_instance", court="苏州市姑苏区人民法院",
                case_number="（2026）苏0508民初1号",
                judgment_on=dt.date.fromisoformat(str(d["judgment"])),
                debtor_dishonest=bool(d.get("dishonest")),
            )  # fmt: skip
        refs.append(case.reference)
    return refs


if __name__ == "__main__":
    from qingqian.common.system import acting_as_system

    with acting_as_system("tests.seed"):  # a declared job, as the suite's own
        print(json.dumps(main(json.loads(sys.argv[1]))))
