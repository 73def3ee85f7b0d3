"""Fictitious identifiers with valid check characters (pure)."""

from __future__ import annotations

import random

from stdnum.cn import ric, uscc

# Suzhou county-level area codes (GB/T 2260) used for registrations and ID numbers.
SUZHOU_AREAS = {
    "姑苏区": "320508",
    "虎丘区": "320505",
    "吴中区": "320506",
    "相城区": "320507",
    "吴江区": "320509",
    "苏州工业园区": "320571",
    "常熟市": "320581",
    "张家港市": "320582",
    "昆山市": "320583",
    "太仓市": "320585",
}
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random, area: str) -> str:
    """A unified social credit code: 91 (enterprise) + area + 9-character organisation code."""
    body = "".join(rng.choice(_USCC_BODY) for _ in range(9))
    base = f"91{area}{body}"
    return base + uscc.calc_check_digit(base)


def make_ric(rng: random.Random, area: str) -> str:
    """A resident ID number born 1960–2000 with its ISO 7064 MOD 11-2 check digit."""
    year = rng.randint(1960, 2000)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    base = f"{area}{year:04d}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    return base + ric.calc_check_digit(base + "0")


def make_mobile(rng: random.Random) -> str:
    return (
        f"1{rng.choice(['39', '38', '37', '36', '58', '88', '89'])}{rng.randint(0, 99999999):08d}"
    )
