"""The signed-in person's own account: two-factor authentication, password change and reset.

Two-factor (``accounts.twofactor``): the enrolment page shows the authenticator secret as a
QR code drawn on the server (inline SVG, nothing for the CSP to refuse) and as text; a code
from the app confirms it and shows ten backup codes once. The verification page takes a code
from the app or a backup code. Five wrong codes in a row in one session sign the session out
(the password again, which django-axes counts); django-otp's throttle makes every further wrong
code wait twice as long, whichever session it comes from.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from qingqian.accounts import twofactor
from qingqian.common.exceptions import ApplicationError

SESSION_WRONG = "qingqian_2fa_wrong"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_svg(device: Any) -> str:
    """The ``otpauth://`` URI as an inline SVG QR code (presentation attributes only)."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", title="QR"))


def _secret_text(device: Any) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "account/security.html",
        {
            "enrolled": twofactor.is_enrolled(user),
            "required": twofactor.required_for(user),
            "backup_left": twofactor.backup_codes_left(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def twofactor_enrol(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if twofactor.is_enrolled(user) and not user.is_verified():
        # Replacing an authenticator needs the current one: a password alone may not.
        return redirect("account:twofactor_verify")
    error = None
    status = 200
    if request.method == "POST":
        try:
            device, codes = twofactor.enrolment_confirm(user, request.POST.get("code", ""))
        except ApplicationError as exc:
            error, status = exc.message_for(request.LANGUAGE_CODE), exc.status
        else:
            otp_login(request, device)
            request.session.pop(SESSION_WRONG, None)
            return render(
                request,
                "account/backup_codes.html",
                {"codes": codes, "next": _next(request), "new_enrolment": True},
            )
    device = twofactor.pending_enrolment(user)
    if device is None or (request.GET.get("restart") == "1" and request.method == "GET"):
        device = twofactor.enrolment_start(user)
    return render(
        request,
        "account/twofactor_enrol.html",
        {
            "qr": _qr_svg(device),
            "secret": _secret_text(device),
            "error": error,
            "next": _next(request),
            "required": twofactor.required_for(user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def twofactor_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not twofactor.is_enrolled(user):
        return redirect("account:twofactor_enrol")
    if user.is_verified():
        return redirect(_next(request))
    error = None
    status = 200
    if request.method == "POST":
        try:
            device = twofactor.verify(user, request.POST.get("code", ""))
        except ApplicationError as exc:
            error, status = exc.message_for(request.LANGUAGE_CODE), exc.status
            if exc.code == "twofactor_wrong":
                wrong = int(request.session.get(SESSION_WRONG, 0)) + 1
                request.session[SESSION_WRONG] = wrong
                if wrong >= settings.QINGQIAN_2FA_MAX_WRONG_PER_SESSION:
                    from qingqian.audit.services import audit_record

                    audit_record(
                        actor=user,
                        organisation=user.organisation,
                        action="twofactor.signed_out",
                        obj=user,
                        after={"wrong_codes": wrong},
                    )
                    logout(request)
                    messages.error(request, _("验证码错误次数过多，已退出登录，请重新输入密码。"))
                    return redirect("login")
        else:
            otp_login(request, device)
            request.session.pop(SESSION_WRONG, None)
            if device.name == twofactor.BACKUP_DEVICE_NAME:
                left = twofactor.backup_codes_left(user)
                messages.warning(request, _("已使用一个备用码，还剩 %(n)d 个。") % {"n": left})
            return redirect(_next(request))
    return render(
        request,
        "account/twofactor_verify.html",
        {"error": error, "next": _next(request)},
        status=status,
    )


@login_required
@require_POST
def twofactor_backup(request: HttpRequest) -> HttpResponse:
    try:
        codes = twofactor.backup_codes_regenerate(request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message_for(request.LANGUAGE_CODE))
        return redirect("account:security")
    return render(
        request,
        "account/backup_codes.html",
        {"codes": codes, "next": resolve_url(settings.LOGIN_REDIRECT_URL), "new_enrolment": False},
    )


@login_required
@require_POST
def twofactor_disable(request: HttpRequest) -> HttpResponse:
    try:
        twofactor.disable(request.user)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message_for(request.LANGUAGE_CODE))
        return redirect("account:security")
    messages.success(request, _("已关闭两步验证。"))
    return redirect("account:security")


# --------------------------------------------------------------------------- passwords
# h15b: password change and reset outside /admin/. Reset links go out by e-mail through the
# same Django mail backend as the contact channel's e-mail adapter (SMTP in production, the
# console in the demo). The page answers the same whether or not the address is known (no
# user enumeration); a link works once and expires after PASSWORD_RESET_TIMEOUT; at most
# QINGQIAN_PASSWORD_RESET_PER_HOUR links go to one account in an hour. Every step is audited.


def _audit_user(user: Any, action: str, **after: Any) -> None:
    from qingqian.audit.services import audit_record

    audit_record(
        actor=None if action.endswith("request") else user,
        organisation=user.organisation,
        action=action,
        obj=user,
        after=after or None,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "account/password_change.html"
    success_url = reverse_lazy("account:security")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _audit_user(form.user, "account.password_change")
        messages.success(self.request, _("密码已修改。"))
        return response


class _ThrottledResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Any:
        import datetime as dt

        from qingqian.audit.models import AuditEvent
        from qingqian.common import clock

        since = clock.now() - dt.timedelta(hours=1)
        limit = settings.QINGQIAN_PASSWORD_RESET_PER_HOUR
        for user in super().get_users(email):
            recent = AuditEvent.objects.filter(
                action="account.password_reset_request",
                object_type="accounts.user",
                object_id=str(user.pk),
                at__gt=since,
            ).count()
            if recent >= limit:
                _audit_user(user, "account.password_reset_throttled", limit_per_hour=limit)
                continue
            _audit_user(user, "account.password_reset_request")
            yield user


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "account/password_reset_form.html"
    email_template_name = "account/password_reset_email.txt"
    subject_template_name = "account/password_reset_subject.txt"
    form_class = _ThrottledResetForm
    success_url = reverse_lazy("account:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["timeout_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
        return context


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        _audit_user(form.user, "account.password_reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"
