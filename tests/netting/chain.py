"""The seed's 32-million-yuan auto-parts chain, built as a test fixture.

The seed tells of an auto-parts firm in Suzhou clearing 32 million yuan of chain debts by
coordinating its suppliers and customers. The network below is ours (the seed gives no
invoices): an OEM, the parts maker, its steel, electronics and logistics suppliers, a
dealer and a mould maker, 13 invoices, 44,000,000.00 yuan in all.

Why 32,000,000.00 is the optimum: a firm can have set off at most the smaller of its
receivables and its payables, and every fen set off on an obligation is counted once at
its creditor, so ``cleared <= sum over firms of min(receivable, payable)`` = 9.0M (OEM) +
11.5M (parts) + 4.0M (steel) + 5.0M (electronics) + 2.5M (logistics) + 0 (dealer, mould
maker) = 32.0M, and the set-off below reaches it. Every pair's set-off is forced by that
bound; within the parts maker's two invoices to the logistics firm the older is cleared
first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.netting.solver import Obligation

OEM = "苏州东吴整车制造有限公司"
PARTS = "苏州精工汽车零部件有限公司"
STEEL = "张家港宏达钢材有限公司"
CHIPS = "昆山华芯电子元件有限公司"
LOGISTICS = "吴江顺达物流有限公司"
DEALER = "苏州恒通汽车销售有限公司"
MOULDS = "常熟精密模具有限公司"

# id, debtor, creditor, amount, due, expected set-off
CHAIN = [
    ("OP-1", OEM, PARTS, "4000000.00", "2025-01-15", "4000000.00"),
    ("OP-2", OEM, PARTS, "3456789.12", "2025-03-31", "3456789.12"),
    ("OP-3", OEM, PARTS, "1543210.88", "2025-06-30", "1543210.88"),
    ("PS-1", PARTS, STEEL, "4000000.00", "2025-02-10", "4000000.00"),
    ("SO-1", STEEL, OEM, "4000000.00", "2025-04-20", "4000000.00"),
    ("PE-1", PARTS, CHIPS, "2000000.01", "2025-03-01", "2000000.01"),
    ("PE-2", PARTS, CHIPS, "2999999.99", "2025-05-01", "2999999.99"),
    ("EO-1", CHIPS, OEM, "6000000.00", "2025-04-30", "5000000.00"),
    ("PL-1", PARTS, LOGISTICS, "1800000.00", "2025-02-28", "1800000.00"),
    ("PL-2", PARTS, LOGISTICS, "1200000.00", "2025-05-31", "700000.00"),
    ("LP-1", LOGISTICS, PARTS, "2500000.00", "2025-03-15", "2500000.00"),
    ("DO-1", DEALER, OEM, "8000000.00", "2025-06-15", "0.00"),
    ("SM-1", STEEL, MOULDS, "2500000.00", "2025-05-20", "0.00"),
]

NET = {
    OEM: "9000000.00",
    PARTS: "-500000.00",
    STEEL: "-2500000.00",
    CHIPS: "-1000000.00",
    LOGISTICS: "500000.00",
    DEALER: "-8000000.00",
    MOULDS: "2500000.00",
}


def chain_obligations() -> list[Obligation]:
    return [
        Obligation(i, d, c, Decimal(a), dt.date.fromisoformat(due)) for i, d, c, a, due, _ in CHAIN
    ]
