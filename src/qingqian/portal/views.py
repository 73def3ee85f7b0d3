"""Debtor portal pages (no staff login): each view checks the session's link, then calls one
service. Errors are shown in the page language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.common.money import parse_amount
from qingqian.negotiation.selectors import plan_versions_for_debtor
from qingqian.portal import services
from qingqian.portal.models import PortalLink
from qingqian.portal.provider import FakeProvider, provider

SESSION_KEY = "portal_link"


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return str(request.session.session_key)


def _link(request: HttpRequest) -> PortalLink | None:
    link_id = request.session.get(SESSION_KEY)
    if link_id is None:
        return None
    try:
        return services.portal_session_link(link_id=link_id, session_key=_session_key(request))
    except ApplicationError:
        return None


def _page(
    request: HttpRequest, template: str, link: PortalLink | None, status: int = 200, **ctx: Any
) -> HttpResponse:
    demo = bool(getattr(settings, "QINGQIAN_DEMO", False))
    return render(request, f"portal/{template}", {"link": link, "demo": demo, **ctx}, status=status)


def _error(exc: ApplicationError) -> str:
    return exc.message_for(get_language())


def verified(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        link = _link(request)
        if link is None:
            return _page(request, "expired.html", None, status=403)
        if link.verified_at is None:
            return redirect("portal:verify")
        return view(request, link, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link, rebound = services.portal_open_session(token=token, session_key=_session_key(request))
    except ApplicationError as exc:
        return render(request, "portal/expired.html", {"message": _error(exc)}, status=403)
    request.session[SESSION_KEY] = link.pk
    if rebound:
        request.session["portal_rebound"] = True
    return redirect("portal:verify")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    link = _link(request)
    if link is None:
        return render(request, "portal/expired.html", {}, status=403)
    error = ""
    if request.method == "POST":
        try:
            step = request.POST.get("step")
            if step == "code":
                services.portal_code_verify(link=link, code=request.POST.get("code", ""))
                request.session.pop("portal_rebound", None)
                return redirect("portal:home")
            if step == "resend" and link.identity_ok_at is not None:
                services.portal_code_send(link=link)
            else:
                services.portal_identity_check(link=link, last4=request.POST.get("last4", ""))
            link.refresh_from_db()
        except ApplicationError as exc:
            error = _error(exc)
            link.refresh_from_db()
    return _page(
        request,
        "verify.html",
        link,
        error=error,
        company=bool(link.party.credit_code),
        step="code" if link.identity_ok_at else "identity",
        rebound=request.session.get("portal_rebound", False),
    )


@verified
def home(request: HttpRequest, link: PortalLink) -> HttpResponse:
    return _page(request, "home.html", link, **services.portal_claim(link=link))


@verified
@require_http_methods(["GET", "POST"])
def dispute(request: HttpRequest, link: PortalLink) -> HttpResponse:
    error, done = "", False
    if request.method == "POST":
        try:
            services.portal_dispute(link=link, reason=request.POST.get("reason", ""))
            done = True
        except ApplicationError as exc:
            error = _error(exc)
    return _page(request, "dispute.html", link, error=error, done=done)


@verified
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, link: PortalLink) -> HttpResponse:
    error, notice, code_for = "", "", None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "code":
                code_for = int(request.POST["version"])
                services.portal_plan_code(link=link, version_id=code_for)
            elif action == "accept":
                services.portal_plan_accept(
                    link=link,
                    version_id=int(request.POST["version"]),
                    code=request.POST.get("code", "").strip(),
                )
                notice = "accepted"
            elif action == "propose":
                services.portal_plan_propose(
                    link=link,
                    months=_int(request.POST.get("months", "")),
                    start=request.POST.get("start", ""),
                )
                notice = "proposed"
            elif action == "offer":
                services.portal_offer_accept(link=link, offer_id=int(request.POST["offer"]))
                notice = "offer"
            elif action == "promise":
                services.portal_promise(
                    link=link,
                    amount=parse_amount(request.POST.get("amount", "")),
                    due_date=_date(request.POST.get("due", "")),
                )
                notice = "promised"
        except (ApplicationError, KeyError, ValueError) as exc:
            error = _error(exc) if isinstance(exc, ApplicationError) else str(exc)
            if isinstance(exc, ApplicationError) and request.POST.get("action") == "accept":
                code_for = int(request.POST.get("version", "0") or 0)
    return _page(
        request,
        "plan.html",
        link,
        versions=list(plan_versions_for_debtor(link.case)),
        offers=services.portal_offers(link=link),
        error=error,
        notice=notice,
        code_for=code_for,
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed("请输入整数。", "Enter a whole number.", code="not_int") from None


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("日期格式错误。", "Invalid date.", code="bad_date") from None


@verified
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, link: PortalLink) -> HttpResponse:
    error, done = "", ""
    if request.method == "POST":
        try:
            channel = request.POST.get("channel", "")
            services.portal_opt_out(link=link, channel=channel)
            done = channel
        except ApplicationError as exc:
            error = _error(exc)
    return _page(request, "contact.html", link, error=error, done=done)


def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request, "privacy.html", _link(request))


ORDER_KEY = "portal_last_order"


@verified
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, link: PortalLink) -> HttpResponse:
    """Bank-transfer instructions (always), and online payment when a provider is set up:
    the order is made for the amount in the form (the installment due, or what the debtor
    types, within the balance) and the browser goes to the provider's page; coming back
    (``?returned=1``) shows whether the provider's notice has arrived."""
    error, paid, pending = "", None, False
    if request.method == "POST":
        try:
            started = services.portal_pay(
                link=link,
                amount=parse_amount(request.POST.get("amount", "")),
                client_ip=request.META.get("REMOTE_ADDR", ""),
                return_url=request.build_absolute_uri(reverse("portal:pay")) + "?returned=1",
            )
        except ApplicationError as exc:
            error = _error(exc)
        else:
            if started.redirect_url:
                request.session[ORDER_KEY] = started.out_trade_no
                return redirect(started.redirect_url)
            paid = started.payment
            link.case.refresh_from_db()
    elif request.GET.get("returned") and request.session.get(ORDER_KEY):
        paid = services.portal_pay_status(link=link, out_trade_no=request.session[ORDER_KEY])
        pending = paid is None
        if paid is not None:
            del request.session[ORDER_KEY]
    adapter = provider()
    return _page(
        request,
        "pay.html",
        link,
        online=adapter is not None,
        online_demo=isinstance(adapter, FakeProvider),
        error=error,
        paid=paid,
        pending=pending,
        **services.portal_pay_page(link=link),
    )


@verified
@require_http_methods(["GET", "POST"])
def vouchers(request: HttpRequest, link: PortalLink) -> HttpResponse:
    """h23v: the debtor reads the case's debt vouchers and acknowledges one with a typed name
    and an SMS code."""
    error, notice, code_for = "", "", None
    if request.method == "POST":
        try:
            voucher_id = int(request.POST.get("voucher", "0") or 0)
            if request.POST.get("action") == "code":
                services.portal_voucher_code(link=link, voucher_id=voucher_id)
                code_for = voucher_id
            else:
                code_for = voucher_id
                services.portal_voucher_ack(
                    link=link,
                    voucher_id=voucher_id,
                    typed_name=request.POST.get("typed_name", ""),
                    code=request.POST.get("code", "").strip(),
                )
                notice, code_for = "acknowledged", None
        except ApplicationError as exc:
            error = _error(exc)
    return _page(
        request,
        "vouchers.html",
        link,
        rows=services.portal_vouchers(link=link),
        error=error,
        notice=notice,
        code_for=code_for,
    )
