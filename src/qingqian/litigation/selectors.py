"""Reads for the judicial route: a case's proceedings, deadlines and clues, the deadlines a
user may see (calendar, queue, feed), and the case's limitation deadline from every
interruption it records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, DateTimeField, QuerySet, Value
from django.utils import timezone

from qingqian.accounts.models import User
from qingqian.calculators.limitation import EventKind, Interruption, limitation_deadline
from qingqian.cases.models import Case
from qingqian.cases.selectors import cases_visible_to
from qingqian.legaldata.selectors import holiday_calendar
from qingqian.litigation.models import (
    AssetClue,
    CourtDeadline,
    Hearing,
    InterruptionKind,
    LimitationEvent,
    LitigationDocument,
    Proceeding,
)
from qingqian.litigation.rules import WARNING_DAYS, Urgency, urgency
from qingqian.negotiation.models import Promise
from qingqian.payments.models import Payment, PaymentKind

#: How a recorded interruption maps onto the calculator's event kinds.
EVENT_KINDS: dict[str, EventKind] = {
    InterruptionKind.DEMAND: EventKind.DEMAND,
    InterruptionKind.ACKNOWLEDGEMENT: EventKind.AGREEMENT,
    InterruptionKind.PART_PAYMENT: EventKind.PART_PAYMENT,
    InterruptionKind.PROMISE: EventKind.AGREEMENT,
    InterruptionKind.FILING: EventKind.SUIT,
    InterruptionKind.MEDIATION: EventKind.MEDIATION,
}

#: Payments that are not the debtor's own part performance.
_NOT_PART_PAYMENT = {PaymentKind.REVERSAL.value, PaymentKind.COURT.value}


def case_proceedings(case: Case) -> list[Proceeding]:
    return list(Proceeding.objects.filter(case=case).prefetch_related("hearings", "deadlines"))


def case_asset_clues(case: Case) -> list[AssetClue]:
    return list(AssetClue.objects.filter(case=case))


def case_documents(case: Case) -> list[LitigationDocument]:
    return list(LitigationDocument.objects.filter(case=case))


def deadlines_visible_to(user: User | None) -> QuerySet[CourtDeadline]:
    return (
        CourtDeadline.objects.filter(case__in=cases_visible_to(user))
        .select_related("case", "proceeding")
        .order_by("due", "pk")
    )


def deadlines_due_soon(
    user: User | None, *, today: dt.date, window: int = WARNING_DAYS
) -> list[CourtDeadline]:
    """Open deadlines overdue or falling due within ``window`` days."""
    return list(
        deadlines_visible_to(user).filter(
            done_on__isnull=True, due__lte=today + dt.timedelta(days=window)
        )
    )


def deadline_urgency(deadline: CourtDeadline, today: dt.date) -> Urgency:
    return urgency(deadline.due, today, done=deadline.done_on is not None)


@dataclass(frozen=True)
class LimitationSource:
    kind: str
    day: dt.date
    label: str


def limitation_sources(case: Case) -> list[LimitationSource]:
    """Every interruption the case records, oldest first: recorded events, the debtor's own
    payments (not reversed, neither reversals nor court collections), promises and filings,
    read in one ``UNION ALL`` (the case page shows the deadline on every case)."""
    no_day = Value(None, output_field=DateField())
    no_at = Value(None, output_field=DateTimeField())
    parts = [
        LimitationEvent.objects.filter(case=case).values_list("kind", "day", no_at),
        Payment.objects.filter(case=case, reversed_by__isnull=True)
        .exclude(kind__in=_NOT_PART_PAYMENT)
        .values_list(Value(InterruptionKind.PART_PAYMENT.value), no_day, "received_at"),
        Promise.objects.filter(case=case).values_list(
            Value(InterruptionKind.PROMISE.value), "made_on", no_at
        ),
        Proceeding.objects.filter(case=case, filed_on__isnull=False).values_list(
            Value(InterruptionKind.FILING.value), "filed_on", no_at
        ),
    ]
    first, *rest = (q.order_by() for q in parts)
    tz = timezone.get_default_timezone()
    out = []
    for kind, day, at in first.union(*rest, all=True):
        if at is not None:  # a payment: its business day
            day = at.astimezone(tz).date()
        if isinstance(day, dt.datetime):
            day = day.date()
        out.append(LimitationSource(kind, day, _label(kind)))
    return sorted(out, key=lambda s: (s.day, s.kind))


def _label(kind: str) -> str:
    return str(InterruptionKind(kind).label)


def case_limitation(case: Case, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """The limitation deadline from the due date and every interruption after it, with the
    event that set it; ``None`` when the case has no due date."""
    start = case.oldest_due_date or case.due_date
    if start is None:
        return None
    sources = [s for s in limitation_sources(case) if s.day > start]
    try:
        result = limitation_deadline(
            start,
            interruptions=[Interruption(s.day, EVENT_KINDS[s.kind]) for s in sources],
            as_of=today,
            calendar=holiday_calendar(),
        )
    except (ValueError, OverflowError):
        return None  # a stored date past the calendar's end (9999-12-31): no deadline to show
    reason = sources[-1] if sources else None
    return {
        "start": start,
        "deadline": result["deadline"],
        "reason": reason,
        "sources": sources,
        "result": result,
    }


def hearings_visible_to(user: User | None, *, since: dt.date) -> list[Hearing]:
    start = dt.datetime.combine(since, dt.time(), tzinfo=timezone.get_default_timezone())
    return list(
        Hearing.objects.filter(proceeding__case__in=cases_visible_to(user), at__gte=start)
        .select_related("proceeding", "proceeding__case")
        .order_by("at", "pk")
    )
