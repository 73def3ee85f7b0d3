"""The rules mediation works under, as dated data (pure). ``verified`` is ``False`` where the
facts come from the issue or secondary reports and have not been checked against the official
text; pages show such rows as to-verify.

Source of each row: the project's legal rules table (/work/shared/docs/legal-rules.md §12,
found 2026-12): M3 (judicial confirmation: 30 days, no court fee, 3 days to accept; 人民调解法
Art. 33, 民诉法 Arts. 205–206 (2023), 诉讼费用交纳办法 Art. 8; grade A/B) and M4 (《商事调解
条例》, Decree No. 789, 2026-01-06 / 2026-05-01, 33 articles, fees Art. 16, links Art. 7; grade
B, from secondary reports of the decree). Neither has been checked against the official
text, so all stay ``verified=False``."""

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
    "国务院令第789号，共 33 条；商事调解组织为非营利法人，须取得执业证书（资产不少于 30 万元）；"
    "可以收取调解费用，收费应公平合理并向社会公开（第十六条）；调解与诉讼、仲裁、公证衔接（第七条）。",
    "State Council Decree No. 789, 33 articles; commercial mediation organisations are "
    "non-profit, licensed (practising certificate, assets of at least 300,000 yuan); they may "
    "charge fees that are fair, reasonable and published (Art. 16); mediation links to "
    "litigation, arbitration and notarisation (Art. 7).",
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
    "第二百零五条、第二百零六条：确认调解协议案件（特别程序），双方自调解协议生效之日起三十日内"
    "共同申请；法院三日内决定是否受理；不交纳案件受理费（《诉讼费用交纳办法》第八条）。",
    "Arts. 205-206: confirming mediation agreements (special procedure), applied for jointly "
    "within 30 days of the agreement taking effect; the court decides within 3 days whether "
    "to accept; no case fee (Measures on the Payment of Litigation Costs, Art. 8).",
    False,
    dt.date(2026, 12, 6),
)

SOURCES = (COMMERCIAL_MEDIATION_REGULATION, PEOPLES_MEDIATION_LAW, CIVIL_PROCEDURE_LAW)
