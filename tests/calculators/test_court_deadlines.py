"""Court deadlines (legal-rules.md §11): worked examples, holiday shifts, dated citations."""

from __future__ import annotations

import datetime as dt

import pytest

from qingqian.calculators import CalculatorError, court_deadline
from qingqian.calculators.court_deadlines import Citation, CitationTable, DeadlineKind
from qingqian.calculators.holidays import CalendarEntry, HolidayCalendar

D = dt.date.fromisoformat

# kind, from, deadline, unshifted, article (2023 text unless the date is earlier)
WORKED = [
    # §8.1: served Monday 2026-03-02 → Tuesday 2026-03-17, no shift
    ("payment_order_objection", "2026-03-02", "2026-03-17", "2026-03-17", "Arts. 226-227"),
    # Spring Festival 2026 (02-15..02-23): 02-17 is a holiday → Tuesday 02-24
    ("appeal_judgment", "2026-02-02", "2026-02-24", "2026-02-17", "Art. 171"),
    # National Day 2026 (10-01..10-07): 10-01 → 10-08
    ("appeal_ruling", "2026-09-21", "2026-10-08", "2026-10-01", "Art. 171"),
    ("preservation_suit", "2026-09-01", "2026-10-08", "2026-10-01", "Art. 104"),
    # Saturday 2026-02-14 is a make-up working day: the period ends on it
    ("answer", "2026-01-30", "2026-02-14", "2026-02-14", "Art. 128"),
    # ordinary weekend: Saturday 2026-03-21 → Monday 03-23
    ("answer", "2026-03-06", "2026-03-23", "2026-03-21", "Art. 128"),
    # National Day 2025 (10-01..10-08): 10-08 → Thursday 10-09
    ("judicial_confirmation", "2025-09-08", "2025-10-09", "2025-10-08", "Art. 205"),
    # six months from 08-31 end on the month's last day, 2026-02-28, a make-up working day
    ("retrial", "2025-08-31", "2026-02-28", "2026-02-28", "Art. 216"),
    ("retrial", "2025-08-17", "2026-02-24", "2026-02-17", "Art. 216"),
    # legal-rules.md §10: performance due 2024-03-11 → 2026-03-11
    ("enforcement", "2024-03-11", "2026-03-11", "2026-03-11", "Art. 250"),
    ("enforcement", "2024-10-01", "2026-10-08", "2026-10-01", "Art. 250"),
    # before the 2023 text took effect (2024-01-01), the 2021 numbering is cited
    ("retrial", "2023-06-30", "2024-01-02", "2023-12-30", "Art. 212"),
    # Sunday 2023-12-31, then New Year's Day: Tuesday 2024-01-02, still the 2021 text
    ("judicial_confirmation", "2023-12-01", "2024-01-02", "2023-12-31", "Art. 201"),
]


@pytest.mark.parametrize(("kind", "start", "deadline", "raw", "article"), WORKED)
def test_worked_examples(kind: str, start: str, deadline: str, raw: str, article: str) -> None:
    result = court_deadline(kind, start=D(start))
    data = result.to_dict()
    assert data["deadline"] == deadline
    assert data["unshifted_deadline"] == raw
    assert data["shifted"] is (deadline != raw)
    assert data["provisional"] is False
    assert article in data["article"]
    assert any(article in r["article"] for r in data["rules"])
    assert any("Art. 85" in r["article"] for r in data["rules"])  # the counting rule


def test_rest_day_shift_lists_the_skipped_days() -> None:
    data = court_deadline(DeadlineKind.APPEAL_JUDGMENT, start=D("2026-02-02")).to_dict()
    assert data["skipped_days"][0] == "2026-02-17"
    assert data["skipped_days"][-1] == "2026-02-23"
    assert len(data["skipped_days"]) == 7
    assert any("2026-02-24" in s for s in data["explanation"]["zh"])


def test_make_up_day_is_a_working_day_and_says_so() -> None:
    data = court_deadline("answer", start=D("2026-01-30")).to_dict()
    assert data["skipped_days"] == []
    assert any("调休" in s for s in data["explanation"]["zh"])


def test_administrator_calendar_rows_are_used() -> None:
    # an administrator declares 2026-03-17 a rest day: the objection window moves a day
    cal = HolidayCalendar([CalendarEntry(D("2026-03-17"), workday=False, name="test")])
    data = court_deadline("payment_order_objection", start=D("2026-03-02"), calendar=cal)
    assert data["deadline"] == D("2026-03-18")


def test_unpublished_year_is_provisional() -> None:
    data = court_deadline("appeal_judgment", start=D("2031-05-01")).to_dict()
    assert data["provisional"] is True
    assert data["warnings"]


def test_unverified_article_number_is_flagged() -> None:
    data = court_deadline("preservation_suit", start=D("2026-05-06")).to_dict()
    assert any("Art. 104" in r["article"] and r["grade"] == "C" for r in data["rules"])
    assert any("verify" in w["en"] for w in data["warnings"])


def test_citations_are_dated_rows_an_administrator_can_extend() -> None:
    extra = Citation(
        kind="answer",
        valid_from=D("2030-01-01"),
        text="2029",
        article="第一百三十条 / Art. 130",
        grade="A",
    )
    table = CitationTable.default([extra])
    later = court_deadline("answer", start=D("2030-03-01"), citations=table).to_dict()
    earlier = court_deadline("answer", start=D("2026-03-01"), citations=table).to_dict()
    assert later["article"] == "第一百三十条 / Art. 130"
    assert later["rules"][0]["document"] == "《民事诉讼法》（2029修正）"
    assert earlier["article"] == "第一百二十八条 / Art. 128"


def test_date_before_every_text_cites_the_earliest_and_warns() -> None:
    data = court_deadline("appeal_ruling", start=D("2019-05-06")).to_dict()
    assert data["deadline"] == "2019-05-16"
    assert data["law_text"] == "2021"
    assert any("before every text" in w["en"] for w in data["warnings"])


@pytest.mark.parametrize("kind", ["", "appeal", "objection!", "ANSWERS"])
def test_unknown_kind_is_refused_bilingually(kind: str) -> None:
    with pytest.raises(CalculatorError) as info:
        court_deadline(kind, start=D("2026-03-02"))
    assert info.value.code == "unknown_kind"
    assert "未知的期限类型" in info.value.message_zh
    assert "Unknown deadline kind" in info.value.message_en


def test_kinds_accept_dashes_and_case() -> None:
    assert court_deadline("Appeal-Judgment", start=D("2026-03-02"))["kind"] == "appeal_judgment"


@pytest.mark.parametrize("kind", [k.value for k in DeadlineKind])
def test_every_kind_is_at_least_its_length_and_lands_on_a_working_day(kind: str) -> None:
    cal = HolidayCalendar()
    start = D("2025-01-01")
    for offset in range(0, 366, 7):
        day = start + dt.timedelta(days=offset)
        result = court_deadline(kind, start=day, calendar=cal)
        assert result["deadline"] >= result["unshifted_deadline"] > day
        assert not cal.is_rest_day(result["deadline"])
