"""``POST /api/v1/calc/{name}``: the legal calculators with the dated legal tables."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from qingqian.accounts.http import api_user as _user
from qingqian.calculators.requests import CALCULATORS
from qingqian.calculators.requests import run as run_calculator
from qingqian.common.api_errors import ERRORS
from qingqian.common.exceptions import NotFound
from qingqian.legaldata.selectors import calc_context

router = Router(tags=["calculators"])


@router.post("/calc/{name}", response={200: dict[str, Any], **ERRORS})
def calc_run(request: HttpRequest, name: str, payload: Body[dict[str, Any]]) -> dict[str, Any]:
    """Run a legal calculator: the same fields and result object as ``qingqian calc NAME``."""
    _user(request)
    if name not in CALCULATORS:
        raise NotFound(
            f"未知的计算器：{name}",
            f"Unknown calculator: {name}",
            code="unknown_calculator",
            details={"choices": sorted(CALCULATORS)},
        )
    return run_calculator(name, payload, calc_context()).to_dict()
