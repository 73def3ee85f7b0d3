"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language

from qingqian.web.help import help_href, help_target


def help_link(request: HttpRequest) -> dict[str, Any]:
    """``help_url``: this page's section of the user guide, in the page's language."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    target = help_target(match.view_name if match else None, role)
    return {"help_url": help_href(settings.GUIDE_URL, target, get_language())}
