"""The collector's contact actions on the case page (``contact.desk``).

Each action posts, asks the gate through one service and returns to the case page's contact
section. What the gate decided (allowed, or refused with its reasons) is kept for the next
render of that section only and shown beside the action that asked, not as a page-wide
flash message. An allowed letter is answered with its PDF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact.desk import desk_call_ask, desk_call_record, desk_message_send
from qingqian.contact.models import ContactAttempt
from qingqian.contact.templatetags.contact_tags import is_english
from qingqian.desk.selectors import SESSION_KEY
from qingqian.parties.models import Party
from qingqian.parties.services import party_email_set


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


def _case_party(request: HttpRequest, case_id: int) -> tuple[Case, Party] | None:
    try:
        case = case_get_for_user(_user(request), case_id)
    except ApplicationError:
        return None
    raw = request.POST.get("party", "")
    link = (
        case.case_parties.select_related("party")
        .filter(party_id=raw if raw.isdigit() else 0, role__in=("debtor", "guarantor"))
        .first()
    )
    return (case, link.party) if link is not None else None


def _keep(request: HttpRequest, case_id: int, action: str, **result: Any) -> HttpResponse:
    """Remember the result for the contact section's next render, then go back to it."""
    request.session[SESSION_KEY] = {"case": case_id, "action": action, **result}
    return redirect(reverse("web:case_detail", args=[case_id]) + "#contact-actions")


def _error(exc: ApplicationError) -> dict[str, str]:
    return {"error": exc.message_for("en" if is_english() else "zh"), "code": exc.code}


def _sent(request: HttpRequest, case: Any, action: str, sent: Any, kind: str) -> HttpResponse:
    """A letter or statement comes back as its PDF to print; anything else to the panel."""
    if sent.document is not None:
        response = HttpResponse(sent.document, content_type="application/pdf")
        name = f"{kind}-{case.reference}-{sent.attempt.pk}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return _keep(request, case.pk, action, attempt=sent.attempt.pk)


@login_required
@require_POST
def case_call(request: HttpRequest, case_id: int) -> HttpResponse:
    """Ask the gate for a call by a person; when allowed the section shows the ``tel:`` link
    and the form for the call's result."""
    found = _case_party(request, case_id)
    if found is None:
        return _not_found(request)
    case, party = found
    action = f"call:{party.pk}"
    try:
        attempt = desk_call_ask(case=case, party=party, actor=_user(request))
    except ApplicationError as exc:
        return _keep(request, case.pk, action, **_error(exc))
    return _keep(request, case.pk, action, attempt=attempt.pk)


def _callback(raw: str) -> dt.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "回电时间格式应为 YYYY-MM-DD HH:MM。",
            "The callback time must be YYYY-MM-DD HH:MM.",
            code="bad_callback_time",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=BUSINESS_TZ)


@login_required
@require_POST
def call_record(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The result of an allowed call, with the standard code and the callback time."""
    user = _user(request)
    attempt = (
        ContactAttempt.objects.filter(pk=attempt_id, case__in=cases_visible_to(user))
        .select_related("party")
        .first()
    )
    if attempt is None:
        return _not_found(request)
    action = f"record:{attempt.pk}"
    try:
        desk_call_record(
            attempt=attempt,
            actor=user,
            disposition=request.POST.get("disposition", ""),
            callback_at=_callback(request.POST.get("callback_at", "")),
        )
    except ApplicationError as exc:
        return _keep(request, attempt.case_id, action, party=attempt.party_id, **_error(exc))
    return _keep(
        request, attempt.case_id, f"call:{attempt.party_id}", attempt=attempt.pk, recorded=True
    )


@login_required
@require_POST
def case_message(request: HttpRequest, case_id: int) -> HttpResponse:
    """An SMS, an e-mail or a letter from a template, through the gate."""
    found = _case_party(request, case_id)
    if found is None:
        return _not_found(request)
    case, party = found
    channel = request.POST.get("channel", "")
    if channel not in ("sms", "email", "letter"):
        return _not_found(request)
    action = f"{channel}:{party.pk}"
    try:
        sent = desk_message_send(
            case=case,
            party=party,
            channel=channel,
            template=request.POST.get("template", ""),
            actor=_user(request),
        )
    except ApplicationError as exc:
        return _keep(request, case.pk, action, **_error(exc))
    return _sent(request, case, action, sent, "letter")


@login_required
@require_POST
def party_email(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record the debtor's e-mail address (a number typed here is refused)."""
    found = _case_party(request, case_id)
    if found is None:
        return _not_found(request)
    case, party = found
    action = f"email_set:{party.pk}"
    try:
        party_email_set(party=party, email=request.POST.get("email", ""), actor=_user(request))
    except ApplicationError as exc:
        return _keep(request, case.pk, action, **_error(exc))
    return _keep(request, case.pk, action, saved=True)


@login_required
@require_POST
def case_statement(request: HttpRequest, case_id: int) -> HttpResponse:
    """Send the debtor's consolidated statement now (every open invoice or installment)."""
    from qingqian.strategy.dunning_services import dunning_send_now

    found = _case_party(request, case_id)
    if found is None:
        return _not_found(request)
    case, party = found
    action = f"statement:{party.pk}"
    try:
        sent = dunning_send_now(
            case=case, party=party, channel=request.POST.get("channel", ""), actor=_user(request)
        )
    except ApplicationError as exc:
        return _keep(request, case.pk, action, **_error(exc))
    return _sent(request, case, action, sent, "statement")
