"""A deterministic synthetic receivables ledger, shared by the benchmarks.

Debtors are fictitious Suzhou-area companies with unified social credit codes that pass
both checks a real code carries: the GB 11714 check digit of the embedded organisation code
(characters 9-17) and the GB 32100 check character (character 18). Invoices are spread over
debtors with a long tail (a few debtors owe many invoices, most owe a handful), amounts are
log-uniform between 300 and 800,000 yuan with two decimals, and due dates fall 30, 60, 90 or
180 days after the invoice date, which lies between 2023-01-01 and 2025-12-31.

Same seed, same file, byte for byte. No Django import.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# GB 32100-2015: the 31 characters a code may use, in value order.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997: the organisation code's check digit over its 8 body characters.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Suzhou registration areas (行政区划代码) and the names that go with them.
AREAS = (
    ("320508", "姑苏", "姑苏区"),
    ("320505", "虎丘", "虎丘区"),
    ("320506", "吴中", "吴中区"),
    ("320507", "相城", "相城区"),
    ("320509", "吴江", "吴江区"),
    ("320571", "苏州工业园区", "苏州工业园区"),
    ("320581", "常熟", "常熟市"),
    ("320582", "张家港", "张家港市"),
    ("320583", "昆山", "昆山市"),
    ("320585", "太仓", "太仓市"),
)
WORDS = (
    *("恒达", "鑫源", "华泰", "精工", "永盛", "宏图", "瑞丰", "金鼎", "天成", "博远"),
    *("佳和", "新程", "汇通", "安捷", "联创", "同裕", "德信", "盛世", "东吴", "澄湖"),
    *("阳澄", "枫桥", "木渎", "胥江", "石湖", "锦绣", "明德", "中翔", "凯越", "嘉禾"),
)
TRADES = (
    "精密电子",
    "汽车零部件",
    "模具",
    "五金制品",
    "纺织",
    "物流",
    "包装材料",
    "机电设备",
    "新材料",
    "建筑工程",
    "装饰工程",
    "酒店管理",
    "旅行社",
    "餐饮管理",
    "光电科技",
    "电缆",
    "塑胶制品",
    "环保科技",
    "医疗器械",
    "软件科技",
)
FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "科技有限公司")
HEADER = ("客户名称", "统一社会信用代码", "发票号", "金额", "开票日期", "到期日", "区县", "备注")
FIRST_ISSUE = dt.date(2023, 1, 1)
ISSUE_SPAN_DAYS = (dt.date(2025, 12, 31) - FIRST_ISSUE).days
TERMS = (30, 60, 60, 90, 90, 180)


def org_code_check(body: str) -> str:
    """GB 11714 check digit for an 8-character organisation code body (digits, A=10 … Z=35)."""
    values = (int(c) if c.isdigit() else ord(c) - 55 for c in body)
    total = sum(v * w for v, w in zip(values, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def uscc_check(base17: str) -> str:
    """GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(base17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(area: str, org_body: str, authority: str = "9", kind: str = "1") -> str:
    base = f"{authority}{kind}{area}{org_body}{org_code_check(org_body)}"
    return base + uscc_check(base)


@dataclass(frozen=True)
class Debtor:
    name: str
    credit_code: str
    district: str


def make_debtors(n: int, rng: random.Random) -> list[Debtor]:
    """``n`` companies with distinct names and distinct valid credit codes."""
    debtors: list[Debtor] = []
    names: set[str] = set()
    bodies: set[str] = set()
    while len(debtors) < n:
        code, place, district = rng.choice(AREAS)
        name = f"苏州{place}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES)}"
        name += rng.choice(FORMS)
        body = f"{rng.randrange(10**8):08d}"
        if name in names or body in bodies:
            continue
        names.add(name)
        bodies.add(body)
        debtors.append(Debtor(name, make_uscc(code, body), district))
    return debtors


def _amount(rng: random.Random) -> str:
    fen = int(math.exp(rng.uniform(math.log(30_000), math.log(80_000_000))))
    return f"{fen // 100}.{fen % 100:02d}"


def ledger_rows(rows: int, *, debtors: int, seed: int) -> Iterator[tuple[str, ...]]:
    """Data rows (without header) of a ledger with ``rows`` invoices over ``debtors`` debtors."""
    rng = random.Random(seed)
    people = make_debtors(debtors, rng)
    # Long tail: debtor weights ~ 1/(rank+10); every debtor gets at least one invoice.
    order = list(range(debtors))
    weights = [1.0 / (rank + 10) for rank in range(debtors)]
    picks = order[: min(rows, debtors)] + rng.choices(
        order, weights=weights, k=max(0, rows - debtors)
    )
    rng.shuffle(picks)
    for seq, who in enumerate(picks, start=1):
        d = people[who]
        issue = FIRST_ISSUE + dt.timedelta(days=rng.randrange(ISSUE_SPAN_DAYS + 1))
        due = issue + dt.timedelta(days=rng.choice(TERMS))
        note = "" if rng.random() < 0.8 else rng.choice(("货款", "进度款", "质保金", "服务费"))
        yield (
            d.name,
            d.credit_code,
            f"FP{issue.year}{seq:08d}",
            _amount(rng),
            issue.isoformat(),
            due.isoformat(),
            d.district,
            note,
        )


def write_ledger(path: Path, rows: int, *, debtors: int | None = None, seed: int = 2025) -> int:
    """Write a UTF-8 CSV ledger; return the number of distinct debtors used."""
    n_debtors = debtors if debtors is not None else max(1, round(rows * 0.08))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(ledger_rows(rows, debtors=n_debtors, seed=seed))
    return n_debtors


def case_book_rows(
    cases: int, *, seed: int, invoices_per_case: tuple[int, int] = (1, 3)
) -> Iterator[tuple[str, ...]]:
    """Rows for a case book of ``cases`` distinct debtors, each owing 1-3 invoices.

    Imported for one creditor, every debtor becomes one case holding its invoices.
    """
    rng = random.Random(seed)
    seq = 0
    for d in make_debtors(cases, rng):
        for _ in range(rng.randint(*invoices_per_case)):
            seq += 1
            issue = FIRST_ISSUE + dt.timedelta(days=rng.randrange(ISSUE_SPAN_DAYS + 1))
            due = issue + dt.timedelta(days=rng.choice(TERMS))
            yield (
                d.name,
                d.credit_code,
                f"FP{issue.year}{seq:08d}",
                _amount(rng),
                issue.isoformat(),
                due.isoformat(),
                d.district,
                "",
            )


def write_rows(path: Path, rows: Iterator[tuple[str, ...]]) -> int:
    """Write a UTF-8 CSV ledger from ``rows``; return how many data rows were written."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for row in rows:
            w.writerow(row)
            n += 1
    return n
