"""Staff money pages: record / reverse a payment (from the case page), the creditor
statement (page, CSV, XLSX), remittance batches, reconciliation and bank-statement import.
Each view checks access and calls one service or selector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingqian.accounts.http import staff_user as _user
from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm, Role
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, PermissionDenied
from qingqian.common.money import display_amount, money_text
from qingqian.common.tz import BUSINESS_TZ
from qingqian.parties.models import Party
from qingqian.payments.bankimport import bank_statement_import
from qingqian.payments.models import BankStatementLine, Payment, RemittanceBatch
from qingqian.payments.reconciliation import CHECK_LABELS, SCOPE_LABELS
from qingqian.payments.remittance import reconciliation_report, remittance_run
from qingqian.payments.services import (
    charge_add,
    interest_accrue,
    payment_record,
    payment_reverse,
)
from qingqian.payments.statements import creditor_statement, statement_csv, statement_xlsx

_SHANGHAI = BUSINESS_TZ


def _org(user: User) -> Organisation:
    if user.organisation is None:
        raise PermissionDenied("没有所属机构。", "You belong to no organisation.")
    return user.organisation


def _need(user: User, perm: Perm) -> None:
    if not user.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。", "You do not have permission to do this.",
            details={"permission": perm.value},
        )  # fmt: skip


def _forbidden(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "payments/error.html", {"error": exc}, status=exc.status)


@login_required
@require_POST
def record(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    try:
        case = case_get_for_user(user, case_id)
        received_at = None
        raw_day = request.POST.get("received_on", "")
        if raw_day:
            day = dt.date.fromisoformat(raw_day)
            received_at = dt.datetime.combine(day, dt.time(12), tzinfo=_SHANGHAI)
        payment, created = payment_record(
            case=case,
            amount=request.POST.get("amount", ""),  # type: ignore[arg-type]  # parsed inside
            kind=request.POST.get("kind", ""),
            idempotency_key=request.POST.get("idempotency_key", ""),
            actor=user,
            received_at=received_at,
            reference=request.POST.get("reference", ""),
            note=request.POST.get("note", ""),
        )
    except ValueError:
        messages.error(request, _("收款日期无效。"))
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
    else:
        if created:
            amount = display_amount(payment.amount)
            messages.success(request, _("已登记回款 %(amount)s 元。") % {"amount": amount})
        else:
            messages.info(request, _("这笔回款已经登记过，未重复记账。"))
    return redirect("web:case_detail", case_id=case_id)


@login_required
@require_POST
def charge(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a cost (court fee, preservation fee …) or accrue interest on the case page."""
    user = _user(request)
    post = request.POST
    try:
        case = case_get_for_user(user, case_id)
        invoice = None
        if post.get("invoice"):
            invoice = case.invoices.filter(pk=int(post["invoice"])).first()
            if invoice is None:
                raise ValueError(post["invoice"])
        kind = post.get("kind", "")
        if kind in ("contract_interest", "late_interest"):
            made = interest_accrue(
                case=case,
                kind=kind,
                start=dt.date.fromisoformat(post.get("start", "")),
                end=dt.date.fromisoformat(post.get("end", "")),
                actor=user,
                invoice=invoice,
                agreed_rate=post.get("rate") or None,
                note=post.get("note", ""),
            )
        else:
            made = charge_add(
                case=case,
                kind=kind,
                amount=post.get("amount", ""),
                actor=user,
                invoice=invoice,
                note=post.get("note", ""),
            )
    except ValueError:
        messages.error(request, _("日期或发票无效。"))
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
    else:
        messages.success(
            request,
            _("已记入%(kind)s %(amount)s 元。")
            % {"kind": made.get_kind_display(), "amount": made.amount},
        )
    return redirect("web:case_detail", case_id=case_id)


@login_required
@require_POST
def reverse(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = _user(request)
    # Only a payment on a case the user can see exists for them: anything else is the same
    # 404, so the redirect never tells which case a payment belongs to (finding 15).
    payment = (
        Payment.objects.filter(pk=payment_id, case__in=cases_visible_to(user))
        .select_related("case")
        .first()
    )
    if payment is None:
        return render(request, "web/not_found.html", status=404)
    try:
        payment_reverse(payment=payment, actor=user, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message_for(get_language()))
    else:
        messages.success(request, _("已冲正。"))
    return redirect("web:case_detail", case_id=payment.case_id)


def _day(raw: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    org = _org(user)
    creditors = Party.objects.filter(organisation=org, cases_as_creditor__isnull=False).distinct()
    if user.role == Role.CREDITOR:
        creditors = creditors.filter(pk=user.creditor_id or 0)
    elif not user.has_perm_code(Perm.CASE_VIEW_ALL):
        return _forbidden(request, PermissionDenied("无权查看。", "Not allowed."))
    raw = request.GET.get("creditor", "")
    creditor = creditors.filter(pk=int(raw)).first() if raw.isdigit() else creditors.first()
    today = clock.today()
    start = _day(request.GET.get("from", ""), today.replace(day=1))
    end = _day(request.GET.get("to", ""), today)
    st = (
        creditor_statement(organisation=org, creditor=creditor, start=start, end=end)
        if creditor is not None
        else None
    )
    fmt = request.GET.get("format", "")
    if st is not None and fmt in ("csv", "xlsx"):
        name = f"statement-{creditor.pk if creditor else 0}-{start}-{end}.{fmt}"
        if fmt == "csv":
            response = HttpResponse(statement_csv(st), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                statement_xlsx(st),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "payments/statement.html",
        {"creditors": creditors, "creditor": creditor, "statement": st, "start": start,
         "end": end},
    )  # fmt: skip


@login_required
def remittances(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.MONEY_MANAGE):
        return _forbidden(request, PermissionDenied("无权查看。", "Not allowed."))
    if request.method == "POST":
        try:
            made = remittance_run(
                organisation=_org(user),
                period=request.POST.get("period", ""),
                basis=request.POST.get("basis", "net"),
                actor=user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message_for(get_language()))
        else:
            messages.success(request, _("已生成 %(n)d 个汇付批次。") % {"n": len(made)})
        return redirect("payments:remittances")
    today = clock.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    batches = RemittanceBatch.objects.filter(organisation=_org(user)).select_related("creditor")[
        :200
    ]
    return render(
        request,
        "payments/remittances.html",
        {"batches": batches, "default_period": f"{last.year:04d}-{last.month:02d}"},
    )


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm_code(Perm.MONEY_MANAGE):
        return _forbidden(request, PermissionDenied("无权查看。", "Not allowed."))
    if request.method == "POST":
        upload = request.FILES.get("statement")
        if upload is None:
            messages.error(request, _("请选择银行流水文件。"))
        else:
            try:
                result = bank_statement_import(
                    organisation=_org(user),
                    filename=upload.name or "statement.csv",
                    content=upload.read(),
                    actor=user,
                )
            except ApplicationError as exc:
                messages.error(request, exc.message_for(get_language()))
            else:
                messages.success(
                    request,
                    _("匹配 %(m)d 笔，重复 %(d)d 笔，未匹配 %(u)d 笔。")
                    % {"m": result.matched, "d": result.duplicates, "u": result.unmatched},
                )
        return redirect("payments:reconciliation")
    bank = None
    raw = request.GET.get("bank_balance", "").replace(",", "")
    if raw:
        try:
            bank = Decimal(raw)
        except InvalidOperation:
            messages.error(request, _("银行余额不是数字。"))
    report = reconciliation_report(organisation=_org(user), bank_statement=bank)
    unmatched = BankStatementLine.objects.filter(organisation=_org(user), status="unmatched")[:200]
    names = dict(
        Party.objects.filter(
            organisation=_org(user),
            pk__in=[int(x.creditor) for x in report.trust.lines if x.creditor.isdigit()],
        ).values_list("pk", "name")
    )
    lines = [(names.get(int(x.creditor), x.creditor), x) for x in report.trust.lines]
    return render(
        request,
        "payments/reconciliation.html",
        {
            "report": report,
            "lines": lines,
            "differences": _difference_rows(report.differences, names),
            "unmatched": unmatched,
            "bank_balance": raw,
        },
    )


def _difference_rows(
    differences: list[dict[str, str]], names: dict[int, str]
) -> list[dict[str, str]]:
    """The report's differences as people read them: what was checked in words, the
    creditor's name rather than its id, amounts with separators (``—`` where the check has
    no amount, such as an unbalanced entry)."""

    def amount(text: str) -> str:
        return "—" if text == "NaN" else money_text(text, symbol=False)

    rows = []
    for d in differences:
        key = d["key"]
        if d["scope"] in ("creditor", "payments", "commission") and key.isdigit():
            key = names.get(int(key), key)
        elif d["scope"] == "bank":
            key = _("客户资金专户")
        rows.append(
            {
                "scope": str(SCOPE_LABELS.get(d["scope"], d["scope"])),
                "key": key,
                "check": str(CHECK_LABELS.get(d["check"], d["check"])),
                "expected": amount(d["expected"]),
                "actual": amount(d["actual"]),
            }
        )
    return rows
