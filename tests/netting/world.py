"""The seed's auto-parts chain as parties, cases and invoices of one organisation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from tests.netting.chain import CHAIN, NET
from tests.support import make_uscc

FIRMS = list(NET)


def build_chain(org: Any, actor: Any) -> dict[str, Any]:
    """Parties for the seven firms and one case per (creditor, debtor) with its invoices.

    Returns firm name → Party."""
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create

    parties = {
        name: party_create(
            organisation=org,
            actor=None,
            kind="company",
            name=name,
            credit_code=make_uscc(500 + i),
        )
        for i, name in enumerate(FIRMS)
    }
    by_pair: dict[tuple[str, str], list[InvoiceInput]] = defaultdict(list)
    for oid, debtor, creditor, amount, due, _ in CHAIN:
        day = dt.date.fromisoformat(due)
        by_pair[creditor, debtor].append(
            InvoiceInput(oid, Decimal(amount), day - dt.timedelta(days=30), day)
        )
    for (creditor, debtor), invoices in by_pair.items():
        case_open(
            organisation=org,
            actor=actor,
            creditor=parties[creditor],
            debtors=[parties[debtor]],
            debt_type="trade",
            channel="web",
            invoices=invoices,
        )
    return parties
