"""Netting round pages: parse, check access, call one service or selector, render."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.netting import selectors, services
from qingqian.netting.graph import cycles_svg
from qingqian.netting.models import NettingRound, Participant, RoundState
from qingqian.netting.notices import notice_docx, notice_for, notice_pdf
from qingqian.parties.models import Party, PartyKind


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


SCOPES = ("all", "group", "firms")
_SPLIT = re.compile(r"[\n\r,;，；、]+")


def _index(companies: dict[int, Party]) -> dict[str, Party]:
    """Each firm by its credit code, its exact name and (from the picker) its id."""
    out: dict[str, Party] = {}
    for p in companies.values():
        out[p.name] = p
        out[str(p.pk)] = p
    for p in companies.values():
        out[p.credit_code] = p
    return out


def _pick(index: dict[str, Party], token: str) -> Party:
    token = token.strip()
    if token in index:
        return index[token]
    raise ValidationFailed(
        f"找不到企业“{token}”（须为本机构有统一社会信用代码的企业）。",
        f"No firm “{token}” (a company of this organisation with a credit code).",
        code="firm_unknown",
        details={"firm": token},
    )


def _chosen_parties(request: HttpRequest, user: User) -> list[Party]:
    """The firms the form chose: all candidates, a creditor's group, or a typed/picked list.

    One scope field and one text field, however many firms: no form with a field per firm."""
    post = request.POST
    scope = post.get("scope") or ("firms" if post.getlist("parties") else "all")
    if scope not in SCOPES:
        raise ValidationFailed("请选择参加范围。", "Choose which firms take part.", code="scope")
    if scope == "all":
        ids = [c.party_id for c in selectors.firm_choices(user)]
        return list(Party.objects.filter(pk__in=ids))
    if scope == "group":
        raw = post.get("group", "")
        if not raw.isdigit():
            raise ValidationFailed(
                "请选择一家债权企业。", "Choose a creditor firm.", code="group_missing"
            )
        ids = [c.party_id for c in selectors.firm_choices(user, creditor_id=int(raw))]
        return list(Party.objects.filter(pk__in=ids))
    companies = {p.pk: p for p in _companies(user)}
    chosen: dict[int, Party] = {}
    for raw in post.getlist("parties"):
        if raw.isdigit() and int(raw) in companies:
            chosen[int(raw)] = companies[int(raw)]
    index = _index(companies)
    for token in _SPLIT.split(post.get("firms", "")):
        if token.strip():
            p = _pick(index, token)
            chosen[p.pk] = p
    return list(chosen.values())


def _caps(request: HttpRequest, parties: list[Party]) -> dict[int, Decimal]:
    """Caps from the caps box (one “firm amount” a line) and the picker's cap_<id> fields."""
    caps: dict[int, Decimal] = {}
    index = _index({p.pk: p for p in parties})
    for p in parties:
        cap = _amount_or_none(request.POST.get(f"cap_{p.pk}", ""), "cap")
        if cap is not None:
            caps[p.pk] = cap
    for line in request.POST.get("caps", "").splitlines():
        line = line.strip()
        if not line:
            continue
        firm, _sep, amount = line.replace("\t", " ").rpartition(" ")
        if not firm.strip():
            raise ValidationFailed(
                f"抵销上限“{line}”应写成“企业 金额”。",
                f"The cap “{line}” should read “firm amount”.",
                code="cap_line",
            )
        p = _pick(index, firm)
        caps[p.pk] = parse_amount(amount, field="cap")
    return caps


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_manage = services.can_manage(user)
    if request.method == "POST":
        try:
            parties = _chosen_parties(request, user)
            caps = _caps(request, parties)
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
            messages.success(
                request,
                _("清欠轮次已创建，共 %(n)s 家企业。") % {"n": len(parties)},
            )
            return redirect("netting:round_detail", round_id=round_.pk)
    rounds = selectors.rounds_visible_to(user).prefetch_related("participants")
    groups = selectors.creditor_groups(user) if can_manage else []
    return render(
        request,
        "netting/round_list.html",
        {
            "rounds": rounds,
            "can_manage": can_manage,
            "groups": groups,
            "candidates": sum(1 for _ in selectors.firm_choices(user)) if can_manage else 0,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@login_required
@require_GET
def firm_search(request: HttpRequest) -> HttpResponse:
    """The picker's search: up to 30 candidate firms by name or credit code (JSON)."""
    user = _user(request)
    if not services.can_manage(user):
        return JsonResponse({"firms": []}, status=403)
    group = request.GET.get("group", "")
    rows = selectors.firm_choices(
        user,
        query=request.GET.get("q", "")[:100],
        creditor_id=int(group) if group.isdigit() else None,
        limit=30,
    )
    return JsonResponse(
        {
            "firms": [
                {
                    "id": r.party_id,
                    "name": r.name,
                    "credit_code": r.credit_code,
                    "obligations": r.obligations,
                }
                for r in rows
            ]
        }
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
            en=get_language() == "en",
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
