"""Staff pages of mediation: the case's mediation page (match, sessions, proposals, the
agreement and its signatures, judicial confirmation), the roster and the figures. Each view
checks access, calls one service or selector, and renders or redirects with a message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_get_for_user
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, NotFound, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.mediation import documents, selectors, services
from qingqian.mediation.geo import (
    DIALECT_LABELS,
    DIVISIONS_AS_OF,
    DIVISIONS_SOURCE,
    DIVISIONS_VERIFIED,
    locality_choices,
)
from qingqian.mediation.models import (
    ConfirmationApplication,
    DebtorProfile,
    Mediation,
    MediationAgreement,
    Mediator,
    Proposal,
    ProposalSide,
    SessionMode,
)


def _case(request: HttpRequest, case_id: int) -> Case | HttpResponse:
    try:
        return case_get_for_user(_user(request), case_id, for_detail=True)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(
            "日期格式错误。", "Invalid date.", code="bad_date", details={"field": field}
        ) from None


def _deliver_code(party: Any, code: str, reference: str) -> None:
    """A signing code to the party's own phone (a transactional SMS, audited, masked)."""
    from qingqian.common import crypto
    from qingqian.contact.channels.base import send_transactional

    if not party.phone_enc:
        raise ValidationFailed(
            "该当事人没有登记手机号，无法发送验证码。",
            "The party has no phone number on file; no code can be sent.",
            code="no_phone",
        )
    send_transactional(
        "sms",
        crypto.decrypt(party.phone_enc),
        "",
        f"调解协议书签署验证码 {code}（案件 {reference}），10 分钟内有效。",
    )


def _act(
    request: HttpRequest, case_id: int, act: Callable[[User, Case, Mediation | None], str]
) -> HttpResponse:
    """Run ``act``; on success back to the page with a message, on bad input the page again
    with the bilingual error and its code, answered 4xx (nothing was written)."""
    case = _case(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    user = _user(request)
    current = selectors.case_mediations(case)
    try:
        message = act(user, case, current[0] if current else None)
    except ApplicationError as exc:
        if exc.status == 404:
            return render(request, "web/not_found.html", status=404)
        return _page(
            request,
            case,
            status=exc.status,
            error=exc.message_for(get_language()),
            error_code=exc.code,
        )
    messages.success(request, message)
    return redirect("mediation:case", case_id=case_id)


def _need_open(m: Mediation | None) -> Mediation:
    if m is None:
        raise NotFound("本案没有调解。", "The case has no mediation.", code="no_mediation")
    return m


def _agreement(m: Mediation | None) -> MediationAgreement:
    a = MediationAgreement.objects.filter(mediation=_need_open(m)).first()
    if a is None:
        raise NotFound("尚未起草调解协议。", "No agreement drafted yet.", code="no_agreement")
    return a


@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    return _page(request, case)


def _page(
    request: HttpRequest, case: Case, *, status: int = 200, error: str = "", error_code: str = ""
) -> HttpResponse:
    user = _user(request)
    mediations = selectors.case_mediations(case)
    current = mediations[0] if mediations else None
    agreement = getattr(current, "agreement", None) if current else None
    confirmation = getattr(agreement, "confirmation", None) if agreement else None
    try:
        ranked = services.mediation_match(case)
        debtor = selectors.debtor_of(case)
        locality, dialect, source = selectors.debtor_place_and_speech(debtor)
    except ApplicationError:
        ranked, debtor, locality, dialect, source = [], None, None, None, ""
    due = services.confirmation_due(agreement) if agreement and agreement.effective_on else None
    en = (get_language() or "").startswith("en")
    return render(
        request,
        "mediation/case.html",
        {
            "case": case,
            "current": current,
            "history": mediations[1:],
            "ranked": ranked,
            "debtor": debtor,
            "locality": locality.label(en=en) if locality else "",
            "locality_code": locality.code if locality else "",
            "locality_source": source,
            "dialect": dialect.value if dialect else "",
            "agreement": agreement,
            "confirmation": confirmation,
            "due": due,
            "can_work": user.has_perm_code(Perm.MEDIATION_WORK),
            "modes": SessionMode.choices,
            "sides": ProposalSide.choices,
            "dialects": [(d.value, en_ if en else zh) for d, (zh, en_) in DIALECT_LABELS.items()],
            "localities": locality_choices(),
            "open_proposals": (
                [p for p in current.proposals.all() if p.state == "open"] if current else []
            ),
            "today": clock.today(),
            "error": error,
            "error_code": error_code,
        },
        status=status,
    )


@require_POST
def request_mediation(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, _m: Mediation | None) -> str:
        m = services.mediation_request(case=case, actor=user, note=request.POST.get("note", ""))
        raw = request.POST.get("mediator", "").strip()
        if raw:
            mediator = Mediator.objects.filter(pk=int(raw), organisation=case.organisation).first()
            if mediator is None:
                raise NotFound("未找到该调解员。", "No such mediator.")
            services.mediation_assign(mediation=m, actor=user, mediator=mediator)
            return _("已进入调解并指定调解员。")
        return _("已进入调解。")

    return _act(request, case_id, act)


@require_POST
def assign(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        raw = request.POST.get("mediator", "").strip()
        mediator = (
            Mediator.objects.filter(pk=int(raw), organisation=case.organisation).first()
            if raw.isdigit()
            else None
        )
        if mediator is None:
            raise ValidationFailed("请选择调解员。", "Choose a mediator.", code="mediator_required")
        services.mediation_assign(mediation=_need_open(m), actor=user, mediator=mediator)
        return _("已指定调解员。")

    return _act(request, case_id, act)


@require_POST
def debtor_profile(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, _m: Mediation | None) -> str:
        services.debtor_profile_set(
            party=selectors.debtor_of(case),
            actor=user,
            locality=request.POST.get("locality", ""),
            dialect=request.POST.get("dialect", ""),
            source="staff",
        )
        return _("已保存债务人的地域与语言。")

    return _act(request, case_id, act)


@require_POST
def session_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        p = request.POST
        try:
            at = dt.datetime.fromisoformat(p.get("at", "").strip())
        except ValueError:
            raise ValidationFailed(
                "时间格式错误。", "Invalid time.", code="bad_datetime", details={"field": "at"}
            ) from None
        services.session_add(
            mediation=_need_open(m),
            actor=user,
            mode=p.get("mode", ""),
            at=at,
            place=p.get("place", ""),
            participants=p.get("participants", ""),
            minutes=p.get("minutes", ""),
        )
        return _("已记录调解会。")

    return _act(request, case_id, act)


@require_POST
def proposal_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        p = request.POST
        m = _need_open(m)
        months = int(p["months"]) if p.get("months", "").strip().isdigit() else 0
        day = int(p["day"]) if p.get("day", "").strip().isdigit() else 15
        counter = None
        if p.get("counter_to", "").strip().isdigit():
            counter = Proposal.objects.filter(mediation=m, pk=int(p["counter_to"])).first()
        services.proposal_add(
            mediation=m,
            actor=user,
            side=p.get("side", ""),
            amount=parse_amount(p.get("amount", "")) or Decimal("0"),
            months=months,
            start=p.get("start", "").strip(),
            day=day,
            pay_by=_date(p["pay_by"], "pay_by") if p.get("pay_by", "").strip() else None,
            note=p.get("note", ""),
            counter_to=counter,
        )
        return _("已记录方案。")

    return _act(request, case_id, act)


@require_POST
def proposal_accept(request: HttpRequest, case_id: int, proposal_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        proposal = Proposal.objects.filter(mediation=_need_open(m), pk=proposal_id).first()
        if proposal is None:
            raise NotFound("未找到该方案。", "No such proposal.")
        services.proposal_accept(proposal=proposal, actor=user)
        return _("双方已接受该方案。")

    return _act(request, case_id, act)


@require_POST
def agreement_draft(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        p = request.POST
        services.agreement_draft(
            mediation=_need_open(m),
            actor=user,
            facts=p.get("facts", ""),
            disputed=p.get("disputed", ""),
            method=p.get("method", ""),
            place=p.get("place", ""),
            organisation_seal=p.get("seal") == "on",
        )
        return _("调解协议书已起草，请双方及调解员签署。")

    return _act(request, case_id, act)


@require_POST
def sign_code(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        a = _agreement(m)
        side = request.POST.get("side", "")
        party = case.creditor if side == "creditor" else selectors.debtor_of(case)
        services.agreement_code_send(
            agreement=a,
            actor=user,
            side=side,
            deliver=lambda code: _deliver_code(party, code, case.reference),
        )
        return _("验证码已发送到该当事人的手机。")

    return _act(request, case_id, act)


@require_POST
def sign_party(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        p = request.POST
        services.agreement_sign_party(
            agreement=_agreement(m),
            actor=user,
            side=p.get("side", ""),
            typed_name=p.get("typed_name", ""),
            code=p.get("code", ""),
        )
        return _("当事人已签署。")

    return _act(request, case_id, act)


@require_POST
def sign_mediator(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        services.agreement_sign_mediator(
            agreement=_agreement(m), actor=user, typed_name=request.POST.get("typed_name", "")
        )
        return _("调解员已签署。")

    return _act(request, case_id, act)


@require_GET
def agreement_download(request: HttpRequest, case_id: int, fmt: str) -> HttpResponse:
    case = _case(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    mediations = selectors.case_mediations(case)
    a = MediationAgreement.objects.filter(mediation__in=mediations).order_by("-pk").first()
    which = request.GET.get("doc", "agreement")
    if (
        a is None
        or fmt not in ("pdf", "docx")
        or (which == "confirmation" and not hasattr(a, "confirmation"))
    ):
        return render(request, "web/not_found.html", status=404)
    if which == "confirmation":
        data = documents.confirmation_docx(a) if fmt == "docx" else documents.confirmation_pdf(a)
        name = f"司法确认申请书-{case.reference}"
    else:
        data = documents.agreement_docx(a) if fmt == "docx" else documents.agreement_pdf(a)
        name = f"调解协议书-{case.reference}"
    mime = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if fmt == "docx"
        else "application/pdf"
    )
    response = HttpResponse(data, content_type=mime)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


@require_POST
def confirmation_file(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        services.confirmation_file(
            agreement=_agreement(m),
            actor=user,
            court=request.POST.get("court", ""),
            filed_on=_date(request.POST.get("filed_on", ""), "filed_on"),
        )
        return _("已提交司法确认申请，并在诉讼程序中跟踪。")

    return _act(request, case_id, act)


@require_POST
def ruling(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        app = ConfirmationApplication.objects.filter(agreement__mediation=_need_open(m)).first()
        if app is None:
            raise NotFound("尚未申请司法确认。", "No application filed.")
        services.confirmation_ruling(
            application=app,
            actor=user,
            ruling_on=_date(request.POST.get("ruling_on", ""), "ruling_on"),
            confirmed=request.POST.get("confirmed") == "yes",
            case_number=request.POST.get("case_number", "").strip(),
        )
        return _("已记录法院裁定。")

    return _act(request, case_id, act)


@require_POST
def fail(request: HttpRequest, case_id: int) -> HttpResponse:
    def act(user: User, case: Case, m: Mediation | None) -> str:
        services.mediation_fail(
            mediation=_need_open(m), actor=user, reason=request.POST.get("reason", "")
        )
        return _("调解不成，案件已转诉讼程序。")

    return _act(request, case_id, act)


@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.organisation is not None
    mediators = Mediator.objects.filter(organisation=user.organisation).prefetch_related(
        "conflicts"
    )
    return render(
        request,
        "mediation/roster.html",
        {
            "mediators": mediators,
            "divisions_as_of": DIVISIONS_AS_OF,
            "divisions_verified": DIVISIONS_VERIFIED,
            "divisions_source": DIVISIONS_SOURCE,
            "profiles": DebtorProfile.objects.none(),
            "collectors": selectors.collector_profiles(user.organisation),
        },
    )


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.organisation is not None
    return render(
        request,
        "mediation/figures.html",
        {"f": selectors.mediation_figures(user.organisation), "org": user.organisation},
    )
