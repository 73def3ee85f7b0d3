"""``/api/v1/cases/{case_id}/evidence``: list, upload (multipart), download a version, and
download the evidence package. Access, size and content checks and the audit rows are the
services'; downloads are audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import PermissionDenied
from qingqian.evidence import selectors, services
from qingqian.evidence.package import package_build

router = Router(tags=["evidence"])


class EvidenceVersionOut(Schema):
    number: int
    kind: str
    sha256: str
    size: int
    content_type: str
    filename: str
    previous: int | None
    reason: str
    download: str


class MissingOut(Schema):
    code: str
    label: str
    hint: str


class EvidenceOut(Schema):
    id: int
    type: str
    title: str
    collected_by: str
    collected_at: dt.datetime
    capture_method: str
    original_location: str
    versions: list[EvidenceVersionOut]


class EvidenceListOut(Schema):
    strength: int
    missing: list[MissingOut]
    items: list[EvidenceOut]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if not user.has_perm_code(Perm.CASE_VIEW):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": Perm.CASE_VIEW.value},
        )
    return user


def _item(case_id: int, item: Any) -> dict[str, Any]:
    versions = sorted(item.versions.all(), key=lambda v: v.number)
    by_id = {v.pk: v.number for v in versions}
    return {
        "id": item.pk,
        "type": item.evidence_type,
        "title": item.title,
        "collected_by": item.collected_by,
        "collected_at": item.collected_at,
        "capture_method": item.capture_method,
        "original_location": item.original_location,
        "versions": [
            {
                "number": v.number,
                "kind": v.kind,
                "sha256": v.file.sha256,
                "size": v.file.size,
                "content_type": v.file.content_type,
                "filename": v.filename,
                "previous": by_id.get(v.previous_id),
                "reason": v.reason,
                "download": f"/api/v1/cases/{case_id}/evidence/{item.pk}/versions/{v.number}",
            }
            for v in versions
        ],
    }


@router.get("/{case_id}/evidence", response={200: EvidenceListOut, **ERRORS})
def evidence_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    user = _user(request)
    items = list(selectors.evidence_for_case(user, case_id))
    strength = selectors.evidence_strength_for_case(user, case_id).as_dict()
    return {
        "strength": strength["score"],
        "missing": strength["missing"],
        "items": [_item(case_id, item) for item in items],
    }


@router.post("/{case_id}/evidence", response={201: EvidenceOut, **ERRORS})
def evidence_upload(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    evidence_type: Form[str],
    collected_by: Form[str],
    collected_at: Form[dt.datetime],
    capture_method: Form[str],
    original_location: Form[str],
    title: Form[str] = "",
) -> Status[dict[str, Any]]:
    item = services.evidence_add(
        user=_user(request),
        case_id=case_id,
        evidence_type=evidence_type,
        title=title,
        filename=file.name or "",
        data=file,
        collected_by=collected_by,
        collected_at=collected_at,
        capture_method=capture_method,
        original_location=original_location,
        declared_mime=file.content_type or "",
    )
    return Status(201, _item(case_id, item))


@router.get("/{case_id}/evidence/package", response={200: None, **ERRORS})
def evidence_package(request: HttpRequest, case_id: int) -> HttpResponse:
    data = package_build(user=_user(request), case_id=case_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-case-{case_id}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{case_id}/evidence/{item_id}/versions/{number}", response={200: None, **ERRORS})
def evidence_download(
    request: HttpRequest, case_id: int, item_id: int, number: int
) -> HttpResponse:
    version, raw = services.evidence_version_download(
        user=_user(request), case_id=case_id, item_id=item_id, number=number
    )
    response = HttpResponse(raw, content_type=version.file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{version.file.sha256}"'
    response["X-Content-SHA256"] = version.file.sha256
    response["Cache-Control"] = "private, no-store"
    return response
