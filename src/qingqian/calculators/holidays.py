"""Working days and statutory rest days, for moving a period's last day (Civil Code Art. 203).

The calendar is ``chinesecalendar`` for the years the State Council has published, plus an
extension table an administrator keeps (``CalendarEntry`` rows: a date that is a holiday, or
a make-up working day). A year is *published* when either source covers it. For a year not
yet published, only weekends and the fixed-date holidays of 《全国年节及纪念日放假办法》 are
known, and every answer that depended on such a year is flagged ``provisional``: lunar
holidays (Spring Festival, Dragon Boat, Mid-Autumn), Qingming and the make-up working days
are missing until the year's 放假安排 is entered.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)

# (month, day, name): statutory holidays on fixed solar dates, as amended with effect from
# 2025-01-01 (Labour Day became two days). Grade D in legal-rules.md terms: recalled, not
# read in the mirror; an administrator should confirm and enter each published year anyway.
FIXED_DATE_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦 New Year's Day"),
    (5, 1, "劳动节 Labour Day"),
    (5, 2, "劳动节 Labour Day"),
    (10, 1, "国庆节 National Day"),
    (10, 2, "国庆节 National Day"),
    (10, 3, "国庆节 National Day"),
)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One administrator-entered day: a rest day (``workday=False``) or a make-up working day."""

    day: dt.date
    workday: bool
    name: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Shift:
    """The outcome of moving a last day past rest days."""

    original: dt.date
    day: dt.date
    skipped: tuple[dt.date, ...]
    provisional: bool

    @property
    def shifted(self) -> bool:
        return self.day != self.original


class HolidayCalendar:
    """Rest days from ``chinesecalendar`` plus an administrator's extension table."""

    def __init__(self, extra: Iterable[CalendarEntry] = (), *, use_library: bool = True) -> None:
        self._extra: dict[dt.date, CalendarEntry] = {e.day: e for e in extra}
        self._extra_years = {d.year for d in self._extra}
        if use_library:
            years = {d.year for d in chinese_calendar.holidays}
            self._library_years = set(range(min(years), max(years) + 1))
        else:
            self._library_years = set()

    def is_published(self, year: int) -> bool:
        return year in self._library_years or year in self._extra_years

    @property
    def last_published_year(self) -> int | None:
        years = self._library_years | self._extra_years
        return max(years) if years else None

    def is_rest_day(self, day: dt.date) -> bool:
        """Weekends and holidays, except make-up working days (which count as working days)."""
        entry = self._extra.get(day)
        if entry is not None:
            return not entry.workday
        if day.year in self._library_years:
            return not chinese_calendar.is_workday(day)
        if day.weekday() >= 5:
            return True
        return any((day.month, day.day) == (m, d) for m, d, _ in FIXED_DATE_HOLIDAYS)

    def shift(self, day: dt.date) -> Shift:
        """The first working day on or after ``day`` (Art. 203: a period ending on a rest day
        ends on the day after it)."""
        provisional = not self.is_published(day.year)
        skipped: list[dt.date] = []
        current = day
        while self.is_rest_day(current):
            skipped.append(current)
            current += ONE_DAY
            provisional = provisional or not self.is_published(current.year)
        return Shift(day, current, tuple(skipped), provisional)


@functools.cache
def default_calendar() -> HolidayCalendar:
    """The library calendar with no extension rows (shared, read-only)."""
    return HolidayCalendar()
