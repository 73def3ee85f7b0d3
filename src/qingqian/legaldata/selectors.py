from __future__ import annotations

from qingqian.calculators.holidays import CalendarEntry, HolidayCalendar
from qingqian.calculators.procedure import SmallClaimsBand, SmallClaimsTable
from qingqian.calculators.rates import LprQuote, LprTable
from qingqian.calculators.requests import Context
from qingqian.legaldata.models import HolidayDay, LprQuoteRow, SmallClaimsLimitRow


def _holidays() -> list[CalendarEntry]:
    return [
        CalendarEntry(day=h.day, workday=h.workday, name=h.name, source=h.source)
        for h in HolidayDay.objects.all()
    ]


def holiday_calendar() -> HolidayCalendar | None:
    """The packaged holiday calendar plus the days an administrator added (``None``: the
    packaged one alone), as ``calc_context().calendar`` gives it, in one query instead of
    three for callers that count court days only."""
    holidays = _holidays()
    return HolidayCalendar(extra=holidays) if holidays else None


def calc_context() -> Context:
    """The packaged tables plus every row an administrator added."""
    holidays = _holidays()
    quotes = [
        LprQuote(
            day=q.day,
            one_year=q.one_year,
            five_year=q.five_year,
            grade=q.grade,
            source=q.source or "admin",
            note=q.note,
        )
        for q in LprQuoteRow.objects.all()
    ]
    bands: dict[str, list[SmallClaimsBand]] = {}
    for r in SmallClaimsLimitRow.objects.all():
        bands.setdefault(r.province.lower(), []).append(
            SmallClaimsBand(
                valid_from=r.valid_from,
                limit=r.limit,
                agreed_ceiling=r.agreed_ceiling,
                wage_year=r.wage_year,
                average_wage=r.average_wage,
                grade="A",
                source=r.source or "admin",
            )
        )
    return Context(
        calendar=HolidayCalendar(extra=holidays) if holidays else None,
        rates=LprTable.default(extra=quotes) if quotes else None,
        small_claims=SmallClaimsTable.default(extra=bands) if bands else None,
    )
