"""Evidence pages on the case: upload, new version, download a version, download the
evidence package. Each view parses the form, calls one service and redirects back to the
case page with a message in the UI language (the services check access and audit)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.common.exceptions import ApplicationError, PermissionDenied
from qingqian.evidence import services
from qingqian.evidence.package import package_build


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    if not request.user.has_perm_code(Perm.CASE_VIEW):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": Perm.CASE_VIEW.value},
        )
    return request.user


#: The session key of the upload's outcome, shown once in the evidence panel (h19d).
UPLOAD_FEEDBACK = "evidence_upload_feedback"
UPLOAD_FIELDS = (
    "evidence_type",
    "title",
    "collected_by",
    "collected_at",
    "capture_method",
    "original_location",
)


def _back(case_id: int) -> HttpResponse:
    return redirect(reverse("web:case_detail", args=[case_id]) + "#evidence-panel")


def _fail(request: HttpRequest, case_id: int, exc: ApplicationError) -> HttpResponse:
    if exc.status in (403, 404):  # never tell whether a case or item exists
        return render(request, "web/not_found.html", status=404)
    messages.error(request, exc.message_for(get_language()))
    return _back(case_id)


def _collected_at(raw: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise services.EvidenceError(
            "收集时间格式不对。",
            "The collection time is not a valid date and time.",
            code="collected_at_invalid",
            details={"field": "collected_at"},
        ) from exc
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        user = _user(request)
        if upload is None:
            raise services.EvidenceError("请选择文件。", "Choose a file.", code="file_missing")
        item = services.evidence_add(
            user=user,
            case_id=case_id,
            evidence_type=request.POST.get("evidence_type", ""),
            title=request.POST.get("title", ""),
            filename=upload.name or "",
            data=upload,
            collected_by=request.POST.get("collected_by", ""),
            collected_at=_collected_at(request.POST.get("collected_at", "")),
            capture_method=request.POST.get("capture_method", ""),
            original_location=request.POST.get("original_location", ""),
            declared_mime=upload.content_type or "",
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            return _fail(request, case_id, exc)
        # Shown inside the upload form, which reopens with what was typed (the file aside).
        request.session[UPLOAD_FEEDBACK] = {
            "case": case_id,
            "error": exc.message_for(get_language()),
            "field": str(exc.details.get("field", "")),
            "values": {k: request.POST.get(k, "")[:300] for k in UPLOAD_FIELDS},
        }
        return _back(case_id)
    request.session[UPLOAD_FEEDBACK] = {
        "case": case_id,
        "saved": _("证据已保存并记入案件日志：%(type)s“%(title)s”")
        % {"type": item.get_evidence_type_display(), "title": item.title or upload.name},
        "item": item.pk,
    }
    return _back(case_id)


@login_required
@require_POST
def version_new(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        user = _user(request)
        if upload is None:
            raise services.EvidenceError("请选择文件。", "Choose a file.", code="file_missing")
        version = services.evidence_version_add(
            user=user,
            item_id=item_id,
            kind=request.POST.get("kind", ""),
            filename=upload.name or "",
            data=upload,
            reason=request.POST.get("reason", ""),
            declared_mime=upload.content_type or "",
            case_id=case_id,
        )
    except ApplicationError as exc:
        return _fail(request, case_id, exc)
    messages.success(request, _("新版本 v%(n)s 已保存，原件保持不变。") % {"n": version.number})
    return _back(case_id)


@login_required
@require_GET
def download(request: HttpRequest, case_id: int, item_id: int, number: int) -> HttpResponse:
    try:
        version, raw = services.evidence_version_download(
            user=_user(request), case_id=case_id, item_id=item_id, number=number
        )
    except ApplicationError as exc:
        return _fail(request, case_id, exc)
    response = HttpResponse(raw, content_type=version.file.content_type)
    response["Content-Disposition"] = _attachment(version.filename)
    response["X-Content-SHA256"] = version.file.sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def package(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        data = package_build(user=_user(request), case_id=case_id)
    except ApplicationError as exc:
        return _fail(request, case_id, exc)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = _attachment(f"evidence-case-{case_id}.zip")
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
