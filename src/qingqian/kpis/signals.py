"""Keep the daily rollup (``kpis.rollup``) current: a payment, contact attempt or promise
saved or deleted on a day already built, or a case moved to another handler or creditor,
re-derives the days concerned once the transaction commits. Days not yet built (today) are
read from the records anyway, so nothing is done for them. The case facts
(``kpis.facts``) and the funnel's rows (``kpis.funnel``) of the cases concerned are
re-derived at the same moment."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_init, post_save

from qingqian.cases.models import Case, TimelineEvent
from qingqian.contact.models import ContactAttempt
from qingqian.kpis.periods import BUSINESS_TZ
from qingqian.negotiation.models import Promise
from qingqian.payments.models import Payment

_pending = threading.local()
logger = logging.getLogger(__name__)


def _queue() -> set[tuple[str, int, Any]]:
    if not hasattr(_pending, "items"):
        _pending.items = set()
    items: set[tuple[str, int, Any]] = _pending.items
    return items


def _schedule(item: tuple[str, int, Any]) -> None:
    _queue().add(item)
    transaction.on_commit(apply_pending)


def apply_pending() -> None:
    """Re-derive the queued days (and the days of the queued moved cases) that are built."""
    from qingqian.kpis import rollup
    from qingqian.kpis.models import RollupState

    items = _queue()
    if not items:
        return
    todo = list(items)
    items.clear()
    built = dict(RollupState.objects.values_list("organisation_id", "built_through"))
    if not built:
        return
    fact_cases = {key for kind, key, _ in todo if kind == "fact"}
    month_cases = {key for kind, key, _ in todo if kind == "month"}
    month_cases |= {value for kind, _, value in todo if kind == "case"}  # moved: new dims
    todo = [t for t in todo if t[0] not in ("fact", "month")]
    if fact_cases:
        _refresh_facts(fact_cases, set(built))
    if month_cases:
        _refresh_months(month_cases, set(built))
    promise_cases = {org for kind, org, _ in todo if kind == "promise"}
    case_orgs = dict(Case.objects.filter(pk__in=promise_cases).values_list("pk", "organisation_id"))
    days: dict[int, set[dt.date]] = {}
    for kind, key, value in todo:
        org = case_orgs.get(key, 0) if kind == "promise" else key
        if org not in built:
            continue
        if kind in ("day", "promise"):
            days.setdefault(org, set()).add(value)
        else:
            days.setdefault(org, set()).update(_case_days(value))
    for org, wanted in days.items():
        wanted = {d for d in wanted if d <= built[org]}
        if wanted:
            try:
                rollup.refresh(org, wanted)
            except DatabaseError:  # the write itself is committed; the daily job catches up
                logger.exception("kpis rollup: re-deriving %s day(s) failed", len(wanted))


def _refresh_facts(case_ids: set[int], built: set[int]) -> None:
    """Re-derive the case facts (``kpis.facts``) of cases of organisations already built
    (a deleted case has lost its fact with it: ON DELETE CASCADE)."""
    from qingqian.kpis import facts

    _refresh_cases("facts", facts.refresh, case_ids, built)


def _refresh_months(case_ids: set[int], built: set[int]) -> None:
    """Re-derive the funnel's rows (``kpis.funnel``) of cases of organisations built."""
    from qingqian.kpis import funnel

    _refresh_cases("funnel", funnel.refresh, case_ids, built)


def _refresh_cases(
    what: str, refresh: Callable[[list[int]], Any], case_ids: set[int], built: set[int]
) -> None:
    wanted = [
        pk
        for pk, org in Case.objects.filter(pk__in=case_ids).values_list("pk", "organisation_id")
        if org in built
    ]
    if wanted:
        try:
            refresh(wanted)
        except DatabaseError:  # the write itself is committed; the daily job catches up
            logger.exception("kpis %s: re-deriving %s case(s) failed", what, len(wanted))


def touch_cases(case_ids: Iterable[int]) -> None:
    """Re-derive these cases' facts and funnel rows when the transaction commits (for
    writes that bypass the model signals, such as the bulk payment import)."""
    for pk in case_ids:
        _schedule(("fact", pk, None))
        _schedule(("month", pk, None))


def _case_days(case_id: int) -> set[dt.date]:
    out: set[dt.date] = set()
    for model, field in ((Payment, "received_at"), (ContactAttempt, "at")):
        for at in model.objects.filter(case_id=case_id).values_list(field, flat=True):
            out.add(at.astimezone(BUSINESS_TZ).date())
    for made, due in Promise.objects.filter(case_id=case_id).values_list("made_on", "due_date"):
        out.update((made, due))
    return out


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.astimezone(BUSINESS_TZ).date() if isinstance(value, dt.datetime) else value


#: The fields whose business days file each model's rows in the rollup (a promise: the
#: day it was made and the day it falls due).
_DAY_FIELD: dict[type, tuple[str, ...]] = {
    Payment: ("received_at",),
    ContactAttempt: ("at",),
    Promise: ("made_on", "due_date"),
}


def _days_of(sender: Any, instance: Any) -> set[dt.date]:
    values = (instance.__dict__.get(field) for field in _DAY_FIELD[sender])  # never loads
    return {_day(value) for value in values if value is not None}


def _loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Remember the days a row was loaded with, so that moving it re-derives both."""
    instance._kpi_days = _days_of(sender, instance)
    instance._kpi_case = instance.__dict__.get("case_id")


def _written(sender: Any, instance: Any, **kwargs: Any) -> None:
    days = getattr(instance, "_kpi_days", set()) | _days_of(sender, instance)
    instance._kpi_days = _days_of(sender, instance)
    if sender is Payment:
        _schedule(("fact", instance.case_id, None))
    # the funnel's rows of the case (and of the case it was loaded with, if moved)
    for case_id in {getattr(instance, "_kpi_case", None), instance.__dict__.get("case_id")}:
        if case_id is not None:
            _schedule(("month", case_id, None))
    instance._kpi_case = instance.__dict__.get("case_id")
    for day in days:
        if sender is Promise:  # keyed by case: its organisation is looked up after the commit
            _schedule(("promise", instance.case_id, day))
        else:
            _schedule(("day", instance.organisation_id, day))


def _case_loaded(sender: Any, instance: Case, **kwargs: Any) -> None:
    instance._kpi_dims = (  # type: ignore[attr-defined]
        instance.__dict__.get("handler_id"),
        instance.__dict__.get("creditor_id"),
    )


def _case_saved(sender: Any, instance: Case, created: bool, **kwargs: Any) -> None:
    dims = (instance.handler_id, instance.creditor_id)
    before = getattr(instance, "_kpi_dims", dims)
    instance._kpi_dims = dims  # type: ignore[attr-defined]
    if not created and before != dims:
        _schedule(("case", instance.organisation_id, instance.pk))


def _timeline_written(sender: Any, instance: TimelineEvent, **kwargs: Any) -> None:
    """An acceptance or a closing (added, changed or removed) changes the case's fact."""
    if instance.to_state in ("accepted", "closed") or kwargs.get("signal") is post_delete:
        _schedule(("fact", instance.case_id, None))


def _bulk_posted(
    sender: Any,
    organisation_id: int,
    case_ids: list[int],
    received: list[dt.datetime],
    **kwargs: Any,
) -> None:
    touch_cases(case_ids)
    for day in {_day(at) for at in received}:
        _schedule(("day", organisation_id, day))


def connect() -> None:
    from qingqian.payments.signals import payments_bulk_posted

    payments_bulk_posted.connect(_bulk_posted, dispatch_uid="kpis-fact-bulk")
    post_save.connect(_timeline_written, sender=TimelineEvent, dispatch_uid="kpis-fact-tl")
    post_delete.connect(_timeline_written, sender=TimelineEvent, dispatch_uid="kpis-fact-tl-del")
    for model in _DAY_FIELD:
        name = model.__name__
        post_init.connect(_loaded, sender=model, dispatch_uid=f"kpis-rollup-init-{name}")
        post_save.connect(_written, sender=model, dispatch_uid=f"kpis-rollup-{name}")
        post_delete.connect(_written, sender=model, dispatch_uid=f"kpis-rollup-del-{name}")
    post_init.connect(_case_loaded, sender=Case, dispatch_uid="kpis-rollup-case-init")
    post_save.connect(_case_saved, sender=Case, dispatch_uid="kpis-rollup-case-save")
