"""The deadlines calendar as an iCalendar feed for the lawyer's phone. The URL carries a
random token (the credential); only its SHA-256 is stored, issuing a new one revokes the
old, and a deactivated user's feed answers 404. Events carry the court, the case number
and the rule, never the debtor's personal identifiers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from icalendar import Alarm, Calendar, Event

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind
from qingqian.litigation.models import CalendarFeed
from qingqian.litigation.rules import WARNING_DAYS
from qingqian.litigation.selectors import deadlines_visible_to, hearings_visible_to


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@transaction.atomic
def feed_issue(*, user: User) -> str:
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_sha256": _digest(token)})
    audit_record(actor=user, organisation=user.organisation, action="calendar_feed.issue", obj=user)
    return token


def feed_exists(user: User) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()


def feed_user(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = CalendarFeed.objects.filter(token_sha256=_digest(token)).select_related("user").first()
    if row is None or not row.user.is_active or not row.user.has_perm_code(Perm.CASE_VIEW):
        return None
    return row.user


def ics(user: User, *, today: dt.date) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Qingqian//Court deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "清欠 诉讼期限")
    since = today - dt.timedelta(days=90)
    for d in deadlines_visible_to(user).filter(due__gte=since):
        label = PERIODS[DeadlineKind(d.kind)].label_zh
        event = Event()
        event.add("uid", f"deadline-{d.pk}@qingqian")
        event.add("summary", f"{label}届满 · {d.case.reference}")
        event.add("dtstart", d.due)
        event.add("dtend", d.due + dt.timedelta(days=1))
        event.add("dtstamp", dt.datetime.combine(d.start, dt.time(), tzinfo=dt.UTC))
        number = d.proceeding.case_number or ""
        event.add(
            "description",
            f"{d.proceeding.court} {number}\n起算日 {d.start.isoformat()}\n依据：{d.rule}"
            + ("\n已办理" if d.done_on else ""),
        )
        if d.done_on is None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{label}将于 {d.due.isoformat()} 届满")
            alarm.add("trigger", dt.timedelta(days=-WARNING_DAYS))
            event.add_component(alarm)
        cal.add_component(event)
    for h in hearings_visible_to(user, since=since):
        event = Event()
        event.add("uid", f"hearing-{h.pk}@qingqian")
        event.add("summary", f"开庭 · {h.proceeding.case.reference}")
        event.add("dtstart", h.at)
        event.add("dtend", h.at + dt.timedelta(hours=2))
        event.add("dtstamp", h.at)
        event.add("location", h.place or h.proceeding.court)
        event.add("description", f"{h.proceeding.court} {h.proceeding.case_number}")
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
