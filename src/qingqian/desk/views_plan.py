"""The staff page "今日联系计划 / Today's contact plan": the day plan per channel and hour.

Staff only (creditor users get 403). The plan is the organisation's (capacity is shared);
a collector, who sees only the cases assigned to them, sees only their own rows, with the
organisation's totals. Reading the page records nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.selectors import cases_visible_to
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.templatetags.contact_tags import is_english
from qingqian.desk.dayplan import DayPlanView, LeftOut, Slot, day_plan

#: Rows listed per channel; the totals always count every planned contact.
ROWS_PER_CHANNEL = 200


def _categories() -> dict[str, str]:
    return {
        "hold": _("联系暂停"),
        "cap": _("频次上限"),
        "window": _("已过联系时段"),
        "reached": _("今日已联系上"),
        "capacity": _("产能不足"),
        "not_contact": _("转律师评估，不联系"),
        "no_channel": _("没有可用的联系方式"),
    }


def _visible(user: User) -> set[int] | None:
    """Ids of the cases the user may see, or ``None`` for all of the organisation's."""
    if user.has_perm_code(Perm.CASE_VIEW_ALL):
        return None
    return set(cases_visible_to(user).values_list("pk", flat=True))


def _shown(cases: tuple[tuple[int, str], ...], visible: set[int] | None) -> bool:
    return visible is None or any(c in visible for c, _ in cases)


@login_required
@require_GET
def day_plan_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.is_active or user.role == Role.CREDITOR or user.organisation is None:
        return render(request, "web/forbidden.html", {"perm": "contact.plan"}, status=403)
    today = clock.today()
    raw = request.GET.get("date", "")
    error = ""
    day = today
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            error = _("日期格式应为 YYYY-MM-DD。")
    view: DayPlanView | None = None
    if not error:
        try:
            view = day_plan(user.organisation, day)
        except ApplicationError as exc:
            error = exc.message_for("en" if is_english() else "zh")
    context: dict[str, Any] = {"day": day, "today": today, "error": error, "view": view}
    if view is not None:
        visible = _visible(user)
        channels: dict[str, dict[str, Any]] = {}
        for channel, slots in view.by_channel().items():
            mine: list[Slot] = [s for s in slots if _shown(s.cases, visible)]
            channels[channel] = {
                "count": len(slots),
                "rows": mine[:ROWS_PER_CHANNEL],
                "more": max(0, len(mine) - ROWS_PER_CHANNEL),
            }
        hours = list(view.window)
        grid = view.by_channel_hour()
        labels = _categories()
        left: dict[str, list[LeftOut]] = {}
        for x in view.left_out:
            if _shown(x.cases, visible):
                left.setdefault(x.category, []).append(x)
        context.update(
            {
                "channels": channels,
                "hours": hours,
                "grid": [
                    (channel, [grid[channel].get(h, 0) for h in hours], sum(grid[channel].values()))
                    for channel in grid
                ],
                "left_out": [(labels.get(k, k), k, v) for k, v in sorted(left.items())],
                "left_counts": [
                    (labels.get(k, k), k, n) for k, n in sorted(view.left_out_by_category().items())
                ],
                "own_rows_only": visible is not None,
                "english": is_english(),
                "next_day": day + dt.timedelta(days=1),
            }
        )
    return render(request, "contact/dayplan.html", context)
