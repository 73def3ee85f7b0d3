"""``/api/v1/cases/{case_id}/proceedings``, ``/deadlines`` and ``/asset-clues``: the judicial
route through the API, with the case page's permissions.

* A case the caller cannot see is a 404, the same as a missing one.
* Reading needs ``case.view``; writing (proceedings, asset clues) needs ``litigation.work``
  (the lawyer): 403 without.
* Bad input is a 422 with a ``code`` (``case_number_invalid``, ``case_number_type``,
  ``dates_out_of_order`` …). Amounts are decimal strings; dates ``YYYY-MM-DD``.
* Asset clues are returned masked; the clear number is only on the case page, audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.http import api_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common import clock
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound, PermissionDenied
from qingqian.common.money import parse_amount
from qingqian.litigation import selectors, services
from qingqian.litigation.models import AssetClue, CourtDeadline, Proceeding

router = Router(tags=["litigation"])


class ProceedingIn(Schema):
    kind: str
    court: str
    case_number: str = ""
    judge: str = ""
    court_contact: str = ""
    filed_on: dt.date | None = None
    accepted_on: dt.date | None = None
    served_on: dt.date | None = None
    measure_on: dt.date | None = None
    judgment_on: dt.date | None = None
    is_ruling: bool = False
    judgment_served_on: dt.date | None = None
    effective_on: dt.date | None = None
    pay_by: dt.date | None = None
    outcome: str = "pending"
    awarded_principal: str | None = None
    awarded_interest: str | None = None
    awarded_costs: str | None = None
    awarded_fees: str | None = None
    terminated_on: dt.date | None = None
    reopened_on: dt.date | None = None
    debtor_dishonest: bool = False
    debtor_restricted: bool = False


class ProceedingPatch(Schema):
    court: str | None = None
    case_number: str | None = None
    judge: str | None = None
    court_contact: str | None = None
    filed_on: dt.date | None = None
    accepted_on: dt.date | None = None
    served_on: dt.date | None = None
    measure_on: dt.date | None = None
    judgment_on: dt.date | None = None
    is_ruling: bool | None = None
    judgment_served_on: dt.date | None = None
    effective_on: dt.date | None = None
    pay_by: dt.date | None = None
    outcome: str | None = None
    awarded_principal: str | None = None
    awarded_interest: str | None = None
    awarded_costs: str | None = None
    awarded_fees: str | None = None
    terminated_on: dt.date | None = None
    reopened_on: dt.date | None = None
    debtor_dishonest: bool | None = None
    debtor_restricted: bool | None = None


class DeadlineOut(Schema):
    id: int
    proceeding_id: int
    kind: str
    label: str
    start: dt.date
    due: dt.date
    rule: str
    provisional: bool
    done_on: dt.date | None
    urgency: str


class HearingOut(Schema):
    at: dt.datetime
    place: str
    note: str


class ProceedingOut(Schema):
    id: int
    kind: str
    kind_label: str
    court: str
    case_number: str
    judge: str
    court_contact: str
    filed_on: dt.date | None
    accepted_on: dt.date | None
    served_on: dt.date | None
    measure_on: dt.date | None
    judgment_on: dt.date | None
    is_ruling: bool
    judgment_served_on: dt.date | None
    effective_on: dt.date | None
    pay_by: dt.date | None
    outcome: str
    awarded_principal: str | None
    awarded_interest: str | None
    awarded_costs: str | None
    awarded_fees: str | None
    terminated_on: dt.date | None
    reopened_on: dt.date | None
    debtor_dishonest: bool
    debtor_restricted: bool
    deadlines: list[DeadlineOut]
    hearings: list[HearingOut]


class ProceedingListOut(Schema):
    items: list[ProceedingOut]


class LimitationOut(Schema):
    start: dt.date
    deadline: dt.date
    reason: str | None
    reason_day: dt.date | None


class DeadlineListOut(Schema):
    items: list[DeadlineOut]
    limitation: LimitationOut | None


class ClueIn(Schema):
    kind: str
    summary: str
    source: str
    source_date: dt.date
    detail: str = ""
    estimated_value: str | None = None


class ClueOut(Schema):
    id: int
    kind: str
    kind_label: str
    summary: str
    detail_masked: str
    estimated_value: str | None
    source: str
    source_date: dt.date


class ClueListOut(Schema):
    items: list[ClueOut]


def _need(user: User, perm: Perm) -> None:
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": perm.value},
        )


def _case(request: HttpRequest, case_id: int, *, write: bool = False) -> tuple[User, Case]:
    user = _user(request)
    _need(user, Perm.CASE_VIEW)
    case = case_get_for_user(user, case_id)
    if write:
        _need(user, Perm.LITIGATION_WORK)
    return user, case


def _money(value: str | None) -> Decimal | None:
    return None if value in (None, "") else parse_amount(str(value))


def _fields(payload: ProceedingIn | ProceedingPatch, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    for name in services.MONEY_FIELDS:
        if name in data:
            data[name] = _money(data[name])
    return data


def _deadline(d: CourtDeadline, today: dt.date) -> dict[str, Any]:
    return {
        "id": d.pk,
        "proceeding_id": d.proceeding_id,
        "kind": d.kind,
        "label": PERIODS[DeadlineKind(d.kind)].label_zh,
        "start": d.start,
        "due": d.due,
        "rule": d.rule,
        "provisional": d.provisional,
        "done_on": d.done_on,
        "urgency": selectors.deadline_urgency(d, today).value,
    }


def _proceeding(p: Proceeding, today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.pk,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "outcome": p.outcome,
    }
    for name in (*services.TEXT_FIELDS, *services.DATE_FIELDS, *services.FLAG_FIELDS):
        out[name] = getattr(p, name)
    for name in services.MONEY_FIELDS:
        value = getattr(p, name)
        out[name] = None if value is None else str(value)
    out["deadlines"] = [_deadline(d, today) for d in p.deadlines.all()]
    out["hearings"] = [{"at": h.at, "place": h.place, "note": h.note} for h in p.hearings.all()]
    return out


def _clue(c: AssetClue) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "summary": c.summary,
        "detail_masked": c.detail_masked,
        "estimated_value": None if c.estimated_value is None else str(c.estimated_value),
        "source": c.source,
        "source_date": c.source_date,
    }


@router.get("/{case_id}/proceedings", response={200: ProceedingListOut, **ERRORS})
def proceedings_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    today = clock.today()
    return {"items": [_proceeding(p, today) for p in selectors.case_proceedings(case)]}


@router.post("/{case_id}/proceedings", response={201: ProceedingOut, **ERRORS})
def proceedings_create(
    request: HttpRequest, case_id: int, payload: ProceedingIn
) -> Status[dict[str, Any]]:
    user, case = _case(request, case_id, write=True)
    data = _fields(payload, partial=False)
    p = services.proceeding_create(
        case=case, actor=user, kind=data.pop("kind"), court=data.pop("court"), **data
    )
    return Status(201, _proceeding(p, clock.today()))


@router.patch("/{case_id}/proceedings/{proceeding_id}", response={200: ProceedingOut, **ERRORS})
def proceedings_update(
    request: HttpRequest, case_id: int, proceeding_id: int, payload: ProceedingPatch
) -> dict[str, Any]:
    user, case = _case(request, case_id, write=True)
    p = Proceeding.objects.filter(case=case, pk=proceeding_id).first()
    if p is None:
        raise NotFound("未找到该程序。", "No such proceeding.")
    p = services.proceeding_update(proceeding=p, actor=user, **_fields(payload, partial=True))
    return _proceeding(p, clock.today())


@router.get("/{case_id}/deadlines", response={200: DeadlineListOut, **ERRORS})
def deadlines_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    today = clock.today()
    rows = CourtDeadline.objects.filter(case=case).order_by("due", "pk")
    limitation = selectors.case_limitation(case, today=today)
    lim = None
    if limitation is not None:
        reason = limitation["reason"]
        lim = {
            "start": limitation["start"],
            "deadline": limitation["deadline"],
            "reason": reason.kind if reason else None,
            "reason_day": reason.day if reason else None,
        }
    return {"items": [_deadline(d, today) for d in rows], "limitation": lim}


@router.get("/{case_id}/asset-clues", response={200: ClueListOut, **ERRORS})
def clues_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    return {"items": [_clue(c) for c in selectors.case_asset_clues(case)]}


@router.post("/{case_id}/asset-clues", response={201: ClueOut, **ERRORS})
def clues_create(request: HttpRequest, case_id: int, payload: ClueIn) -> Status[dict[str, Any]]:
    user, case = _case(request, case_id, write=True)
    clue = services.asset_clue_add(
        case=case, actor=user, kind=payload.kind, summary=payload.summary,
        source=payload.source, source_date=payload.source_date, detail=payload.detail,
        estimated_value=_money(payload.estimated_value),
    )  # fmt: skip
    return Status(201, _clue(clue))


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    final: bool
    sha256: str
    created_at: dt.datetime
    finalised_at: dt.datetime | None


class DocumentListOut(Schema):
    items: list[DocumentOut]


@router.get("/{case_id}/documents", response={200: DocumentListOut, **ERRORS})
def documents_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case's litigation documents (drafts and finals with the SHA-256 in the case log)."""
    _, case = _case(request, case_id)
    return {
        "items": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": d.get_kind_display(),
                "final": d.final,
                "sha256": d.sha256,
                "created_at": d.created_at,
                "finalised_at": d.finalised_at,
            }
            for d in selectors.case_documents(case)
        ]
    }
