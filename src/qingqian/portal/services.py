"""Portal services: link, identity, and each debtor action (audited, in transactions).

The debtor has no staff login: actions on the case are taken under the organisation's
system actor (``contact_system_actor``) and audited as ``portal.*`` with the link id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.otp import otp_issue, otp_verify
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.cases.services import require, timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ApplicationError, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.common.system import acting_as_system
from qingqian.contact.channels.base import (
    OPT_OUT_LINES,
    Message,
    deliver,
    send_transactional,
)
from qingqian.contact.desk import desk_recipient, no_recipient
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_place,
    contact_system_actor,
)
from qingqian.negotiation import services as neg
from qingqian.negotiation.models import PlanVersion, Promise, SettlementOffer
from qingqian.negotiation.selectors import case_balance, transfer_instructions
from qingqian.parties.models import Party
from qingqian.payments.models import Payment
from qingqian.payments.selectors import case_debt_total
from qingqian.payments.services import payment_record, payment_reference_for
from qingqian.portal.models import PortalLink
from qingqian.portal.provider import provider
from qingqian.vouchers.models import Voucher
from qingqian.vouchers.services import (
    voucher_ack_code_send,
    voucher_acknowledge,
    with_states,
)

LINK_TTL = dt.timedelta(days=7)
MAX_IDENTITY_FAILURES = 5
OTP_PURPOSE = "portal_login"
OPT_OUT_CHANNELS = ("voice", "robot", "sms", "email", "letter")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _phone(party: Party) -> str:
    if not party.phone_enc:
        raise ValidationFailed(
            "该债务人没有登记手机号，无法发送。",
            "The debtor has no phone number on file; nothing can be sent.",
            code="no_phone",
        )
    return crypto.decrypt(party.phone_enc)


def _send_code(party: Party, text: str) -> None:
    """A code the debtor asked for: a transactional SMS (audited, masked recipient)."""
    send_transactional("sms", _phone(party), "", text)


def _audit(link: PortalLink, action: str, *, by: User | None = None, **after: Any) -> None:
    """``by``: the staff member who acted (a link send); None for the debtor's own steps."""
    audit_record(
        actor=by,
        organisation=link.case.organisation,
        action=f"portal.{action}",
        obj=link,
        after={"case": link.case_id, "party": link.party_id, **after},
    )


def _system(case: Case) -> User:
    return contact_system_actor(organisation=case.organisation)


# --------------------------------------------------------------------------- link


@in_record_language
def portal_link_send(
    *, case: Case, party: Party, actor: User, base_url: str, channel: str = "sms"
) -> tuple[PortalLink, str]:
    """Issue a one-time link and send it, only after the contact gate allowed the attempt.

    Contacting a debtor is the handling staff's work, never a creditor user's: it takes the
    permission to act on the case (security finding 9)."""
    require(actor, Perm.CASE_TRANSITION)
    if not case.case_parties.filter(party=party, role="debtor").exists():
        raise ValidationFailed("只能发给本案债务人。", "Only the case's debtor.", code="not_debtor")
    to = _phone(party) if channel == "sms" else desk_recipient(party, channel)
    if not to:
        raise no_recipient(channel)
    attempt = contact_attempt_authorize(
        case=case,
        party=party,
        channel=channel,
        actor=actor,  # the collector who clicked, not the system (issue 19)
        number=to,
        purpose="collection",
    )
    if not attempt.allowed:
        raise PermissionDenied(
            "联系规则不允许现在发送链接。",
            "The contact rules do not allow sending the link now.",
            code="contact_not_allowed",
            details={"reasons": attempt.reasons},
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = PortalLink.objects.create(
            case=case,
            party=party,
            token_hash=_hash(token),
            channel=channel,
            expires_at=clock.now() + LINK_TTL,
            created_by=actor,
        )
        timeline_add(
            case=case,
            actor=actor,
            kind="portal.link_sent",
            note=f"已向债务人发送自助页面链接（{_CHANNEL_NAMES.get(channel, channel)}），"
            f"{LINK_TTL.days} 天内有效",
        )
        _audit(link, "link_send", by=actor, channel=channel, attempt=attempt.pk)
        url = f"{base_url}/p/{token}/"
        body = link_text(case, url)
        line = ""
        if channel in attempt.policy.policy().opt_out_channels:
            line = OPT_OUT_LINES.get(channel, "")
            body = f"{body}\n{line}" if line else body
        deliver(
            attempt,
            Message(
                to=to,
                body=body,
                subject="账款信息 / Your account",
                template="portal_link",
                params={"url": url},
                opt_out_line=line,
            ),
        )
    return link, token


_CHANNEL_NAMES = {"sms": "短信", "email": "电子邮件", "letter": "信函"}


def sender_name(case: Case) -> str:
    """Who is writing: the firm, then on whose behalf."""
    return f"{case.organisation.name}（受{case.creditor.name}委托）"


def link_text(case: Case, url: str) -> str:
    """The link message: who writes, about which case, and the link (7 days, one person)."""
    return (
        f"【{case.organisation.name}】您好，我们受{case.creditor.name}委托，"
        f"就案件 {case.reference} 的账款与您联系。请通过以下链接核验身份后查看明细、"
        f"申请还款计划或付款（{LINK_TTL.days} 天内有效）：{url}"
    )


def portal_open(*, token: str, session_key: str) -> PortalLink:
    return portal_open_session(token=token, session_key=session_key)[0]


def portal_open_session(*, token: str, session_key: str) -> tuple[PortalLink, bool]:
    """The link, bound to the browser session that opened it last, and whether it just moved
    from another session.

    Opened in another browser (a WeChat user who later uses the phone's browser), the link
    moves to that session and the debtor proves identity again (the last four characters,
    then a new code): the earlier session stops working. Audited as ``portal.rebind``."""
    link = (
        PortalLink.objects.select_related("case", "party").filter(token_hash=_hash(token)).first()
    )
    now = clock.now()
    rebound = False
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise PermissionDenied(
            "链接无效或已过期，请联系经办人重新发送。",
            "This link is invalid or has expired; ask for a new one.",
            code="portal_link_invalid",
        )
    with transaction.atomic():
        locked = PortalLink.objects.select_for_update().get(pk=link.pk)
        if locked.session_hash and locked.session_hash != _hash(session_key):
            if locked.identity_failures >= MAX_IDENTITY_FAILURES:
                raise PermissionDenied(
                    "核验失败次数过多，链接已锁定，请联系经办人。",
                    "Too many failed checks; the link is locked. Contact your case handler.",
                    code="portal_identity_locked",
                )
            locked.session_hash = _hash(session_key)
            locked.identity_ok_at = None
            locked.verified_at = None
            locked.save(update_fields=["session_hash", "identity_ok_at", "verified_at"])
            _audit(locked, "rebind")
            rebound = True
        elif not locked.session_hash:
            locked.session_hash = _hash(session_key)
            locked.opened_at = now
            locked.save(update_fields=["session_hash", "opened_at"])
            _audit(locked, "open")
    link.refresh_from_db()
    return link, rebound


def portal_session_link(*, link_id: int, session_key: str) -> PortalLink:
    link = PortalLink.objects.select_related("case__creditor", "party").filter(pk=link_id).first()
    if (
        link is None
        or link.revoked_at is not None
        or link.expires_at <= clock.now()
        or link.session_hash != _hash(session_key)
    ):
        raise PermissionDenied(
            "会话已失效，请重新打开链接。",
            "The session has ended; open your link again.",
            code="portal_session_invalid",
        )
    return link


def _identifier(party: Party) -> str:
    if party.credit_code:
        return party.credit_code
    return crypto.decrypt(party.id_number_enc) if party.id_number_enc else ""


def portal_identity_check(*, link: PortalLink, last4: str) -> None:
    """Compare the last 4 characters of the ID number / credit code, then text a code."""
    with transaction.atomic():
        locked = (
            PortalLink.objects.select_for_update().select_related("case", "party").get(pk=link.pk)
        )
        if locked.identity_failures >= MAX_IDENTITY_FAILURES:
            raise PermissionDenied(
                "核验失败次数过多，链接已锁定，请联系经办人。",
                "Too many failed checks; the link is locked. Contact your case handler.",
                code="portal_identity_locked",
            )
        expected = _identifier(locked.party)[-4:].upper()
        given = last4.strip().upper()
        ok = len(expected) == 4 and hmac.compare_digest(expected, given)
        _audit(
            locked,
            "identity_check",
            ok=ok,
            field="credit_code" if locked.party.credit_code else "id_number",
        )
        if not ok:
            locked.identity_failures += 1
            locked.save(update_fields=["identity_failures"])
    if not ok:
        raise ValidationFailed(
            "号码后四位不符。",
            "The last four characters do not match.",
            code="portal_identity_mismatch",
            details={"remaining": MAX_IDENTITY_FAILURES - locked.identity_failures},
        )
    portal_code_send(link=locked)
    locked.identity_ok_at = clock.now()
    locked.save(update_fields=["identity_ok_at"])


def portal_code_send(*, link: PortalLink) -> None:
    """Text a login code to the debtor's number on file, saying who sends it. A provider
    failure is told in words (``portal_code_not_sent``) and nothing is marked as sent."""
    # One person, however many links: the hourly limit counts the codes of all their links.
    links = PortalLink.objects.filter(party_id=link.party_id).values_list("pk", flat=True)
    who = link.case.organisation.name
    try:
        otp_issue(
            purpose=OTP_PURPOSE,
            subject=f"portal:{link.pk}",
            deliver=lambda code: _send_code(
                link.party,
                f"【{who}】验证码 {code}，10 分钟内有效，用于查看案件 {link.case.reference}"
                "的账款信息。请勿告诉他人。",
            ),
            throttle_subjects=[f"portal:{pk}" for pk in links],
        )
    except ApplicationError as exc:
        if exc.code.startswith("otp_"):
            raise
        raise ValidationFailed(
            "验证码暂时无法发送，请稍后再试，或联系经办人。",
            "The code could not be sent just now; try again later or contact your handler.",
            code="portal_code_not_sent",
            status=503,
            details={"provider_code": exc.code},
        ) from exc


def portal_code_verify(*, link: PortalLink, code: str) -> PortalLink:
    if link.identity_ok_at is None:
        raise PermissionDenied(
            "请先核验身份。", "Check your identity first.", code="portal_identity"
        )
    otp_verify(purpose=OTP_PURPOSE, subject=f"portal:{link.pk}", code=code.strip())
    with transaction.atomic():
        link.verified_at = clock.now()
        link.save(update_fields=["verified_at"])
        _audit(link, "verified")
    return link


def require_verified(link: PortalLink) -> None:
    if link.verified_at is None:
        raise PermissionDenied(
            "请先完成身份验证。", "Verify your identity first.", code="portal_unverified"
        )


# --------------------------------------------------------------------------- pages


ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ClaimSummary:
    """The claim as a sum that adds up, line by line:

    ``invoiced - paid_before_intake + interest + costs - paid_since + adjustments = owed``.

    ``paid_before_intake`` is what the invoices had already been paid down by when the case
    was opened (their amounts less the principal taken on); ``paid_since`` is every payment
    allocated on the case since (principal, interest and costs); ``adjustments`` is whatever
    else moved the balance (a waiver, a correction) and is 0 on a consistent case; ``owed``
    is ``payments.selectors.case_debt_total``. ``surplus`` is money received beyond the debt
    (to be refunded), shown apart."""

    invoiced: Decimal
    paid_before_intake: Decimal
    interest: Decimal
    costs: Decimal
    paid_since: Decimal
    adjustments: Decimal
    owed: Decimal
    surplus: Decimal

    @property
    def principal_at_intake(self) -> Decimal:
        return self.invoiced - self.paid_before_intake


def claim_summary(case: Case) -> ClaimSummary:
    from django.db.models import Sum

    from qingqian.payments.models import Charge, PaymentAllocation

    def total(qs: Any, field: str = "amount") -> Decimal:
        return qs.aggregate(s=Sum(field))["s"] or ZERO

    invoices = case.invoices.all()
    invoiced = total(invoices) if invoices.exists() else case.principal
    allocations = PaymentAllocation.objects.filter(payment__case=case)
    by_component = {
        row["component"]: row["s"] or ZERO
        for row in allocations.values("component").annotate(s=Sum("amount"))
    }
    paid_principal = by_component.get("principal", ZERO)
    paid_before = max(ZERO, invoiced - case.outstanding - paid_principal)
    charges = Charge.objects.filter(case=case)
    interest = total(charges.filter(component="interest"))
    costs = total(charges.filter(component="costs"))
    paid_since = sum((v for k, v in by_component.items() if k != "surplus"), ZERO)
    owed = case_debt_total(case)
    adjustments = owed - (invoiced - paid_before + interest + costs - paid_since)
    return ClaimSummary(
        invoiced=invoiced,
        paid_before_intake=paid_before,
        interest=interest,
        costs=costs,
        paid_since=paid_since,
        adjustments=adjustments,
        owed=owed,
        surplus=by_component.get("surplus", ZERO),
    )


def portal_claim(*, link: PortalLink) -> dict[str, Any]:
    """Who claims what and why: invoices (with what was paid on each before intake), the sum
    that adds up to what is owed, payments since intake, what is due now, evidence."""
    require_verified(link)
    case = link.case
    invoices = list(case.invoices.order_by("due_date", "number"))
    balance = case_balance(case)
    payments = list(
        Payment.objects.filter(case=case).exclude(kind="reversal").order_by("-received_at")[:50]
    )
    with transaction.atomic():
        _audit(link, "view_claim")
    return {
        "case": case,
        "creditor": case.creditor.name,
        "firm": case.organisation.name,
        "invoices": invoices,
        "claim": claim_summary(case),
        "interest_rate": case.interest_rate,
        "due_now": balance.due_now,
        "next_installment": balance.next_installment,
        "next_due": balance.next_due,
        "basis": balance.basis,
        "payments": payments,
        "evidence": list(case.evidence.order_by("collected_at")),
    }


def portal_dispute(*, link: PortalLink, reason: str) -> None:
    require_verified(link)
    if not reason.strip():
        raise ValidationFailed("请写明异议理由。", "Please give the reason.", code="dispute_reason")
    with transaction.atomic():
        hold = contact_hold_place(
            case=link.case,
            party=link.party,
            kind="dispute",
            actor=_system(link.case),
            reason=f"债务人在自助页面提出异议：{reason.strip()[:500]}",
        )
        _audit(link, "dispute", hold=hold.pk)


def portal_opt_out(*, link: PortalLink, channel: str) -> None:
    require_verified(link)
    if channel not in OPT_OUT_CHANNELS:
        raise ValidationFailed("未知的联系方式。", "Unknown contact channel.", code="channel")
    with transaction.atomic():
        hold = contact_hold_place(
            case=link.case,
            party=link.party,
            kind="refused_medium",
            channel=channel,
            actor=_system(link.case),
            reason="债务人在自助页面拒绝此联系方式",
        )
        _audit(link, "opt_out", channel=channel, hold=hold.pk)


def portal_promise(*, link: PortalLink, amount: Decimal, due_date: dt.date) -> Promise:
    require_verified(link)
    with transaction.atomic():
        promise = neg.promise_record(
            case=link.case, amount=amount, due_date=due_date, source="portal", actor=None
        )
        _audit(link, "promise", promise=promise.pk)
    return promise


def portal_plan_propose(*, link: PortalLink, months: int, start: str) -> PlanVersion:
    require_verified(link)
    schedule = neg.plan_schedule(
        kind="equal", total=case_debt_total(link.case), months=months, start=start
    )
    with transaction.atomic():
        version = neg.plan_propose(
            case=link.case,
            actor=None,
            schedule=schedule,
            grace_days=7,
            consequence="reminder",
            by_debtor=True,
        )
        _audit(link, "plan_propose", version=version.pk)
    return version


def _version(link: PortalLink, version_id: int) -> PlanVersion:
    v = PlanVersion.objects.filter(pk=version_id, plan__case=link.case).first()
    if v is None:
        raise ValidationFailed("计划不存在。", "No such plan.", code="plan_not_found", status=404)
    return v


def portal_plan_code(*, link: PortalLink, version_id: int) -> None:
    require_verified(link)
    v = _version(link, version_id)
    neg.plan_debtor_code_send(
        version=v,
        party=link.party,
        deliver=lambda code: _send_code(
            link.party, f"确认还款计划（{v.sha256[:8]}）的验证码 {code}。"
        ),
    )
    with transaction.atomic():
        _audit(link, "plan_code", version=v.pk)


def portal_plan_accept(*, link: PortalLink, version_id: int, code: str) -> PlanVersion:
    require_verified(link)
    v = neg.plan_accept_debtor(version=_version(link, version_id), party=link.party, code=code)
    with transaction.atomic():
        _audit(link, "plan_accept", version=v.pk, sha256=v.sha256)
    return v


def portal_pay_page(*, link: PortalLink) -> dict[str, Any]:
    """Transfer instructions and the amount to suggest, with what it is (``suggested_for``).
    Under an active plan: ``due``, what is left of the installments due by today, or when
    none is due yet ``next``, what is left of the next one (``next_due`` its day), as the
    claim page says. Otherwise ``balance``, the whole balance. One ``case_balance``, so the
    plan is assessed once."""
    require_verified(link)
    owed = case_balance(link.case)
    balance = owed.total
    suggested, suggested_for = balance, "balance"
    if owed.plan_due:  # set only under an active plan, like ``next_installment``
        suggested, suggested_for = min(owed.plan_due, balance), "due"
    elif owed.next_installment:
        suggested, suggested_for = min(owed.next_installment, balance), "next"
    return {
        "transfer": transfer_instructions(
            link.case, payment_reference_for(link.case).code, balance=owed
        ),
        "suggested": suggested,
        "suggested_for": suggested_for,
        "next_due": owed.next_due,
        "balance": balance,
    }


@dataclass(frozen=True, slots=True)
class PayStarted:
    """The outcome of the pay action: a redirect to the provider's page (``redirect_url``),
    or a payment already recorded (the in-process fake)."""

    out_trade_no: str
    amount_fen: int
    redirect_url: str = ""
    payment: Payment | None = None


def amount_to_fen(amount: Decimal) -> int:
    """A positive amount in yuan with at most two decimals, as integer fen (exact)."""
    fen = amount * 100
    if not amount.is_finite() or fen != fen.to_integral_value():
        raise ValidationFailed(
            "金额最多两位小数。",
            "The amount may have at most two decimals.",
            code="pay_amount",
            details={"amount": str(amount)},
        )
    return int(fen)


def portal_pay(
    *, link: PortalLink, amount: Decimal, client_ip: str = "", return_url: str = ""
) -> PayStarted:
    """Start an online payment of ``amount`` (above 0, at most the balance) through the
    configured provider: a WeChat Pay H5 order (the browser is sent to its page; the money
    is recorded when the provider's signed notice arrives), or the in-process fake, which
    confirms at once and is recorded under its transaction id. Audited either way, refusals
    by the provider included."""
    require_verified(link)
    adapter = provider()
    try:
        if adapter is None:
            raise ValidationFailed(
                "暂不支持在线支付，请使用银行转账。",
                "Online payment is not available; please pay by bank transfer.",
                code="provider_unavailable",
            )
        amount_fen = amount_to_fen(amount)
        balance = case_debt_total(link.case)
        if amount_fen <= 0 or amount_fen > amount_to_fen(balance):
            raise ValidationFailed(
                "支付金额须大于 0 且不超过未还余额。",
                "The amount must be above 0 and at most the balance.",
                code="pay_amount",
                details={"amount": str(amount), "balance": str(balance)},
            )
    except ValidationFailed as exc:
        with transaction.atomic():
            _audit(link, "pay_refused", code=exc.code, amount=str(amount))
        raise
    reference = payment_reference_for(link.case).code
    try:
        order = adapter.create_order(
            amount_fen=amount_fen,
            reference=reference,
            description=f"清欠 {link.case.reference} 还款"[:127],
            client_ip=client_ip or "127.0.0.1",
            return_url=return_url,
        )
    except ApplicationError as exc:
        with transaction.atomic():
            _audit(
                link, "pay_order_failed", provider=adapter.name, amount_fen=amount_fen,
                code=exc.code, details=exc.details,
            )  # fmt: skip
        raise
    with transaction.atomic():
        _audit(
            link, "pay_order", provider=adapter.name, out_trade_no=order.out_trade_no,
            amount_fen=order.amount_fen,
        )  # fmt: skip
    if order.confirmation is None:
        return PayStarted(order.out_trade_no, order.amount_fen, redirect_url=order.redirect_url)
    confirmation = order.confirmation
    with acting_as_system("portal"):  # the debtor paid through their link
        payment, _created = payment_record(
            case=link.case,
            amount=confirmation.amount,
            kind="provider",
            idempotency_key=f"{adapter.name}:{confirmation.transaction_id}",
            actor=None,
            reference=order.out_trade_no,
            note="债务人自助页面在线支付",
        )
    with transaction.atomic():
        _audit(link, "pay", payment=payment.pk, amount=str(payment.amount))
    return PayStarted(order.out_trade_no, order.amount_fen, payment=payment)


def portal_pay_status(*, link: PortalLink, out_trade_no: str) -> Payment | None:
    """The payment recorded for one of this case's orders, if its notice has arrived."""
    require_verified(link)
    with transaction.atomic():
        _audit(link, "pay_return", out_trade_no=out_trade_no[:64])
    return (
        Payment.objects.filter(case=link.case, reference=out_trade_no[:64])
        .exclude(kind="reversal")
        .first()
    )


def portal_offers(*, link: PortalLink) -> list[SettlementOffer]:
    require_verified(link)
    return list(
        SettlementOffer.objects.filter(
            case=link.case, state__in=["open", "accepted"], expires_on__gte=clock.today()
        )
    )


def portal_offer_accept(*, link: PortalLink, offer_id: int) -> SettlementOffer:
    require_verified(link)
    offer = SettlementOffer.objects.filter(pk=offer_id, case=link.case).first()
    if offer is None:
        raise ValidationFailed("要约不存在。", "No such offer.", code="offer_not_found", status=404)
    offer = neg.settlement_offer_accept(offer=offer, party=link.party)
    with transaction.atomic():
        _audit(link, "offer_accept", offer=offer.pk)
    return offer


# --------------------------------------------------------------------------- h23v: vouchers


def _voucher(link: PortalLink, voucher_id: int) -> Voucher:
    found = Voucher.objects.filter(pk=voucher_id, case=link.case).first()
    if found is None:
        raise ValidationFailed(
            "凭证不存在。", "No such voucher.", code="voucher_not_found", status=404
        )
    return found


def portal_vouchers(*, link: PortalLink) -> list[tuple[Voucher, Any]]:
    """The case's debt vouchers with their state, for the debtor to read and acknowledge."""
    require_verified(link)
    rows = with_states(Voucher.objects.filter(case=link.case).order_by("pk"))
    with transaction.atomic():
        _audit(link, "voucher_view", vouchers=[v.pk for v, _ in rows])
    return rows


def portal_voucher_code(*, link: PortalLink, voucher_id: int) -> None:
    require_verified(link)
    v = _voucher(link, voucher_id)
    voucher_ack_code_send(
        voucher=v,
        party=link.party,
        deliver=lambda code: _send_code(
            link.party, f"确认债权凭证 {v.number}（{v.sha256[:8]}）的验证码 {code}。"
        ),
    )
    with transaction.atomic():
        _audit(link, "voucher_code", voucher=v.pk)


def portal_voucher_ack(*, link: PortalLink, voucher_id: int, typed_name: str, code: str) -> None:
    """The debtor acknowledges the voucher: typed name and the one-time code (audited and
    logged by ``voucher_acknowledge``)."""
    require_verified(link)
    voucher_acknowledge(
        voucher=_voucher(link, voucher_id), party=link.party, typed_name=typed_name, code=code
    )
