"""Consortium netting rounds (issue 23, "Clearing across the consortium").

The **convener** opens a round naming participating members (``round_open``: a signed
``netting.invite`` to each). On each participant's instance a user of a creditor firm
consents (``round_consent``), then the firm's receivables against company debtors go to the
convener as a signed ``netting.submit`` (``round_submit``): opaque line ids, credit codes,
amounts in fen, due dates and a salt per line. The convener checks and stores them
(``_check_submit``), runs the solver over all of them (``round_run``), logs the input digest
and the result, and sends each participant a signed ``netting.result`` holding only that
participant's lines with inclusion proofs (``qingqian.consortium.clearing``). The participant
checks the proofs before it stores anything (``_check_result``), logs the digests, and a
user of the firm accepts or rejects (``round_decide``, a signed ``netting.decision``). When
every submitter accepted, the convener announces it (signed ``netting.final``,
``final_deliver``) and each participant applies the set-offs to its own invoices
(``_check_final``); one rejection cancels the round for all.

Every message in or out is recorded by ``services._record`` (row, log entry, audit row).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import CaseParty, Invoice, PartyRole
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.system import acting_as_system
from qingqian.consortium import clearing, selectors
from qingqian.consortium.models import (
    Member,
    Seat,
    SharedLine,
    SharedRound,
    SharedRoundState,
)
from qingqian.consortium.protocol import Message
from qingqian.consortium.transport import HttpTransport, Transport
from qingqian.ledger.services import ledger_append, statement_build
from qingqian.netting import solver as kernel
from qingqian.parties.models import Party, PartyKind
from qingqian.payments.models import PaymentKind
from qingqian.payments.services import payment_record

KINDS = ("netting.invite", "netting.submit", "netting.result", "netting.decision", "netting.final")
_CLOSED_CASES = ("closed", "rejected")


def _error(zh: str, en: str, code: str, status: int = 400) -> Exception:
    from qingqian.consortium.services import ConsortiumError

    return ConsortiumError(zh, en, code=code, status=status)


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _transport(transport: Transport | None) -> Transport:
    return transport or HttpTransport(settings.QINGQIAN_CONSORTIUM_TIMEOUT)


def _log(kind: str, fields: dict[str, Any]) -> int:
    entry = ledger_append(
        kind=f"consortium.{kind}",
        case_id=None,
        statement=statement_build(f"consortium.{kind}", fields),
    )
    return int(entry.pk)


def _audit(actor: User | None, round_: SharedRound, action: str, **after: Any) -> None:
    audit_record(
        actor=actor,
        organisation=round_.organisation if round_.organisation_id else None,
        action=f"consortium.{action}",
        obj=round_,
        after={"round_id": round_.round_id, "state": round_.state, **after},
    )


# --------------------------------------------------------------------------- access


def can_convene(user: User | None) -> bool:
    return user is None or user.has_perm_code(Perm.CONSORTIUM_NETTING)


def can_act_for(user: User | None, party: Party) -> bool:
    """A user of the firm: its own creditor user, or staff who run netting rounds."""
    if user is None:  # the command line
        return True
    if party.organisation_id != user.organisation_id:
        return False
    if user.is_creditor_user:
        return user.creditor_id == party.pk
    return user.has_perm_code(Perm.NETTING_MANAGE)


def _require(ok: bool) -> None:
    if not ok:
        raise PermissionDenied(
            "您不能代表该企业或本机构执行此操作。",
            "You may not do this for this firm or member.",
            code="consortium_netting_forbidden",
        )


def _require_state(round_: SharedRound, *states: str) -> None:
    if round_.state not in states:
        raise Conflict(
            f"同业清欠轮次当前状态为“{SharedRoundState(round_.state).label}”，不能执行此操作。",
            f"The consortium round is {round_.state}; this step is not allowed now.",
            code="round_state",
            details={"state": round_.state},
        )


def firms_for(user: User | None, organisation: Any) -> list[Party]:
    """Creditor firms (companies with a credit code) the user may consent for."""
    qs = Party.objects.filter(organisation=organisation, kind=PartyKind.COMPANY).exclude(
        credit_code=""
    )
    if user is not None and user.is_creditor_user:
        qs = qs.filter(pk=user.creditor_id or 0)
    creditors = Invoice.objects.filter(case__organisation=organisation).values("creditor_id")
    return list(qs.filter(pk__in=creditors).order_by("name"))


# --------------------------------------------------------------------------- convener


def round_open(
    *, title: str, members: list[str], actor: User | None, transport: Transport | None = None
) -> SharedRound:
    """Open a round among ``members`` (names on the adopted list, not this member) and
    send each a signed invitation; an undelivered one is shown on the round."""
    from qingqian.consortium import services

    _require(can_convene(actor))
    me = selectors.member_self()
    if me is None:
        raise _error(
            "本机构尚未加入同业共享联盟。",
            "This firm has not joined a consortium.",
            "not_joined",
            409,
        )
    title = title.strip()[:200]
    if not title:
        raise ValidationFailed("请填写轮次名称。", "Give the round a title.", code="title_missing")
    names = sorted(set(members))
    peers = list(selectors.members_active().filter(name__in=names, is_self=False))
    if len(peers) != len(names):
        raise ValidationFailed(
            "参加方须为名单中的其他成员。",
            "Participants must be other members on the adopted list.",
            code="member_unknown",
            details={"unknown": sorted(set(names) - {p.name for p in peers})},
        )
    if len(peers) < 2:
        raise ValidationFailed(
            "同业清欠至少需要两个参加成员。",
            "A consortium round needs at least two participating members.",
            code="too_few_participants",
        )
    with transaction.atomic():
        round_ = SharedRound.objects.create(
            round_id=os.urandom(16).hex(),
            convener=me,
            is_convener=True,
            title=title,
            participants=names,
            created_at=clock.now(),
            created_by=actor,
            organisation=actor.organisation if actor else None,
        )
        Seat.objects.bulk_create(Seat(round=round_, member=p) for p in peers)
        _log("netting_open", {"round_id": round_.round_id, "participants": names})
        _audit(actor, round_, "netting_open", participants=names)
    body = {"round_id": round_.round_id, "title": title, "participants": names}
    for seat in round_.seats.select_related("member"):
        try:
            services._exchange(
                transport=_transport(transport),
                peer=seat.member,
                kind="netting.invite",
                body=body,
                actor=actor,
            )
        except (services.ConsortiumError, OSError):
            continue
        seat.invited_at = clock.now()
        seat.save(update_fields=["invited_at"])
    return round_


def round_run(
    *, round_: SharedRound, actor: User | None, transport: Transport | None = None
) -> SharedRound:
    """Solve over every submitted line, log the input digest and the result, and send each
    participant its signed result (its own lines and their proofs only)."""
    from qingqian.consortium import services

    _require(can_convene(actor))
    with transaction.atomic():
        round_ = SharedRound.objects.select_for_update().get(pk=round_.pk)
        if not round_.is_convener:
            raise _error(
                "只有召集方可以运行本轮。", "Only the convener runs the round.", "not_convener", 403
            )
        _require_state(round_, SharedRoundState.OPEN)
        submitted = list(round_.seats.filter(submitted_at__isnull=False).select_related("member"))
        if len(submitted) < 2:
            raise Conflict(
                "至少两个成员提交后才能计算。",
                "At least two members must submit before the round can run.",
                code="too_few_submissions",
            )
        rows = list(round_.lines.select_related("member"))
        lines = [_line(r) for r in rows]
        by_leaf = {x.leaf(): x for x in lines}
        result = kernel.solve(
            [
                kernel.Obligation(
                    leaf.hex(),
                    x.debtor,
                    x.creditor,
                    _yuan(x.amount),
                    dt.date.fromisoformat(x.due) if x.due else None,
                )
                for leaf, x in by_leaf.items()
            ],
            kernel.NettingOptions(),
        )
        setoff = {bytes.fromhex(s.id): _fen(s.setoff) for s in result.setoffs}
        commitment = clearing.commit(round_.round_id, lines, setoff)
        placed = {(p.line.member, p.line.id): p for p in commitment.placed}
        for r in rows:
            p = placed[(r.member.name, r.line_id)]
            r.position, r.setoff, r.remaining = p.index, _yuan(p.setoff), _yuan(p.remaining)
            r.input_proof, r.result_proof = list(p.input_proof), list(p.result_proof)
        SharedLine.objects.bulk_update(
            rows, ["position", "setoff", "remaining", "input_proof", "result_proof"]
        )
        round_.state = SharedRoundState.SOLVED
        round_.input_root, round_.result_root = commitment.input_root, commitment.result_root
        round_.result_digest, round_.size = commitment.result_digest, commitment.size
        round_.cleared, round_.solved_at = result.cleared, clock.now()
        round_.save()
        _log(
            "netting_result",
            {
                "round_id": round_.round_id,
                "input_root": commitment.input_root,
                "result_root": commitment.result_root,
                "result_digest": commitment.result_digest,
                "size": commitment.size,
                "cleared": str(result.cleared),
                "members": sorted(s.member.name for s in submitted),
            },
        )
        _audit(actor, round_, "netting_run", cleared=str(result.cleared), size=commitment.size)
    for seat in submitted:
        try:
            services._exchange(
                transport=_transport(transport),
                peer=seat.member,
                kind="netting.result",
                body=commitment.for_member(seat.member.name),
                actor=actor,
            )
        except (services.ConsortiumError, OSError):
            continue
        seat.result_sent_at = clock.now()
        seat.save(update_fields=["result_sent_at"])
    return round_


def _line(row: SharedLine) -> clearing.Line:
    return clearing.Line(
        row.member.name,
        row.line_id,
        row.debtor_code,
        row.creditor_code,
        _fen(row.amount),
        row.due_date.isoformat() if row.due_date else None,
        row.salt,
    )


# --------------------------------------------------------------------------- participant


def _participant_round(round_: SharedRound) -> SharedRound:
    round_ = SharedRound.objects.select_for_update().get(pk=round_.pk)
    if round_.is_convener:
        raise _error(
            "召集方不作为参加方提交。",
            "The convener does not submit to its own round.",
            "convener_not_participant",
            409,
        )
    return round_


@transaction.atomic
def round_consent(*, round_: SharedRound, creditor: Party, actor: User | None) -> SharedRound:
    """A user of the creditor firm agrees that its receivables take part (Civil Code Art.
    569: set-off by agreement). Recorded before anything is submitted."""
    round_ = _participant_round(round_)
    _require(can_act_for(actor, creditor))
    _require_state(round_, SharedRoundState.OPEN)
    if creditor.kind != PartyKind.COMPANY or not creditor.credit_code:
        raise ValidationFailed(
            "只有有统一社会信用代码的企业可以参加。",
            "Only a company with a credit code can take part.",
            code="participant_not_company",
        )
    if round_.creditor_id not in (None, creditor.pk):
        raise Conflict(
            "本轮已由另一企业同意参加。",
            "Another firm already consented to this round.",
            code="already_consented",
        )
    round_.organisation_id = creditor.organisation_id
    round_.creditor = creditor
    round_.consented_by = actor
    round_.consented_at = clock.now()
    round_.save(update_fields=["organisation", "creditor", "consented_by", "consented_at"])
    _audit(actor, round_, "netting_consent", creditor=creditor.pk)
    return round_


def own_receivables(creditor: Party) -> list[Invoice]:
    """The firm's invoices with an outstanding balance on open cases whose single debtor is
    a company with a credit code (people and individual businesses never take part)."""
    cases = CaseParty.objects.filter(
        role=PartyRole.DEBTOR, case__organisation=creditor.organisation
    )
    single: dict[int, Party] = {}
    counts: dict[int, int] = {}
    for cp in cases.select_related("party"):
        counts[cp.case_id] = counts.get(cp.case_id, 0) + 1
        single[cp.case_id] = cp.party
    return [
        inv
        for inv in Invoice.objects.filter(creditor=creditor, outstanding__gt=0)
        .exclude(case__state__in=_CLOSED_CASES)
        .select_related("case")
        .order_by("due_date", "pk")
        if counts.get(inv.case_id) == 1
        and selectors.shareable(single[inv.case_id])
        and single[inv.case_id].credit_code != creditor.credit_code
    ]


def round_submit(
    *, round_: SharedRound, actor: User | None, transport: Transport | None = None
) -> SharedRound:
    """Send the consented firm's receivables to the convener (signed ``netting.submit``);
    stored here only once the convener accepted them."""
    from qingqian.consortium import services

    with transaction.atomic():
        round_ = _participant_round(round_)
        _require_state(round_, SharedRoundState.OPEN)
        if round_.creditor is None or round_.consented_at is None:
            raise Conflict(
                "请先由企业同意参加，再提交债务。",
                "The firm must consent before its obligations are submitted.",
                code="consent_first",
            )
        creditor = round_.creditor
        _require(can_act_for(actor, creditor))
        invoices = own_receivables(creditor)
    if not invoices:
        raise ValidationFailed(
            "该企业没有可提交的应收款。", "This firm has no receivables to submit.", code="no_lines"
        )
    me = selectors.member_self()
    assert me is not None
    lines = [
        clearing.Line(
            me.name,
            os.urandom(16).hex(),
            _debtor(inv).credit_code,
            creditor.credit_code,
            _fen(inv.outstanding),
            inv.due_date.isoformat() if inv.due_date else None,
            os.urandom(16).hex(),
        )
        for inv in invoices
    ]
    digest = clearing.lines_digest(lines)
    reply = services._exchange(
        transport=_transport(transport),
        peer=round_.convener,
        kind="netting.submit",
        body={
            "round_id": round_.round_id,
            "lines": [x.wire() for x in lines],
            "lines_digest": digest,
        },
        actor=actor,
    )
    if reply.body.get("lines_digest") != digest or reply.body.get("accepted") != len(lines):
        raise _error(
            "召集方的确认与提交的内容不符。",
            "The convener's receipt does not match.",
            "digest_mismatch",
            502,
        )
    with transaction.atomic():
        round_ = _participant_round(round_)
        SharedLine.objects.bulk_create(
            SharedLine(
                round=round_,
                member=me,
                line_id=x.id,
                debtor_code=x.debtor,
                creditor_code=x.creditor,
                amount=_yuan(x.amount),
                due_date=inv.due_date,
                salt=x.salt,
                leaf=x.leaf().hex(),
                invoice=inv,
            )
            for x, inv in zip(lines, invoices, strict=True)
        )
        round_.state = SharedRoundState.SUBMITTED
        round_.submitted_at = clock.now()
        round_.save(update_fields=["state", "submitted_at"])
        _audit(actor, round_, "netting_submit", lines=len(lines), lines_digest=digest)
    return round_


def _debtor(invoice: Invoice) -> Party:
    return CaseParty.objects.get(case=invoice.case, role=PartyRole.DEBTOR).party


def round_decide(
    *,
    round_: SharedRound,
    actor: User | None,
    accept: bool,
    reason: str = "",
    transport: Transport | None = None,
) -> SharedRound:
    """Accept or reject the verified result; the convener is told, signed. The set-offs
    apply only when the convener announces that every participant accepted
    (``netting.final``, ``_check_final``); one rejection cancels the round for all."""
    from qingqian.consortium import services

    with transaction.atomic():
        round_ = _participant_round(round_)
        _require_state(round_, SharedRoundState.SOLVED)
        assert round_.creditor is not None
        _require(can_act_for(actor, round_.creditor))
        now = clock.now()
        if accept:
            round_.state = SharedRoundState.ACCEPTED
        else:
            reason = reason.strip()
            if not reason:
                raise ValidationFailed(
                    "请说明拒绝的原因。", "Give a reason for rejecting.", code="reason_missing"
                )
            round_.state = SharedRoundState.REJECTED
            round_.reject_reason = reason[:500]
        round_.decided_by, round_.decided_at = actor, now
        round_.save()
        _log(
            "netting_decision",
            {
                "round_id": round_.round_id,
                "result_digest": round_.result_digest,
                "decision": round_.state,
            },
        )
        _audit(actor, round_, "netting_decide", decision=round_.state)
    try:
        services._exchange(
            transport=_transport(transport),
            peer=round_.convener,
            kind="netting.decision",
            body={
                "round_id": round_.round_id,
                "decision": round_.state,
                "result_digest": round_.result_digest,
            },
            actor=actor,
        )
    except (services.ConsortiumError, OSError):
        return round_
    round_.decision_delivered = True
    round_.save(update_fields=["decision_delivered"])
    return round_


def _outstanding_short(round_: SharedRound) -> str | None:
    """The number of an invoice whose outstanding is now below its set-off, if any."""
    for line in round_.lines.select_related("invoice").filter(setoff__gt=0):
        assert line.invoice is not None
        assert line.setoff is not None
        if Invoice.objects.get(pk=line.invoice.pk).outstanding < line.setoff:
            return line.invoice.number
    return None


def _apply(round_: SharedRound) -> Decimal:
    """Every set-off of this firm's lines becomes a payment of kind "setoff" on its own
    invoice (all or none, in the caller's transaction). The accepting user is the payment's
    actor when allowed to record payments; otherwise the platform's declared job is."""
    now = clock.now()
    decider = round_.decided_by
    payer = decider if decider is not None and decider.has_perm_code(Perm.CASE_TRANSITION) else None
    with acting_as_system("consortium.netting"):  # on the convener's signed outcome
        return _apply_lines(round_, payer, now)


def _apply_lines(round_: SharedRound, payer: User | None, now: dt.datetime) -> Decimal:
    applied = Decimal("0.00")
    for line in round_.lines.select_related("invoice__case").filter(setoff__gt=0):
        assert line.invoice is not None
        assert line.setoff is not None
        inv = Invoice.objects.select_for_update().get(pk=line.invoice.pk)
        if inv.outstanding < line.setoff:
            raise _outstanding_changed(inv.number)
        payment_record(
            case=inv.case,
            amount=line.setoff,
            kind=PaymentKind.SETOFF,
            idempotency_key=f"consortium-netting:{round_.round_id}:{line.line_id}",
            actor=payer,
            reference=f"NET-{round_.round_id[:8]}",
            note="同业多边抵销 / consortium multilateral set-off",
            invoice_amounts={inv.pk: line.setoff},
        )
        line.applied_at = now
        line.save(update_fields=["applied_at"])
        applied += line.setoff
    return applied


def _outstanding_changed(number: str) -> Exception:
    return _error(
        f"发票 {number} 的未收金额已少于抵销金额，未执行任何抵销。",
        f"Invoice {number} now has less outstanding than its set-off; nothing was applied.",
        "outstanding_changed",
        409,
    )


def final_deliver(*, round_: SharedRound, transport: Transport | None = None) -> int:
    """The convener tells every submitting member the outcome (all accepted: apply; one
    rejected: cancelled), signed; returns how many were delivered. Retried by
    ``qingqian consortium netting deliver``."""
    from qingqian.consortium import services

    round_.refresh_from_db()
    if round_.state not in (SharedRoundState.APPLIED, SharedRoundState.CANCELLED):
        return 0
    body = {
        "round_id": round_.round_id,
        "result_digest": round_.result_digest,
        "outcome": round_.state,
    }
    delivered = 0
    seats = round_.seats.filter(submitted_at__isnull=False, final_sent_at__isnull=True)
    for seat in seats.select_related("member"):
        try:
            services._exchange(
                transport=_transport(transport), peer=seat.member, kind="netting.final", body=body
            )
        except (services.ConsortiumError, OSError):
            continue
        seat.final_sent_at = clock.now()
        seat.save(update_fields=["final_sent_at"])
        delivered += 1
    return delivered


# --------------------------------------------------------------------------- receiving


def receive_check(kind: str, message: Message, sender: Member) -> Callable[[], dict[str, Any]]:
    """Check an incoming netting message without writing anything; return what acting on
    it does (run after the message is recorded, in one transaction). Raises a
    ``ConsortiumError`` with a 4xx to refuse."""
    body = message.body
    round_id = body.get("round_id")
    if not isinstance(round_id, str) or len(round_id) != 32:
        raise _error("轮次编号无效。", "Invalid round id.", "body_invalid")
    if kind == "netting.invite":
        return _check_invite(message, sender, round_id)
    if kind == "netting.submit":
        return _check_submit(message, sender, round_id)
    if kind == "netting.result":
        return _check_result(message, sender, round_id)
    if kind == "netting.decision":
        return _check_decision(message, sender, round_id)
    if kind == "netting.final":
        return _check_final(message, sender, round_id)
    raise _error("未知的消息类型。", "Unknown message kind.", "wrong_kind")


def _check_invite(message: Message, sender: Member, round_id: str) -> Callable[[], dict[str, Any]]:
    title, names = message.body.get("title"), message.body.get("participants")
    me = selectors.member_self()
    if (
        not isinstance(title, str)
        or not title.strip()
        or not isinstance(names, list)
        or not all(isinstance(n, str) for n in names)
    ):
        raise _error("邀请内容无效。", "Invalid invitation.", "body_invalid")
    if me is None or me.name not in names:
        raise _error(
            "本成员不在该轮的参加方中。",
            "This member is not invited to the round.",
            "not_participant",
            403,
        )
    if SharedRound.objects.filter(convener=sender, round_id=round_id).exists():
        raise _error("该轮次已存在。", "The round already exists.", "round_exists", 409)

    def act() -> dict[str, Any]:
        round_ = SharedRound.objects.create(
            round_id=round_id,
            convener=sender,
            title=title.strip()[:200],
            participants=sorted(set(names)),
            created_at=clock.now(),
        )
        _audit(None, round_, "netting_invited", convener=sender.name)
        return {"received": True}

    return act


def _convener_round(sender: Member, round_id: str) -> tuple[SharedRound, Seat]:
    round_ = SharedRound.objects.filter(round_id=round_id, is_convener=True).first()
    if round_ is None:
        raise _error("没有该轮次。", "No such round.", "round_unknown", 404)
    seat = round_.seats.filter(member=sender).first()
    if seat is None:
        raise _error(
            "发送方不是该轮的参加方。",
            "The sender does not take part in this round.",
            "not_participant",
            403,
        )
    return round_, seat


def _check_submit(message: Message, sender: Member, round_id: str) -> Callable[[], dict[str, Any]]:
    round_, seat = _convener_round(sender, round_id)
    if round_.state != SharedRoundState.OPEN:
        raise _error(
            "该轮已不再接受提交。", "The round no longer takes submissions.", "round_closed", 409
        )
    if seat.submitted_at is not None:
        raise _error(
            "该成员已提交过。", "This member has already submitted.", "already_submitted", 409
        )
    raw = message.body.get("lines")
    if not isinstance(raw, list) or not raw or len(raw) > clearing.MAX_LINES:
        raise _error(
            f"每次须提交 1 至 {clearing.MAX_LINES} 行。",
            f"A submission holds 1 to {clearing.MAX_LINES} lines.",
            "lines_invalid",
            422,
        )
    try:
        lines = [clearing.Line.from_wire(sender.name, item) for item in raw]
    except clearing.ClearingError as exc:
        raise _error(exc.message_zh, exc.message_en, exc.code, 422) from exc
    if len({x.id for x in lines}) != len(lines) or len({x.creditor for x in lines}) != 1:
        raise _error(
            "债务行编号重复，或债权人不止一个。",
            "Line ids repeat, or the lines have more than one creditor.",
            "lines_invalid",
            422,
        )
    digest = clearing.lines_digest(lines)
    if message.body.get("lines_digest") != digest:
        raise _error(
            "提交内容的摘要不符。",
            "The submission's digest does not match its lines.",
            "digest_mismatch",
            422,
        )

    def act() -> dict[str, Any]:
        locked = Seat.objects.select_for_update().get(pk=seat.pk)
        if locked.submitted_at is not None:
            raise _error(
                "该成员已提交过。", "This member has already submitted.", "already_submitted", 409
            )
        SharedLine.objects.bulk_create(
            SharedLine(
                round=round_,
                member=sender,
                line_id=x.id,
                debtor_code=x.debtor,
                creditor_code=x.creditor,
                amount=_yuan(x.amount),
                due_date=dt.date.fromisoformat(x.due) if x.due else None,
                salt=x.salt,
                leaf=x.leaf().hex(),
            )
            for x in lines
        )
        locked.submitted_at, locked.lines_digest = clock.now(), digest
        locked.save(update_fields=["submitted_at", "lines_digest"])
        _audit(None, round_, "netting_submitted", member=sender.name, lines=len(lines))
        return {"accepted": len(lines), "lines_digest": digest}

    return act


def _check_result(message: Message, sender: Member, round_id: str) -> Callable[[], dict[str, Any]]:
    round_ = SharedRound.objects.filter(
        convener=sender, round_id=round_id, is_convener=False
    ).first()
    if round_ is None:
        raise _error("没有该轮次。", "No such round.", "round_unknown", 404)
    if round_.state != SharedRoundState.SUBMITTED:
        raise _error(
            "该轮次不在等待结果的状态。", "The round is not awaiting a result.", "round_state", 409
        )
    rows = list(round_.lines.select_related("member"))
    try:
        placed = clearing.verify_own(round_id, message.body, [_line(r) for r in rows])
    except clearing.ClearingError as exc:
        raise _error(exc.message_zh, exc.message_en, exc.code, 422) from exc
    body = message.body

    def act() -> dict[str, Any]:
        locked = SharedRound.objects.select_for_update().get(pk=round_.pk)
        if locked.state != SharedRoundState.SUBMITTED:
            raise _error("该轮次已收到结果。", "The round already has its result.",
                         "round_state", 409)  # fmt: skip
        by_id = {p.line.id: p for p in placed}
        for r in rows:
            p = by_id[r.line_id]
            r.position, r.setoff, r.remaining = p.index, _yuan(p.setoff), _yuan(p.remaining)
            r.input_proof, r.result_proof = list(p.input_proof), list(p.result_proof)
        SharedLine.objects.bulk_update(
            rows, ["position", "setoff", "remaining", "input_proof", "result_proof"]
        )
        round_.state = SharedRoundState.SOLVED
        round_.input_root, round_.result_root = body["input_root"], body["result_root"]
        round_.result_digest, round_.size = body["result_digest"], body["size"]
        round_.cleared = sum((_yuan(p.setoff) for p in placed), Decimal("0.00"))
        round_.solved_at = clock.now()
        round_.save(
            update_fields=[
                "state", "input_root", "result_root", "result_digest", "size", "cleared",
                "solved_at",
            ]
        )  # fmt: skip
        _log(
            "netting_result",
            {
                "round_id": round_id,
                "convener": sender.name,
                "input_root": round_.input_root,
                "result_root": round_.result_root,
                "result_digest": round_.result_digest,
                "size": round_.size,
                "own_lines": len(placed),
                "own_setoff": str(round_.cleared),
            },
        )
        _audit(None, round_, "netting_result", cleared=str(round_.cleared))
        return {"verified": True, "result_digest": round_.result_digest}

    return act


def _check_decision(
    message: Message, sender: Member, round_id: str
) -> Callable[[], dict[str, Any]]:
    round_, seat = _convener_round(sender, round_id)
    decision = message.body.get("decision")
    if decision not in (SharedRoundState.ACCEPTED, SharedRoundState.REJECTED):
        raise _error("答复内容无效。", "Invalid decision.", "body_invalid")
    if round_.state != SharedRoundState.SOLVED or seat.result_sent_at is None:
        raise _error(
            "该轮次不在等待答复的状态。", "The round is not awaiting decisions.", "round_state", 409
        )
    if message.body.get("result_digest") != round_.result_digest:
        raise _error(
            "答复所针对的结果摘要不符。",
            "The decision is for another result.",
            "digest_mismatch",
            422,
        )
    if seat.decision:
        raise _error("该成员已答复。", "This member has already decided.", "already_decided", 409)

    def act() -> dict[str, Any]:
        locked = SharedRound.objects.select_for_update().get(pk=round_.pk)
        seat.decision, seat.decided_at = str(decision), clock.now()
        seat.save(update_fields=["decision", "decided_at"])
        _audit(None, locked, "netting_decision", member=sender.name, decision=decision)
        submitted = locked.seats.filter(submitted_at__isnull=False)
        if decision == SharedRoundState.REJECTED:
            locked.state = SharedRoundState.CANCELLED
        elif not submitted.exclude(decision=SharedRoundState.ACCEPTED).exists():
            locked.state = SharedRoundState.APPLIED
        if locked.state != SharedRoundState.SOLVED:
            locked.save(update_fields=["state"])
            _log(
                "netting_final",
                {
                    "round_id": locked.round_id,
                    "result_digest": locked.result_digest,
                    "outcome": locked.state,
                },
            )
            _audit(None, locked, "netting_final", outcome=locked.state)
            transaction.on_commit(lambda: final_deliver(round_=locked))
        return {"recorded": True}

    return act


def _check_final(message: Message, sender: Member, round_id: str) -> Callable[[], dict[str, Any]]:
    round_ = SharedRound.objects.filter(
        convener=sender, round_id=round_id, is_convener=False
    ).first()
    if round_ is None:
        raise _error("没有该轮次。", "No such round.", "round_unknown", 404)
    outcome = message.body.get("outcome")
    if outcome not in (SharedRoundState.APPLIED, SharedRoundState.CANCELLED):
        raise _error("结论内容无效。", "Invalid outcome.", "body_invalid")
    if message.body.get("result_digest") != round_.result_digest:
        raise _error(
            "结论所针对的结果摘要不符。", "The outcome is for another result.",
            "digest_mismatch", 422,
        )  # fmt: skip
    allowed = (
        (SharedRoundState.ACCEPTED,)
        if outcome == SharedRoundState.APPLIED
        else (SharedRoundState.SOLVED, SharedRoundState.ACCEPTED, SharedRoundState.REJECTED)
    )
    if round_.state not in allowed:
        raise _error(
            "该轮次不在等待结论的状态。", "The round is not awaiting an outcome.",
            "round_state", 409,
        )  # fmt: skip
    if outcome == SharedRoundState.APPLIED:
        short = _outstanding_short(round_)
        if short is not None:
            raise _outstanding_changed(short)

    def act() -> dict[str, Any]:
        locked = SharedRound.objects.select_for_update().get(pk=round_.pk)
        if locked.state not in allowed:
            raise _error("该轮次已有结论。", "The round already has its outcome.",
                         "round_state", 409)  # fmt: skip
        applied = Decimal("0.00")
        if outcome == SharedRoundState.APPLIED:
            applied = _apply(locked)
            locked.state = SharedRoundState.APPLIED
        elif locked.state != SharedRoundState.REJECTED:
            locked.state = SharedRoundState.CANCELLED
        locked.save(update_fields=["state"])
        _log(
            "netting_final",
            {
                "round_id": round_id,
                "convener": sender.name,
                "result_digest": locked.result_digest,
                "outcome": str(outcome),
                "applied": str(applied),
            },
        )
        _audit(None, locked, "netting_final", outcome=outcome, applied=str(applied))
        return {"outcome": locked.state, "applied": str(applied)}

    return act
