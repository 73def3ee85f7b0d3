"""``/api/v1/netting``: the pure solver over JSON (the same result object as
``qingqian netting solve --json``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from qingqian.common.api_errors import ERRORS
from qingqian.netting.jsonio import solve_json

router = Router(tags=["netting"])


@router.post("/solve", response={200: dict[str, Any], **ERRORS})
def solve(request: HttpRequest, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    """Optimal multilateral set-off of the posted obligations.

    Body: ``{"obligations": [{"id", "debtor", "creditor", "amount": "1200.50", "due"?,
    "status"?}], "options"?: {"exclude_disputed", "exclude_unconfirmed", "non_consenting",
    "min_amount", "caps", "age_tie_break"}}``. Answers ``{"total", "cleared", "remaining",
    "setoffs": [{"id", "amount"}], "net_positions": {firm: amount}}``; a bad row answers
    422 with ``{"code", "message", "details": {"index", "id", …}}``.
    """
    return solve_json(payload).as_dict()
