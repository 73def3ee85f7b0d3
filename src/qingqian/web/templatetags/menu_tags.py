"""The top navigation per role: ``{% main_menu %}`` lists only what the user may open
(``accounts.roles.MENU``); ``may`` and ``perm_words`` ask the permission registry."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from qingqian.accounts.roles import MenuItem, menu_for_role

register = template.Library()


def menu_for(user: Any) -> list[MenuItem]:
    """The items ``user`` may open; none for a visitor or a user of no organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if getattr(user, "organisation_id", None) is None:
        return [i for i in menu_for_role("", staff_site=user.is_staff) if i.perm is None]
    return menu_for_role(user.role, staff_site=bool(user.is_staff))


@register.inclusion_tag("web/_menu.html", takes_context=True)
def main_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    en = (get_language() or "").startswith("en")
    path = getattr(request, "path", "")
    links = []
    for item in menu_for(user):
        url = reverse(item.route)
        links.append(
            {
                "url": url,
                "label": item.label_en if en else item.label_zh,
                "current": path == url or (url != "/" and path.startswith(url)),
            }
        )
    return {"links": links}


@register.filter
def perm_words(value: object) -> str:
    """A permission in words in the current language; never the code. Anything that is not a
    known permission (or its words already) gives ``""`` and the page says it generally."""
    from qingqian.accounts.roles import PERM_LABELS, Perm

    en = (get_language() or "").startswith("en")
    try:
        return PERM_LABELS[Perm(str(value))][1 if en else 0]
    except ValueError:
        pass
    for zh, en_words in PERM_LABELS.values():
        if value in (zh, en_words):
            return en_words if en else zh
    return ""


@register.simple_tag(takes_context=True)
def role_words(context: template.Context) -> str:
    from qingqian.accounts.roles import ROLE_LABELS, Role

    user = context.get("user")
    try:
        zh, en = ROLE_LABELS[Role(getattr(user, "role", ""))]
    except ValueError:
        return ""
    return en if (get_language() or "").startswith("en") else zh


@register.filter
def may(user: Any, perm: str) -> bool:
    """``{% if user|may:"case.transition" %}``: show a form only to a role that may submit it
    (the permission registry, ``accounts.roles``); an unknown permission is never granted."""
    from qingqian.accounts.roles import Perm

    try:
        code = Perm(perm)
    except ValueError:
        return False
    return bool(getattr(user, "is_authenticated", False) and user.has_perm_code(code))
