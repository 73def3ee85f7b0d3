"""The rules mediation works under, as dated data (pure). ``verified`` is ``False`` where the
facts come from the issue or secondary reports and have not been checked against the official
text; pages show such rows as to-verify."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    name_zh: str
    name_en: str
    promulgated: dt.date | None
    in_force: dt.date | None
    note_zh: str
    note_en: str
    verified: bool
    as_of: dt.date


COMMERCIAL_MEDIATION_REGULATION = Source(
    "《商事调解条例》（国务院）",
    "Regulation on Commercial Mediation (State Council)",
    dt.date(2026, 1, 6),
    dt.date(2026, 5, 1),
    "共 33 条；商事调解组织依法设立登记，收费应公平合理并向社会公开。",
    "33 articles; commercial mediation organisations are registered and their fees must be "
    "fair, reasonable and published.",
    False,
    dt.date(2026, 12, 6),
)

PEOPLES_MEDIATION_LAW = Source(
    "《中华人民共和国人民调解法》",
    "People's Mediation Law",
    dt.date(2010, 8, 28),
    dt.date(2011, 1, 1),
    "第二十九条：调解协议书的内容与生效；第三十三条：自调解协议生效之日起三十日内共同申请司法确认。",
    "Art. 29: the agreement's contents and when it takes effect; Art. 33: a joint application "
    "for judicial confirmation within 30 days of the agreement taking effect.",
    False,
    dt.date(2026, 12, 6),
)

CIVIL_PROCEDURE_LAW = Source(
    "《中华人民共和国民事诉讼法》（2023年修正）",
    "Civil Procedure Law (2023 amendment)",
    dt.date(2023, 9, 1),
    dt.date(2024, 1, 1),
    "第二百零五条、第二百零六条：确认调解协议案件（特别程序）；确认调解协议案件不交纳案件受理费。",
    "Arts. 205-206: confirming mediation agreements (special procedure); no case fee.",
    False,
    dt.date(2026, 12, 6),
)

SOURCES = (COMMERCIAL_MEDIATION_REGULATION, PEOPLES_MEDIATION_LAW, CIVIL_PROCEDURE_LAW)
