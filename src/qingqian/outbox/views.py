"""The demo outbox page: what the outbox adapters kept, newest first (staff only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qingqian.accounts.models import User
from qingqian.audit.services import audit_record_many
from qingqian.common import crypto
from qingqian.outbox.adapters import outbox_enabled
from qingqian.outbox.models import OutboxMessage

PAGE_SIZE = 50


@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    if not outbox_enabled():
        return render(request, "outbox/off.html", status=404)
    rows = OutboxMessage.objects.all()
    channel = request.GET.get("channel", "")
    if channel in ("sms", "email"):
        rows = rows.filter(channel=channel)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    messages = [
        {
            "row": m,
            "to": crypto.decrypt(m.to_enc),
            "body": crypto.decrypt(m.body_enc),
        }
        for m in page.object_list
    ]
    user = request.user
    assert isinstance(user, User)
    # Who read which message (they may hold one-time codes and phone numbers).
    audit_record_many(
        actor=user,
        organisation=user.organisation,
        action="outbox.view",
        object_type=OutboxMessage._meta.label_lower,
        rows=((m["row"].pk, {"channel": m["row"].channel}) for m in messages),
    )
    return render(
        request,
        "outbox/list.html",
        {"messages_sent": messages, "page": page, "channel": channel},
    )
