"""``/api/v1/cases/{case_id}/mediation/match`` and ``/mediations``: matching and mediation
through the API, with the case page's permissions (a case the caller cannot see is a 404;
opening a mediation needs ``mediation.work``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound, PermissionDenied
from qingqian.mediation import selectors, services
from qingqian.mediation.models import Mediation, Mediator

router = Router(tags=["mediation"])


class CandidateOut(Schema):
    mediator: int
    name: str
    score: int
    reasons: list[str]


class MatchOut(Schema):
    case: int
    candidates: list[CandidateOut]


class MediationIn(Schema):
    mediator: int | None = None
    note: str = ""


class MediationOut(Schema):
    id: int
    state: str
    state_label: str
    mediator: int | None
    mediator_name: str
    match_score: int | None
    dialect_matched: bool
    requested_at: dt.datetime
    sessions: int
    agreement_state: str | None


class MediationListOut(Schema):
    items: list[MediationOut]


def _case(request: HttpRequest, case_id: int) -> tuple[User, Case]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user, case_get_for_user(user, case_id)


def _out(m: Mediation) -> dict[str, Any]:
    agreement = getattr(m, "agreement", None)
    return {
        "id": m.pk,
        "state": m.state,
        "state_label": m.get_state_display(),
        "mediator": m.mediator_id,
        "mediator_name": m.mediator.name if m.mediator else "",
        "match_score": m.match_score,
        "dialect_matched": m.dialect_matched,
        "requested_at": m.requested_at,
        "sessions": m.sessions.count(),
        "agreement_state": agreement.state if agreement else None,
    }


@router.get("/{case_id}/mediation/match", response={200: MatchOut, **ERRORS})
def match(request: HttpRequest, case_id: int, lang: str = "zh") -> dict[str, Any]:
    _, case = _case(request, case_id)
    ranked = services.mediation_match(case)
    return {"case": case.pk, "candidates": [m.as_dict(en=lang == "en") for m in ranked]}


@router.get("/{case_id}/mediations", response={200: MediationListOut, **ERRORS})
def mediations_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    _, case = _case(request, case_id)
    return {"items": [_out(m) for m in selectors.case_mediations(case)]}


@router.post("/{case_id}/mediations", response={201: MediationOut, **ERRORS})
def mediations_create(
    request: HttpRequest, case_id: int, payload: MediationIn
) -> Status[dict[str, Any]]:
    user, case = _case(request, case_id)
    if not user.has_perm_code(Perm.MEDIATION_WORK):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": Perm.MEDIATION_WORK.value},
        )
    m = services.mediation_request(case=case, actor=user, note=payload.note)
    if payload.mediator is not None:
        mediator = Mediator.objects.filter(
            pk=payload.mediator, organisation=case.organisation
        ).first()
        if mediator is None:
            raise NotFound("未找到该调解员。", "No such mediator.", code="mediator_not_found")
        m = services.mediation_assign(mediation=m, actor=user, mediator=mediator)
    return Status(201, _out(m))
