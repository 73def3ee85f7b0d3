"""``GET /api/v1/reports/kpis``: the dashboard's numbers (the same assembly as the page).

* ``from``/``to``: ISO dates, inclusive (default: the last twelve months to date); ``group_by``: the
  recovery table's dimension (``creditor``, ``debt_type``, ``aging``, ``arm``, ``handler``);
  ``grain``: the trend's bucket (``day``, ``week``, ``month``, ``quarter``); ``creditor``
  and ``team`` narrow the cases.
* Money is a decimal string (yuan, two places); rates are percentages as decimal strings
  with one place, ``null`` when the base is zero; dates ``YYYY-MM-DD``.
* Bad input is a 422 with a ``code`` (``invalid_date``, ``invalid_range``,
  ``range_too_long``, ``invalid_group_by`` …).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from qingqian.accounts.models import User
from qingqian.common import clock
from qingqian.common.api_errors import ERRORS
from qingqian.kpis import selectors
from qingqian.kpis.measures import GROUPS
from qingqian.kpis.periods import GRAINS, plain

router = Router(tags=["reports"])


@router.get("/kpis", response={200: dict[str, Any], **ERRORS})
def kpis(
    request: HttpRequest,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
    group_by: str | None = None,
    grain: str | None = None,
    creditor: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    window = selectors.parse_window(from_, to, today=clock.today())
    data = selectors.dashboard(
        user,
        window,
        grain=selectors.parse_choice(grain, GRAINS, "grain"),
        group_by=selectors.parse_choice(group_by, GROUPS, "group_by") or "creditor",
        creditor_id=selectors.parse_id(creditor, "creditor"),
        team=selectors.parse_choice(team, tuple(selectors.TEAMS), "team"),
    )
    for row in data["recovery"]["rows"]:
        row["key"] = "" if row["key"] is None else row["key"]
    return plain(data)
