"""Fictitious Chinese identifiers with correct check characters (pure: no Django).

* 统一社会信用代码 (unified social credit code, GB 32100-2015): 2 characters for the
  registering authority and entity type, the 6-digit area code of the registry, the
  9-character organisation code (GB 11714: 8 characters and their own check character) and a
  check character over the first 17, modulo 31 with weights ``3**i mod 31``.
* 居民身份证号码 (resident ID number, GB 11643-1999): 6-digit area code, birth date, 3-digit
  sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
* Mainland mobile numbers and Suzhou landlines.

An ID number carries the area code in force where and when the person was first registered,
not where they live now: 姑苏区 (320508) was formed in 2012 from 沧浪, 平江 and 金阊, so
nobody born 1960–2000 carries 320508. ``python-stdnum``'s ``cn.ric.is_valid`` checks exactly
that against its dated table, so the birth-area table below lists, per current district, the
codes that table accepts for a birth year, and people born elsewhere (many Suzhou residents
were) carry codes from 苏北, 安徽 or 河南.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))

# Current districts of Suzhou (the address of a party) and the registry area code that
# appears in the unified social credit codes of firms registered there.
DISTRICTS: dict[str, str] = {
    "姑苏区": "320508",
    "虎丘区": "320505",
    "吴中区": "320506",
    "相城区": "320507",
    "吴江区": "320509",
    "苏州工业园区": "320594",  # not a county in GB/T 2260; the park's registry code
    "常熟市": "320581",
    "张家港市": "320582",
    "昆山市": "320583",
    "太仓市": "320585",
}


@dataclass(frozen=True)
class BirthArea:
    code: str
    first_year: int | None  # inclusive; None = open
    last_year: int | None
    districts: tuple[str, ...]  # current districts this code lies in; () = born elsewhere

    def valid_in(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


BIRTH_AREAS: tuple[BirthArea, ...] = (
    BirthArea("320500", None, None, tuple(DISTRICTS)),  # 苏州市
    BirthArea("320502", 1983, 2012, ("姑苏区",)),  # 沧浪区
    BirthArea("320503", 1983, 2012, ("姑苏区",)),  # 平江区
    BirthArea("320504", 1983, 2012, ("姑苏区",)),  # 金阊区
    BirthArea("320511", 1983, 2000, ("虎丘区", "苏州工业园区")),  # 郊区
    BirthArea("320505", 2000, None, ("虎丘区",)),
    BirthArea("320506", 2000, None, ("吴中区", "苏州工业园区")),
    BirthArea("320507", 2000, None, ("相城区",)),
    BirthArea("320524", 1983, 1995, ("吴中区", "相城区", "苏州工业园区")),  # 吴县
    BirthArea("320586", 1995, 2000, ("吴中区", "相城区")),  # 吴县市
    BirthArea("320525", 1983, 1992, ("吴江区",)),  # 吴江县
    BirthArea("320584", 1992, 2012, ("吴江区",)),  # 吴江市
    BirthArea("320520", 1983, 1986, ("常熟市",)),
    BirthArea("320581", 1989, None, ("常熟市",)),
    BirthArea("320521", 1983, 1986, ("张家港市",)),  # 沙洲县
    BirthArea("320582", 1989, None, ("张家港市",)),
    BirthArea("320523", 1983, 1989, ("昆山市",)),  # 昆山县
    BirthArea("320583", 1989, None, ("昆山市",)),
    BirthArea("320522", 1983, 1993, ("太仓市",)),  # 太仓县
    BirthArea("320585", 1993, None, ("太仓市",)),
    # Born elsewhere.
    BirthArea("320321", 1983, None, ()),  # 徐州 丰县
    BirthArea("320324", 1983, None, ()),  # 徐州 睢宁县
    BirthArea("320923", 1983, None, ()),  # 盐城 阜宁县
    BirthArea("321023", 1983, None, ()),  # 扬州 宝应县
    BirthArea("340121", None, None, ()),  # 合肥 长丰县
    BirthArea("340421", None, None, ()),  # 淮南 凤台县
    BirthArea("342221", None, 1998, ()),  # 宿州 砀山县
    BirthArea("412721", None, 2000, ()),  # 周口 扶沟县
    BirthArea("410522", 1983, None, ()),  # 安阳 安阳县
)

# Mobile prefixes that ``phonenumbers`` accepts as valid mainland mobile numbers.
MOBILE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "158",
    "159", "177", "185", "186", "187", "188", "189", "199",
)  # fmt: skip


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError(f"not 17 credit-code characters: {first17!r}")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997): digits, then A=10 … Z=35."""
    if len(first8) != 8 or not first8.isalnum() or not first8.isascii():
        raise ValueError(f"not 8 organisation-code characters: {first8!r}")
    total = sum(int(c, 36) * w for c, w in zip(first8.upper(), _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_uscc(rng: random.Random, district: str) -> str:
    """A company's code: 91 (市场监管, enterprise), the district's registry area, an
    organisation code (new-style ``MA…`` since 2015, or an older all-digit one), check."""
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    else:
        body = f"{rng.randint(10_000_000, 99_999_999)}"
    org_code = body + org_code_check_char(body)
    first17 = "91" + DISTRICTS[district] + org_code
    return first17 + uscc_check_char(first17)


def ric_check_char(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"not 17 digits: {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def birth_area(rng: random.Random, district: str, year: int, *, local: float = 0.75) -> str:
    """An area code valid in ``year``: one of ``district``'s own codes with probability
    ``local`` when one existed that year, else 苏州市 (320500) or a code from elsewhere."""
    own = [
        a.code
        for a in BIRTH_AREAS
        if a.valid_in(year) and district in a.districts and a.code != "320500"
    ]
    if own and rng.random() < local:
        return rng.choice(own)
    if rng.random() < 0.5:
        return "320500"
    return rng.choice([a.code for a in BIRTH_AREAS if a.valid_in(year) and not a.districts])


def make_ric(rng: random.Random, district: str, *, female: bool) -> str:
    """A resident ID number for someone living in ``district``, born 1960–2000."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 14_975))  # to 2000-12-31
    area = birth_area(rng, district, birth.year)
    seq = rng.randrange(0 if female else 1, 1000, 2)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + ric_check_char(first17)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def make_landline(rng: random.Random) -> str:
    """A Suzhou (0512) fixed-line number: eight digits starting 6 or 5."""
    return f"0512-{rng.choice('65')}{rng.randint(0, 9_999_999):07d}"
