from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qingqian.accounts.roles import Perm
from qingqian.outbox.adapters import outbox_enabled

register = template.Library()


@register.simple_tag(takes_context=True)
def outbox_link(context: dict[str, Any]) -> SafeString | str:
    """The navigation link to the demo outbox, for staff, only while the outbox is in use."""
    user = context.get("user")
    if user is None or not getattr(user, "is_authenticated", False) or not outbox_enabled():
        return ""
    if not user.has_perm_code(Perm.CONTACT_VIEW):
        return ""
    return format_html(
        '<a href="{}" class="demo-link">{}</a>', reverse("outbox:list"), _("演示发件箱")
    )
