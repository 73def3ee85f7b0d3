"""Staff pages of the consortium (the members, a case's answers and the asking, the answers
this firm gave and their withdrawal) and the three endpoints members post signed messages
to. Each view checks access, calls one service or selector, and renders or redirects."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.consortium import rounds, selectors, services
from qingqian.consortium.models import GivenAnswer, SharedRound
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


# --------------------------------------------------------------------------- h23r: netting


def _netting_user(request: HttpRequest) -> User | None:
    """Staff who run or answer netting rounds, or a creditor user; else None (404)."""
    user = _user(request)
    if (
        user.is_creditor_user
        or user.has_perm_code(Perm.NETTING_MANAGE)
        or user.has_perm_code(Perm.CONSORTIUM_NETTING)
    ):
        return user
    return None


def _visible_rounds(user: User) -> Any:
    qs = SharedRound.objects.select_related("convener", "creditor")
    if user.is_creditor_user:
        return qs.filter(is_convener=False).filter(
            Q(creditor__isnull=True) | Q(creditor_id=user.creditor_id)
        )
    mine = Q(organisation__isnull=True) | Q(organisation=user.organisation)
    if not user.has_perm_code(Perm.CONSORTIUM_NETTING):
        return qs.filter(is_convener=False).filter(mine)
    return qs.filter(mine)


def _round_for(request: HttpRequest, pk: int) -> SharedRound | None:
    user = _netting_user(request)
    if user is None:
        return None
    return _visible_rounds(user).filter(pk=pk).first()


@require_GET
def netting_list(request: HttpRequest) -> HttpResponse:
    user = _netting_user(request)
    if user is None:
        return _not_found(request)
    can_convene = rounds.can_convene(user) and selectors.member_self() is not None
    return render(
        request,
        "consortium/netting_list.html",
        {
            "rounds": _visible_rounds(user),
            "can_convene": can_convene,
            "peers": [m for m in selectors.members_active() if not m.is_self]
            if can_convene
            else [],
        },
    )


@require_POST
def netting_open(request: HttpRequest) -> HttpResponse:
    try:
        round_ = rounds.round_open(
            title=request.POST.get("title", ""),
            members=request.POST.getlist("member"),
            actor=_user(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
        return redirect("consortium:netting_list")
    messages.success(request, _("已开启同业清欠轮次，并已向参加成员发出邀请。"))
    return redirect("consortium:netting_detail", pk=round_.pk)


@require_GET
def netting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for(request, pk)
    if round_ is None:
        return _not_found(request)
    user = _user(request)
    lines = (
        list(round_.lines.select_related("invoice__case", "member"))
        if not (round_.is_convener)
        else []
    )
    seats = []
    if round_.is_convener:
        for seat in round_.seats.select_related("member"):
            own = [x for x in round_.lines.all() if x.member_id == seat.member_id]
            seats.append(
                {
                    "seat": seat,
                    "lines": len(own),
                    "amount": sum((x.amount for x in own), Decimal("0.00")),
                    "setoff": sum((x.setoff or Decimal("0.00") for x in own), Decimal("0.00")),
                }
            )
    firms = rounds.firms_for(user, user.organisation) if not round_.is_convener else []
    return render(
        request,
        "consortium/netting_detail.html",
        {
            "round": round_,
            "seats": seats,
            "lines": lines,
            "firms": firms,
            "can_act": round_.creditor is None or rounds.can_act_for(user, round_.creditor),
            "can_convene": round_.is_convener and rounds.can_convene(user),
        },
    )


def _netting_step(request: HttpRequest, pk: int, step: Any, done: str) -> HttpResponse:
    round_ = _round_for(request, pk)
    if round_ is None:
        return _not_found(request)
    try:
        step(round_, _user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
    else:
        messages.success(request, done)
    return redirect("consortium:netting_detail", pk=pk)


@require_POST
def netting_run(request: HttpRequest, pk: int) -> HttpResponse:
    return _netting_step(
        request,
        pk,
        lambda r, u: rounds.round_run(round_=r, actor=u),
        _("已计算并向各参加成员发送签名结果。"),
    )


@require_POST
def netting_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The firm's consent, then its receivables to the convener (both, or an error)."""

    def step(r: SharedRound, u: User) -> None:
        if request.POST.get("consent") != "yes":
            raise ValidationFailed(
                "请勾选同意参加。",
                "Tick the box to consent to the set-off.",
                code="consent_missing",
            )
        chosen = request.POST.get("firm")
        firm = next((p for p in rounds.firms_for(u, u.organisation) if str(p.pk) == chosen), None)
        if firm is None:
            raise ValidationFailed("请选择企业。", "Choose the firm.", code="firm_missing")
        rounds.round_consent(round_=r, creditor=firm, actor=u)
        rounds.round_submit(round_=r, actor=u)

    return _netting_step(request, pk, step, _("本企业已同意参加，应收款已签名提交给召集方。"))


@require_POST
def netting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    return _netting_step(
        request,
        pk,
        lambda r, u: rounds.round_decide(
            round_=r, actor=u, accept=accept, reason=request.POST.get("reason", "")
        ),
        _("已接受结果；全体参加成员接受后，抵销将计入本企业的发票。")
        if accept
        else _("已拒绝结果。"),
    )


@csrf_exempt
def wire_netting_invite(request: HttpRequest) -> HttpResponse:
    return _wire(request, "netting.invite")


@csrf_exempt
def wire_netting_submit(request: HttpRequest) -> HttpResponse:
    return _wire(request, "netting.submit")


@csrf_exempt
def wire_netting_result(request: HttpRequest) -> HttpResponse:
    return _wire(request, "netting.result")


@csrf_exempt
def wire_netting_decision(request: HttpRequest) -> HttpResponse:
    return _wire(request, "netting.decision")


@csrf_exempt
def wire_netting_final(request: HttpRequest) -> HttpResponse:
    return _wire(request, "netting.final")
