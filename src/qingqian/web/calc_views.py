"""Calculator pages (计算器): one generic form per calculator, the explanation under the result,
and "calculate for this case" pre-filling from a case the user can see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from qingqian.calculators.requests import CALCULATORS, Calculator
from qingqian.calculators.requests import run as run_calculator
from qingqian.cases import selectors
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError
from qingqian.legaldata.selectors import calc_context
from qingqian.web import calc_present
from qingqian.web.views import _lang_index, _user


def case_prefill(case: Case, name: str) -> dict[str, str]:
    """The figures a case already holds, as calculator fields."""
    today = clock.today().isoformat()
    due = case.oldest_due_date or case.due_date
    formed = case.funds_transfer_date or case.contract_date
    values: dict[str, dict[str, Any]] = {
        "court-fee": {"amount": case.outstanding},
        "small-claims": {"amount": case.outstanding, "filed": today},
        "allocate": {"principal": case.outstanding},
        "limitation": {
            "start": due,
            "interruptions": f"{case.last_payment_date}:part_payment"
            if case.last_payment_date
            else None,
            "as_of": today,
        },
        "interest-cap": {
            "formed": formed,
            "principal": case.principal,
            "agreed_rate": case.interest_rate,
            "until": today,
        },
        "trade-rate": {"breach": due, "amount": case.outstanding},
        "contingency-cap": {"recovered": case.outstanding},
    }
    return {k: str(v) for k, v in values.get(name, {}).items() if v is not None}


def _fields(calc: Calculator, data: dict[str, Any]) -> list[dict[str, Any]]:
    i = _lang_index()
    out = []
    for f in calc.fields:
        labels = {value: (zh, en)[i] for value, zh, en in f.choice_labels}
        out.append(
            {
                "name": f.name,
                "kind": f.kind,
                "label": (f.label_zh, f.label_en)[i],
                "required": f.required,
                "choices": [(c, labels.get(c, c)) for c in f.choices],
                "value": data.get(f.name, f.default or ""),
            }
        )
    return out


@login_required
def calc_index(request: HttpRequest) -> HttpResponse:
    i = _lang_index()
    case_id = request.GET.get("case", "")
    return render(
        request,
        "web/calc_index.html",
        {
            "calculators": [(c.name, (c.title_zh, c.title_en)[i]) for c in CALCULATORS.values()],
            "case_id": case_id if case_id.isdigit() else "",
        },
    )


@login_required
def calc_page(request: HttpRequest, name: str) -> HttpResponse:
    calc = CALCULATORS.get(name)
    if calc is None:
        raise Http404
    user = _user(request)
    case = None
    data: dict[str, Any] = {}
    case_id = request.GET.get("case", "")
    if case_id.isdigit():
        try:
            case = selectors.case_get_for_user(user, int(case_id))
        except ApplicationError:
            raise Http404 from None
        data = case_prefill(case, name)
    result = error = None
    if request.method == "POST":
        data = {f.name: request.POST.get(f.name, "") for f in calc.fields if f.kind != "flag"}
        data.update(
            {f.name: True for f in calc.fields if f.kind == "flag" and request.POST.get(f.name)}
        )
        submitted = {k: v for k, v in data.items() if v not in ("", None)}
        try:
            result = run_calculator(name, submitted, calc_context()).to_dict()
        except ApplicationError as exc:
            error = exc
    i = _lang_index()
    figures = calc_present.figures(calc, result, en=bool(i)) if result is not None else []
    return render(
        request,
        "web/calc_page.html",
        {
            "calc": calc,
            "title": (calc.title_zh, calc.title_en)[i],
            "fields": _fields(calc, data),
            "result": result,
            "figures": figures,
            "steps": result["explanation"]["en" if i else "zh"] if result else [],
            "warnings": [w["en" if i else "zh"] for w in result["warnings"]] if result else [],
            "error": error.message_for("en" if i else "zh") if error else None,
            "error_field": str(error.details.get("field", "")) if error else "",
            "case": case,
        },
    )
