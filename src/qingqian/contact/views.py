"""Staff pages of the contact gate: parse, check access, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.contact import selectors
from qingqian.contact.followups import followup_done, transcript_analyse
from qingqian.contact.models import ContactUnreachable
from qingqian.contact.policy import Policy
from qingqian.contact.policy_form import apply_form, form_view
from qingqian.contact.preview import preview
from qingqian.contact.services import (
    contact_hold_lift,
    contact_hold_place,
    contact_policy_check_floor,
    contact_policy_current,
    contact_policy_publish,
    contact_unreachable_clear,
    contact_unreachable_flag,
)
from qingqian.contact.templatetags.contact_tags import is_english
from qingqian.parties.models import Party


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


def _compliance(user: User) -> bool:
    return user.has_perm_code(Perm.AUDIT_VIEW)


def _staff(user: User) -> bool:
    return user.is_active and user.role != Role.CREDITOR


def _message(exc: ApplicationError) -> str:
    return exc.message_for("en" if is_english() else "zh")


@login_required
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    """Denied attempts by rule and by reason (compliance officers and administrators)."""
    user = _user(request)
    if not _compliance(user):
        return _forbidden(request)
    days = 30 if request.GET.get("days") == "30" else 7
    summary = selectors.denied_summary(user, since=clock.now() - dt.timedelta(days=days))
    return render(request, "contact/compliance.html", {"s": summary, "days": days})


@login_required
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _staff(user):
        return _forbidden(request)
    return render(
        request,
        "contact/policies.html",
        {
            "versions": selectors.policy_versions(user.organisation_id),
            "can_edit": _compliance(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Edit a new version as data; preview it against sample histories; publish it."""
    user = _user(request)
    if not _compliance(user):
        return _forbidden(request)
    try:
        row, current = contact_policy_current(name, user.organisation_id)
    except ApplicationError:
        return _forbidden(request)
    base = row.policy().to_dict()
    text = row.policy().to_json()
    data: dict[str, Any] = base
    note = ""
    rows: list[Any] | None = None
    error = ""
    mode = "form"
    if request.method == "POST":
        note = request.POST.get("note", "")
        posted_mode = request.POST.get("mode")
        json_mode = posted_mode == "json" or (posted_mode is None and "data" in request.POST)
        mode = "json" if json_mode else "form"
        try:
            if mode == "json":
                text = request.POST.get("data", "")
                try:
                    data = json.loads(text)
                    if not isinstance(data, dict):
                        raise ValueError
                except ValueError:
                    raise ValidationFailed(
                        "政策内容不是合法的 JSON 对象。",
                        "The policy is not a JSON object.",
                        code="bad_json",
                    ) from None
            else:
                data = apply_form(base, request.POST)  # h19c: the policy as a form
                text = json.dumps(data, ensure_ascii=False, indent=2)
            if request.POST.get("action") == "publish":
                published = contact_policy_publish(name=name, data=data, actor=user, note=note)
                messages.success(
                    request,
                    f"已发布 {published.label}"
                    if not is_english()
                    else f"Published {published.label}",
                )
                return redirect("contact:policies")
            draft = Policy.from_dict({**data, "name": name, "version": row.version + 1})
            contact_policy_check_floor(draft)
            rows = preview(current, draft)
        except ApplicationError as exc:
            error = _message(exc)
        if request.headers.get("HX-Request") and request.POST.get("action") != "publish":
            return render(
                request, "contact/_preview.html", {"rows": rows, "error": error, "row": row}
            )
    return render(
        request,
        "contact/policy_edit.html",
        {
            "row": row,
            "text": text,
            "note": note,
            "rows": rows,
            "error": error,
            "mode": mode,
            "f": form_view(data if isinstance(data, dict) else base, en=is_english()),
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def holds(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _staff(user):
        return _forbidden(request)
    return render(
        request,
        "contact/holds.html",
        {
            "holds": selectors.holds_visible_to(user)[:500],
            "lifted": selectors.holds_visible_to(user, active=False).filter(
                lifted_at__isnull=False
            )[:50],
            "can_lift": user.has_perm_code(Perm.CONTACT_HOLD_LIFT),
        },
    )


@login_required
@require_POST
def hold_lift(request: HttpRequest, hold_id: int) -> HttpResponse:
    user = _user(request)
    hold = selectors.holds_visible_to(user).filter(pk=hold_id).first()
    if hold is None:
        return _forbidden(request)
    try:
        contact_hold_lift(hold=hold, actor=user, reason=request.POST.get("reason", ""))
        messages.success(request, "已解除暂停。 / The hold is lifted.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("contact:holds")


def _posted_case_party(
    request: HttpRequest, user: User, case_id: int
) -> tuple[Case, Party | None] | None:
    """The case a staff member may see and the party of it named by the POSTed ``party``
    (``None`` for the whole case); ``None`` when either is out of reach (answer 404)."""
    if not _staff(user):
        return None
    try:
        case = case_get_for_user(user, case_id)
    except ApplicationError:
        return None
    raw = request.POST.get("party", "")
    if not raw:
        return case, None
    link = case.case_parties.select_related("party").filter(party_id=raw).first()
    return (case, link.party) if link is not None else None


@login_required
@require_POST
def case_hold_place(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    found = _posted_case_party(request, user, case_id)
    if found is None:
        return _forbidden(request)
    case, party = found
    try:
        contact_hold_place(
            case=case,
            party=party,
            kind=request.POST.get("kind", ""),
            actor=user,
            reason=request.POST.get("reason", ""),
            channel=request.POST.get("channel", ""),
        )
        messages.success(request, "已暂停联系。 / Contact is on hold.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("web:case_detail", case.pk)


@login_required
@require_POST
def case_unreachable_flag(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    found = _posted_case_party(request, user, case_id)
    if found is None:
        return _forbidden(request)
    case, party = found
    if party is None:
        return _forbidden(request)
    try:
        contact_unreachable_flag(
            case=case, party=party, actor=user, reason=request.POST.get("reason", "")
        )
        messages.success(request, "已标记失联。 / The debtor is flagged unreachable.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("web:case_detail", case.pk)


@login_required
@require_POST
def unreachable_clear(request: HttpRequest, flag_id: int) -> HttpResponse:
    user = _user(request)
    flag = ContactUnreachable.objects.filter(pk=flag_id, case__in=cases_visible_to(user)).first()
    if flag is None or not _staff(user):
        return _forbidden(request)
    try:
        contact_unreachable_clear(flag=flag, actor=user, reason=request.POST.get("reason", ""))
        messages.success(request, "已解除失联标记。 / The flag is cleared.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("web:case_detail", flag.case_id)


@login_required
@require_GET
def followups(request: HttpRequest) -> HttpResponse:
    """Work transcript analysis found for people: take-overs, distress reviews, disputes to
    check, promises to confirm."""
    user = _user(request)
    if not _staff(user):
        return _forbidden(request)
    return render(
        request,
        "contact/followups.html",
        {
            "open": selectors.followups_visible_to(user)[:500],
            "done": selectors.followups_visible_to(user, open_only=False).filter(
                done_at__isnull=False
            )[:50],
        },
    )


@login_required
@require_POST
def followup_close(request: HttpRequest, followup_id: int) -> HttpResponse:
    user = _user(request)
    item = selectors.followups_visible_to(user).filter(pk=followup_id).first()
    if item is None or not _staff(user):
        return _forbidden(request)
    amount = date = None
    try:
        if request.POST.get("confirm_promise"):
            amount = parse_amount(request.POST.get("amount", ""))
            try:
                date = dt.date.fromisoformat(request.POST.get("due", ""))
            except ValueError:
                raise ValidationFailed(
                    "日期格式应为 YYYY-MM-DD。", "The date must be YYYY-MM-DD.", code="bad_date"
                ) from None
        followup_done(
            followup=item,
            actor=user,
            note=request.POST.get("note", ""),
            promise_amount=amount,
            promise_date=date,
        )
        messages.success(request, "已处理。 / Closed.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("contact:followups")


@login_required
@require_POST
def case_notes_analyse(request: HttpRequest, case_id: int) -> HttpResponse:
    """An agent's notes or a chat message about the case, analysed like a call transcript."""
    user = _user(request)
    posted = _posted_case_party(request, user, case_id)
    if posted is None:
        return _forbidden(request)
    case, party = posted
    source = request.POST.get("source", "notes")
    try:
        found = transcript_analyse(
            case=case,
            party=party,
            text=request.POST.get("text", ""),
            source=source,
            actor=user,
        )
        if found:
            messages.warning(
                request,
                f"已生成 {len(found)} 项人工跟进。 / {len(found)} follow-up(s) created.",
            )
        else:
            messages.success(request, "未发现需要处理的信号。 / Nothing to act on.")
    except ApplicationError as exc:
        messages.error(request, _message(exc))
    return redirect("web:case_detail", case.pk)
