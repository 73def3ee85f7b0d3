"""Netting round pages: parse, check access, call one service or selector, render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qingqian.accounts.models import User
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.netting import selectors, services
from qingqian.netting.graph import cycles_svg
from qingqian.netting.models import NettingRound, Participant, RoundState
from qingqian.netting.notices import notice_docx, notice_for, notice_pdf
from qingqian.parties.models import Party, PartyKind


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


def _error(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message_for(get_language()))


def _companies(user: User) -> list[Party]:
    return list(
        Party.objects.filter(organisation=user.organisation, kind=PartyKind.COMPANY)
        .exclude(credit_code="")
        .order_by("name")
    )


def _amount_or_none(raw: str, field: str) -> Decimal | None:
    raw = raw.strip()
    return parse_amount(raw, field=field) if raw else None


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_manage = services.can_manage(user)
    if request.method == "POST":
        try:
            ids = {int(x) for x in request.POST.getlist("parties") if x.isdigit()}
            parties = [p for p in _companies(user) if p.pk in ids]
            caps = {
                p.pk: cap
                for p in parties
                if (cap := _amount_or_none(request.POST.get(f"cap_{p.pk}", ""), "cap")) is not None
            }
            assert user.organisation is not None
            round_ = services.round_create(
                organisation=user.organisation,
                actor=user,
                title=request.POST.get("title", ""),
                parties=parties,
                min_amount=_amount_or_none(request.POST.get("min_amount", ""), "min_amount"),
                exclude_disputed=request.POST.get("include_disputed") != "on",
                exclude_unconfirmed=request.POST.get("include_unconfirmed") != "on",
                caps=caps,
            )
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("清欠轮次已创建。"))
            return redirect("netting:round_detail", round_id=round_.pk)
    rounds = selectors.rounds_visible_to(user).prefetch_related("participants")
    return render(
        request,
        "netting/round_list.html",
        {
            "rounds": rounds,
            "can_manage": can_manage,
            "companies": _companies(user) if can_manage else [],
        },
    )


@login_required
@require_GET
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    user = _user(request)
    try:
        round_ = selectors.round_get_for_user(user, round_id)
    except ApplicationError:
        return _not_found(request)
    own = selectors.own_participant(user, round_)
    participants = list(round_.participants.select_related("party"))
    edges = selectors.graph_edges(user, round_)
    svg = ""
    if edges:
        svg = cycles_svg(
            [p.party.name for p in participants],
            edges,
            title=_("本轮抵销的债务环"),
            highlight=own.party.name if own else None,
        )
    return render(
        request,
        "netting/round_detail.html",
        {
            "round": round_,
            "can_manage": services.can_manage(user),
            "own": own,
            "participants": [
                {"p": p, "can_act": services.can_act_for(user, p)} for p in participants
            ],
            "firms": selectors.firm_table(user, round_),
            "lines": selectors.lines_for(user, round_),
            "svg": svg,
            "solved": round_.state in (RoundState.SOLVED, RoundState.ACCEPTED, RoundState.APPLIED),
        },
    )


@login_required
@require_POST
def round_action(request: HttpRequest, round_id: int, action: str) -> HttpResponse:
    user = _user(request)
    try:
        round_ = selectors.round_get_for_user(user, round_id)
    except ApplicationError:
        return _not_found(request)
    done = {
        "invite": _("邀请已发出，债务快照已生成。"),
        "run": _("已计算最优抵销方案。"),
        "apply": _("抵销已全部执行。"),
    }
    fn = {
        "invite": services.round_invite,
        "run": services.round_run,
        "apply": services.round_apply,
    }.get(action)
    if fn is None:
        return _not_found(request)
    try:
        fn(round_=round_, actor=user)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, done[action])
    return redirect("netting:round_detail", round_id=round_.pk)


def _participant(
    user: User, round_id: int, participant_id: int
) -> tuple[NettingRound, Participant]:
    round_ = selectors.round_get_for_user(user, round_id)
    participant = (
        round_.participants.select_related("party", "round").filter(pk=participant_id).first()
    )
    if participant is None or not services.can_act_for(user, participant):
        raise ValidationFailed("参加企业不存在。", "Participant not found.", status=404)
    return round_, participant


@login_required
@require_POST
def participant_action(
    request: HttpRequest, round_id: int, participant_id: int, action: str
) -> HttpResponse:
    user = _user(request)
    try:
        round_, participant = _participant(user, round_id, participant_id)
    except ApplicationError:
        return _not_found(request)
    try:
        if action == "confirm":
            disputed = [int(x) for x in request.POST.getlist("disputed") if x.isdigit()]
            services.participant_confirm(participant=participant, actor=user, disputed=disputed)
            messages.success(request, _("债务已确认。"))
        elif action == "consent":
            services.participant_consent(participant=participant, actor=user)
            messages.success(request, _("已同意参加多边抵销。"))
        elif action == "accept":
            services.participant_accept(participant=participant, actor=user)
            messages.success(request, _("已接受抵销结果。"))
        elif action == "decline":
            services.participant_decline(
                participant=participant, actor=user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已拒绝，本轮已取消，未执行任何抵销。"))
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationFailed("请选择文件。", "Choose a file.", code="file_missing")
            rows = services.payables_upload(
                participant=participant,
                actor=user,
                filename=upload.name or "payables.csv",
                data=upload.read(services.MAX_UPLOAD_BYTES + 1),
            )
            messages.success(request, _("已上传 %(n)d 笔应付款。") % {"n": len(rows)})
        else:
            return _not_found(request)
    except ApplicationError as exc:
        _error(request, exc)
    return redirect("netting:round_detail", round_id=round_.pk)


@login_required
@require_GET
def notice(request: HttpRequest, round_id: int, participant_id: int, fmt: str) -> HttpResponse:
    user = _user(request)
    try:
        round_, participant = _participant(user, round_id, participant_id)
    except ApplicationError:
        return _not_found(request)
    if round_.state not in (RoundState.SOLVED, RoundState.ACCEPTED, RoundState.APPLIED):
        return _not_found(request)
    data = notice_for(round_, participant)
    name = f"setoff-notice-{data.number}.{fmt}"
    if fmt == "pdf":
        response = HttpResponse(notice_pdf(data), content_type="application/pdf")
    elif fmt == "docx":
        response = HttpResponse(
            notice_docx(data),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    else:
        return _not_found(request)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
