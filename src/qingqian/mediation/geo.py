"""Places and speech (pure, no Django): Suzhou's administrative divisions as data, the
dialects a mediator or collector may speak with a level, and reading a debtor's locality from
an address.

The divisions are the county-level units of 苏州市 (five districts, the Suzhou Industrial Park
as its own management area, four county-level cities including 昆山市) and their towns (镇) and
streets (街道). ``DIVISIONS_AS_OF`` dates the list; ``DIVISIONS_VERIFIED`` stays ``False``
until someone has checked it against the Ministry of Civil Affairs' published division codes
(towns are merged and renamed every few years). A locality is written ``"昆山市"`` (a
county-level unit) or ``"昆山市/周市镇"`` (a town or street in it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

DIVISIONS_AS_OF = dt.date(2026, 12, 6)
DIVISIONS_VERIFIED = False
DIVISIONS_SOURCE = (
    "苏州市行政区划（县级单位及镇、街道），据公开的行政区划资料整理，待与民政部区划代码核对",
    "Suzhou's divisions (county-level units, towns and streets), compiled from public "
    "division lists; to be verified against the Ministry of Civil Affairs' division codes",
)

#: county-level unit → its towns (镇) and streets (街道).
DIVISIONS: dict[str, tuple[str, ...]] = {
    "姑苏区": (
        "平江街道",
        "沧浪街道",
        "金阊街道",
        "双塔街道",
        "虎丘街道",
        "白洋湾街道",
        "吴门桥街道",
        "苏锦街道",
    ),
    "虎丘区": ("狮山街道", "枫桥街道", "横塘街道", "浒墅关镇", "通安镇", "东渚街道"),
    "吴中区": (
        "长桥街道",
        "越溪街道",
        "横泾街道",
        "木渎镇",
        "甪直镇",
        "胥口镇",
        "东山镇",
        "光福镇",
        "金庭镇",
        "临湖镇",
    ),
    "相城区": (
        "元和街道",
        "太平街道",
        "北桥街道",
        "黄桥街道",
        "望亭镇",
        "黄埭镇",
        "渭塘镇",
        "阳澄湖镇",
    ),
    "吴江区": (
        "松陵街道",
        "同里镇",
        "震泽镇",
        "盛泽镇",
        "黎里镇",
        "七都镇",
        "桃源镇",
        "平望镇",
    ),
    "苏州工业园区": ("娄葑街道", "斜塘街道", "唯亭街道", "胜浦街道"),
    "常熟市": (
        "虞山街道",
        "梅李镇",
        "海虞镇",
        "古里镇",
        "沙家浜镇",
        "支塘镇",
        "董浜镇",
        "尚湖镇",
        "辛庄镇",
    ),
    "张家港市": (
        "杨舍镇",
        "塘桥镇",
        "金港镇",
        "锦丰镇",
        "乐余镇",
        "凤凰镇",
        "南丰镇",
        "大新镇",
    ),
    "昆山市": (
        "玉山镇",
        "巴城镇",
        "周市镇",
        "陆家镇",
        "花桥镇",
        "张浦镇",
        "千灯镇",
        "淀山湖镇",
        "周庄镇",
        "锦溪镇",
    ),
    "太仓市": ("城厢镇", "沙溪镇", "浏河镇", "浮桥镇", "璜泾镇", "双凤镇"),
}

#: English names of the county-level units (towns keep their pinyin-free Chinese names).
DIVISION_EN: dict[str, str] = {
    "姑苏区": "Gusu District",
    "虎丘区": "Huqiu District",
    "吴中区": "Wuzhong District",
    "相城区": "Xiangcheng District",
    "吴江区": "Wujiang District",
    "苏州工业园区": "Suzhou Industrial Park",
    "常熟市": "Changshu",
    "张家港市": "Zhangjiagang",
    "昆山市": "Kunshan",
    "太仓市": "Taicang",
}


class Dialect(StrEnum):
    MANDARIN = "mandarin"
    SUZHOU = "suzhou"
    KUNSHAN = "kunshan"
    SHANGHAI = "shanghai"
    WU_OTHER = "wu_other"


DIALECT_LABELS: dict[Dialect, tuple[str, str]] = {
    Dialect.MANDARIN: ("普通话", "Mandarin"),
    Dialect.SUZHOU: ("苏州话", "Suzhou Wu"),
    Dialect.KUNSHAN: ("昆山话", "Kunshan Wu"),
    Dialect.SHANGHAI: ("上海话", "Shanghai Wu"),
    Dialect.WU_OTHER: ("其他吴语", "other Wu"),
}

WU: frozenset[Dialect] = frozenset(
    {Dialect.SUZHOU, Dialect.KUNSHAN, Dialect.SHANGHAI, Dialect.WU_OTHER}
)


class Level(StrEnum):
    NATIVE = "native"
    FLUENT = "fluent"
    UNDERSTANDS = "understands"


LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    Level.NATIVE: ("母语", "native"),
    Level.FLUENT: ("流利", "fluent"),
    Level.UNDERSTANDS: ("能听懂", "understands"),
}

LEVEL_WEIGHT: dict[Level, float] = {Level.NATIVE: 1.0, Level.FLUENT: 0.8, Level.UNDERSTANDS: 0.4}


class Speciality(StrEnum):
    TRADE = "trade"
    CONSTRUCTION = "construction"
    PRIVATE_LOAN = "private_loan"
    FAMILY = "family"


SPECIALITY_LABELS: dict[Speciality, tuple[str, str]] = {
    Speciality.TRADE: ("买卖/商账", "trade debts"),
    Speciality.CONSTRUCTION: ("建设工程", "construction"),
    Speciality.PRIVATE_LOAN: ("民间借贷", "private loans"),
    Speciality.FAMILY: ("邻里与家庭", "neighbours and family"),
}

#: The speech most people in a county-level unit grow up with (used when a debtor's
#: preferred dialect is not known but their locality is).
LOCAL_DIALECT: dict[str, Dialect] = dict.fromkeys(DIVISIONS, Dialect.SUZHOU) | {
    "昆山市": Dialect.KUNSHAN,
}


@dataclass(frozen=True, slots=True)
class Locality:
    district: str
    town: str = ""

    @property
    def code(self) -> str:
        return f"{self.district}/{self.town}" if self.town else self.district

    def label(self, en: bool = False) -> str:
        district = DIVISION_EN.get(self.district, self.district) if en else self.district
        return f"{district} {self.town}".strip() if self.town else district


def parse_locality(code: str) -> Locality:
    """``"昆山市/周市镇"`` → a :class:`Locality`; ``ValueError`` if it is not in the data."""
    district, _, town = code.strip().partition("/")
    if district not in DIVISIONS:
        raise ValueError(f"unknown district: {district}")
    if town and town not in DIVISIONS[district]:
        raise ValueError(f"unknown town or street in {district}: {town}")
    return Locality(district, town)


def locality_choices() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for district, towns in DIVISIONS.items():
        out.append((district, district))
        out.extend((f"{district}/{t}", f"{district} {t}") for t in towns)
    return out


def locality_from_address(*parts: str) -> Locality | None:
    """The most precise locality named in a registered address (district, then town)."""
    text = "".join(p for p in parts if p)
    for district, towns in DIVISIONS.items():
        short = district.removesuffix("市").removesuffix("区")
        if district in text or (len(short) >= 2 and short in text):
            town = next((t for t in towns if t in text), "")
            return Locality(district, town)
    for district, towns in DIVISIONS.items():
        town = next((t for t in towns if t in text), "")
        if town:
            return Locality(district, town)
    return None
