"""Staff pages of the consortium (the members, a case's answers and the asking, the answers
this firm gave and their withdrawal) and the three endpoints members post signed messages
to. Each view checks access, calls one service or selector, and renders or redirects."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError
from qingqian.consortium import selectors, services
from qingqian.consortium.models import GivenAnswer
from qingqian.consortium.protocol import MAX_MESSAGE_BYTES
from qingqian.ledger.note import VerifierKey


def _case(request: HttpRequest, case_id: int) -> Case | None:
    try:
        return case_get_for_user(_user(request), case_id, for_detail=True)
    except ApplicationError:
        return None


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


@require_GET
def members(request: HttpRequest) -> HttpResponse:
    me = services.own_signer().verifier()
    return render(
        request,
        "consortium/members.html",
        {
            "members": [
                (m, VerifierKey.parse(m.key).key_id.hex()) for m in selectors.members_active()
            ],
            "current": selectors.member_list_current(),
            "own_name": me.name,
            "own_key_id": me.key_id.hex(),
            "can_manage": _user(request).has_perm_code(Perm.CONSORTIUM_MANAGE),
        },
    )


def _answers_page(
    request: HttpRequest, case: Case, *, status: int = 200, error: str = "", code: str = ""
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "consortium/case_answers.html",
        {
            "case": case,
            "queries": selectors.case_queries(case),
            "debtors": selectors.case_company_debtors(case),
            "can_ask": user.has_perm_code(Perm.CONSORTIUM_ASK),
            "error": error,
            "error_code": code,
        },
        status=status,
    )


@require_GET
def case_answers(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if case is None:
        return _not_found(request)
    return _answers_page(request, case)


@require_POST
def case_ask(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if case is None:
        return _not_found(request)
    try:
        services.consortium_ask(case=case, actor=_user(request))
    except ApplicationError as exc:
        return _answers_page(
            request, case, status=exc.status, error=exc.message_for(get_language()), code=exc.code
        )
    messages.success(request, _("已向同业共享成员查询，结果如下。"))
    return redirect("consortium:case_answers", case_id=case.pk)


@require_GET
def given(request: HttpRequest) -> HttpResponse:
    org = _user(request).organisation
    rows = selectors.given_answers().filter(party__organisation=org)
    return render(request, "consortium/given.html", {"rows": rows})


@require_POST
def given_withdraw(request: HttpRequest, given_id: int) -> HttpResponse:
    org = _user(request).organisation
    row = GivenAnswer.objects.filter(pk=given_id, party__organisation=org).first()
    if row is None:
        return _not_found(request)
    delivered = services.answer_withdraw(given=row, actor=_user(request))
    messages.success(
        request, _("已撤回关于该债务人的回答，并已通知 %(n)s 个成员。") % {"n": delivered}
    )
    return redirect("consortium:given")


def _wire(request: HttpRequest, kind: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    body = request.body
    if len(body) > MAX_MESSAGE_BYTES:
        return _refusal(413, "message_too_large", "消息过大。", "The message is too large.")
    try:
        answer = services.message_receive(body, kind)
    except ApplicationError as exc:
        return _refusal(exc.status, exc.code, exc.message_zh, exc.message_en)
    return HttpResponse(answer, content_type="text/plain; charset=utf-8")


def _refusal(status: int, code: str, zh: str, en: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"code": code, "message_zh": zh, "message_en": en}, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


@csrf_exempt
def wire_psi(request: HttpRequest) -> HttpResponse:
    return _wire(request, "psi.query")


@csrf_exempt
def wire_facts(request: HttpRequest) -> HttpResponse:
    return _wire(request, "facts.query")


@csrf_exempt
def wire_withdrawals(request: HttpRequest) -> HttpResponse:
    return _wire(request, "answer.withdrawn")
