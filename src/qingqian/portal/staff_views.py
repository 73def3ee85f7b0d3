"""The staff side of the debtor's self-service page: sending a debtor their one-time link.

Here, not in ``negotiation``: sending the link is the portal's own action, and negotiation
sits below the portal in the layering (docs/architecture.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingqian.accounts.models import User
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.parties.models import Party
from qingqian.portal.services import portal_link_send


@login_required
@require_POST
def link_send(request: HttpRequest, case_id: int) -> HttpResponse:
    """Send the case's debtor a link to the self-service page (through the contact gate)."""
    user = request.user
    assert isinstance(user, User)
    try:
        case = case_get_for_user(user, case_id)
        raw = request.POST.get("party", "")
        party = (
            Party.objects.filter(
                pk=int(raw), case_roles__case=case, case_roles__role="debtor"
            ).first()
            if raw.isdigit()
            else None
        )
        if party is None:
            raise ValidationFailed("债务人不存在。", "No such debtor.", code="party_nf")
        portal_link_send(
            case=case,
            party=party,
            actor=user,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            channel=request.POST.get("channel", "sms"),
        )
        messages.success(request, _("自助页面链接已发送。"))
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "web/not_found.html", status=404)
        messages.error(request, exc.message_for(get_language()))
    return redirect("web:case_detail", case_id=case_id)
