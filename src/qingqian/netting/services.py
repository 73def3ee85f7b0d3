"""Netting rounds: invite, confirm, consent, run, accept or decline, apply.

Every change runs in one transaction with its audit row; the run and the apply also append
entries to the tamper-evident log, and applying a set-off on a case invoice goes through
``_record_setoff`` (a payment of kind "setoff" with the case's timeline row). A decline
before the set-offs are applied cancels the round and nothing is applied.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import CaseParty, Invoice, PartyRole
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.spreadsheet import check_xlsx_archive, decode_text
from qingqian.ledger.services import ledger_append, statement_build, utc_text
from qingqian.netting import csvio
from qingqian.netting import solver as kernel
from qingqian.netting.errors import NettingError
from qingqian.netting.models import (
    NettingRound,
    Obligation,
    ObligationSource,
    ObligationStatus,
    Participant,
    ParticipantState,
    RoundState,
    Setoff,
)
from qingqian.parties.models import Party, PartyKind
from qingqian.payments.models import PaymentKind
from qingqian.payments.services import payment_record

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


# --------------------------------------------------------------------------- access


def can_manage(user: User) -> bool:
    """Staff who run rounds (lawyers, mediators, administrators)."""
    return user.has_perm_code(Perm.NETTING_MANAGE)


def _require_manager(user: User, round_: NettingRound | None = None) -> None:
    if not can_manage(user) or (
        round_ is not None and round_.organisation_id != user.organisation_id
    ):
        raise PermissionDenied(
            "您没有管理清欠轮次的权限。",
            "You may not manage netting rounds.",
            code="netting_forbidden",
        )


def can_act_for(user: User, participant: Participant) -> bool:
    """A manager of the round's organisation, or a creditor user of that very firm."""
    if user.is_creditor_user:
        return user.creditor_id == participant.party_id
    return can_manage(user) and participant.round.organisation_id == user.organisation_id


def _require_act_for(user: User, participant: Participant) -> None:
    if not can_act_for(user, participant):
        raise PermissionDenied(
            "您不能代表该企业操作。",
            "You may not act for this firm.",
            code="netting_forbidden",
            details={"participant": participant.pk},
        )


def _require_state(round_: NettingRound, *states: str) -> None:
    if round_.state not in states:
        raise Conflict(
            f"清欠轮次当前状态为“{RoundState(round_.state).label}”，不能执行此操作。",
            f"The netting round is {round_.state}; this step is not allowed now.",
            code="netting_state",
            details={"state": round_.state, "allowed": list(states)},
        )


def _lock(round_: NettingRound) -> NettingRound:
    return NettingRound.objects.select_for_update().get(pk=round_.pk)


def _snapshot(round_: NettingRound) -> dict[str, Any]:
    return {"state": round_.state, "cleared": str(round_.cleared), "total": str(round_.total)}


def _audit(actor: User | None, round_: NettingRound, action: str, **after: Any) -> None:
    audit_record(
        actor=actor,
        organisation=round_.organisation,
        action=f"netting.{action}",
        obj=round_,
        after={**_snapshot(round_), **after},
    )


def _log(kind: str, round_: NettingRound, actor: User | None, **fields: Any) -> None:
    ledger_append(
        kind=f"netting.{kind}",
        case_id=None,
        statement=statement_build(
            f"netting.{kind}",
            {
                "round_id": round_.pk,
                "at": utc_text(clock.now()),
                "actor_id": actor.pk if actor else None,
                **fields,
            },
        ),
    )


# --------------------------------------------------------------------------- set-up


@transaction.atomic
def round_create(
    *,
    organisation: Organisation,
    actor: User,
    title: str,
    parties: Sequence[Party],
    min_amount: Decimal | None = None,
    exclude_disputed: bool = True,
    exclude_unconfirmed: bool = True,
    caps: dict[int, Decimal] | None = None,
) -> NettingRound:
    """A draft round among companies of the organisation (each with its credit code)."""
    _require_manager(actor)
    if actor.organisation_id != organisation.pk:
        _require_manager(actor, NettingRound(organisation=organisation))
    title = title.strip()
    if not title:
        raise ValidationFailed("请填写轮次名称。", "Give the round a title.", code="title_missing")
    unique = {p.pk: p for p in parties}
    if len(unique) < 2:
        raise ValidationFailed(
            "多边抵销至少需要两家企业参加。",
            "A netting round needs at least two firms.",
            code="too_few_participants",
        )
    codes: dict[str, str] = {}
    for p in unique.values():
        if p.organisation_id != organisation.pk or p.kind != PartyKind.COMPANY:
            raise ValidationFailed(
                f"“{p.name}”不是本机构的企业当事人。",
                f"{p.name} is not a company of this organisation.",
                code="participant_not_company",
                details={"party": p.pk},
            )
        if not p.credit_code:
            raise ValidationFailed(
                f"“{p.name}”没有统一社会信用代码，不能参加。",
                f"{p.name} has no unified social credit code and cannot take part.",
                code="participant_no_credit_code",
                details={"party": p.pk},
            )
        if p.credit_code in codes:
            raise ValidationFailed(
                f"“{p.name}”与“{codes[p.credit_code]}”的信用代码相同。",
                f"{p.name} and {codes[p.credit_code]} share a credit code.",
                code="participant_duplicate_code",
            )
        codes[p.credit_code] = p.name
    if min_amount is not None and min_amount < 0:
        raise ValidationFailed(
            "最低金额不能为负。", "The minimum amount cannot be negative.", code="min_negative"
        )
    round_ = NettingRound.objects.create(
        organisation=organisation,
        title=title,
        created_by=actor,
        min_amount=min_amount,
        exclude_disputed=exclude_disputed,
        exclude_unconfirmed=exclude_unconfirmed,
    )
    caps = caps or {}
    for pid, cap in caps.items():
        if cap < 0 or pid not in unique:
            raise ValidationFailed(
                "抵销上限须为参加企业的非负金额。",
                "A cap must be a non-negative amount for a participating firm.",
                code="cap_invalid",
                details={"party": pid},
            )
    Participant.objects.bulk_create(
        Participant(round=round_, party=p, cap=caps.get(p.pk)) for p in unique.values()
    )
    _audit(actor, round_, "round_created", participants=sorted(unique))
    return round_


def _debtor_links(organisation: Organisation, party_ids: Iterable[int]) -> dict[int, int]:
    """case id → debtor party id, for cases with exactly one debtor among ``party_ids``."""
    wanted = set(party_ids)
    debtor_links = CaseParty.objects.filter(case__organisation=organisation, role=PartyRole.DEBTOR)
    case_ids = debtor_links.filter(party_id__in=wanted).values("case_id")
    links: dict[int, list[int]] = {}
    for case_id, party_id in debtor_links.filter(case_id__in=case_ids).values_list(
        "case_id", "party_id"
    ):
        links.setdefault(case_id, []).append(party_id)
    return {c: ps[0] for c, ps in links.items() if len(ps) == 1 and ps[0] in wanted}


@transaction.atomic
def round_invite(*, round_: NettingRound, actor: User) -> NettingRound:
    """Freeze the invoice obligations among the participants and send the invitations."""
    round_ = _lock(round_)
    _require_manager(actor, round_)
    _require_state(round_, RoundState.DRAFT)
    by_party = {p.party_id: p for p in round_.participants.all()}
    debtor_of = _debtor_links(round_.organisation, by_party)
    invoices = Invoice.objects.filter(
        case__organisation=round_.organisation,
        case_id__in=debtor_of,
        creditor_id__in=by_party,
        outstanding__gt=0,
    ).order_by("pk")
    rows = [
        Obligation(
            round=round_,
            debtor=by_party[debtor_of[inv.case_id]],
            creditor=by_party[inv.creditor_id],
            source=ObligationSource.INVOICE,
            invoice=inv,
            reference=inv.number,
            amount=inv.outstanding,
            due_date=inv.due_date,
            creditor_confirmed=True,  # the creditor's own claim on a case
        )
        for inv in invoices
        if debtor_of[inv.case_id] != inv.creditor_id
    ]
    Obligation.objects.bulk_create(rows)
    round_.state = RoundState.INVITING
    round_.save(update_fields=["state"])
    _audit(actor, round_, "round_invited", obligations=len(rows))
    _log("round_invited", round_, actor, participants=len(by_party), obligations=len(rows))
    return round_


def _xlsx_lines(data: bytes) -> list[str]:
    from django.conf import settings
    from openpyxl import load_workbook

    fh = io.BytesIO(data)
    check_xlsx_archive(
        fh,
        max_unzipped_bytes=settings.QINGQIAN_IMPORT_MAX_UNZIPPED_BYTES,
        max_cell_chars=settings.QINGQIAN_IMPORT_MAX_CELL_CHARS,
        unreadable_code="file_unreadable",
    )
    try:
        book = load_workbook(fh, read_only=True, data_only=True)
    except Exception:
        raise NettingError(
            "无法读取 Excel 文件。", "The Excel file cannot be read.", code="file_unreadable"
        ) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in book.active.iter_rows(values_only=True):
        cells = []
        for v in row:
            if v is None:
                cells.append("")
            elif isinstance(v, dt.datetime | dt.date):
                cells.append(v.strftime("%Y-%m-%d"))
            elif isinstance(v, float):
                cells.append(repr(v))  # the csvio rules then refuse more than two decimals
            else:
                cells.append(str(v))
        writer.writerow(cells)
    book.close()
    return out.getvalue().splitlines()


def _decode(data: bytes) -> list[str]:
    text = decode_text(data)
    if text is not None:
        return text.splitlines()
    raise NettingError(
        "文件编码无法识别（请用 UTF-8 或 GB18030）。",
        "The file encoding is not recognised (use UTF-8 or GB18030).",
        code="file_encoding",
    )


@transaction.atomic
def payables_upload(
    *, participant: Participant, actor: User, filename: str, data: bytes
) -> list[Obligation]:
    """A firm's own payables to other participants, CSV or XLSX with the columns of
    ``qingqian netting solve`` (debtor and creditor by credit code). All rows or none."""
    round_ = _lock(participant.round)
    _require_act_for(actor, participant)
    _require_state(round_, RoundState.INVITING)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "文件过大。", "The file is too large.", code="file_too_large", status=413
        )
    lines = _xlsx_lines(data) if filename.lower().endswith(".xlsx") else _decode(data)
    parsed = csvio.read_obligations(lines)
    by_code = {p.firm_key: p for p in round_.participants.select_related("party")}
    own = participant.party.credit_code
    rows = []
    for index, ob in enumerate(parsed):
        line = index + 2  # after the header; the parser has already named bad lines
        if ob.debtor != own:
            raise NettingError(
                f"第 {line} 行：只能上传本企业（{own}）的应付款，债务人为 {ob.debtor}",
                f"Line {line}: only this firm's own payables ({own}) may be uploaded; "
                f"the debtor is {ob.debtor}",
                code="not_own_payable",
                details={"id": ob.id, "debtor": ob.debtor},
            )
        if ob.creditor not in by_code:
            raise NettingError(
                f"第 {line} 行：债权人 {ob.creditor} 不是本轮的参加企业",
                f"Line {line}: the creditor {ob.creditor} is not a participant of this round",
                code="creditor_not_participant",
                details={"id": ob.id, "creditor": ob.creditor},
            )
        rows.append(
            Obligation(
                round=round_,
                debtor=participant,
                creditor=by_code[ob.creditor],
                source=ObligationSource.UPLOAD,
                reference=ob.id[:64],
                amount=ob.amount,
                due_date=ob.due,
                debtor_confirmed=ob.status == kernel.CONFIRMED,
                status=ObligationStatus.DISPUTED
                if ob.status == kernel.DISPUTED
                else ObligationStatus.UNCONFIRMED,
            )
        )
    created = Obligation.objects.bulk_create(rows)
    _audit(actor, round_, "payables_uploaded", participant=participant.pk, rows=len(rows))
    return created


# --------------------------------------------------------------------------- answers


def _participant_locked(participant: Participant) -> tuple[NettingRound, Participant]:
    round_ = _lock(participant.round)
    return round_, Participant.objects.select_related("party", "round").get(pk=participant.pk)


@transaction.atomic
def participant_confirm(
    *, participant: Participant, actor: User, disputed: Iterable[int] = ()
) -> Participant:
    """The firm confirms its lines (payables and receivables), disputing some of them."""
    round_, participant = _participant_locked(participant)
    _require_act_for(actor, participant)
    _require_state(round_, RoundState.INVITING)
    if participant.state != ParticipantState.INVITED:
        raise Conflict(
            "该企业已确认过债务。",
            "This firm has already confirmed its obligations.",
            code="already_confirmed",
        )
    lines = Obligation.objects.filter(Q(debtor=participant) | Q(creditor=participant))
    disputed_ids = set(disputed)
    unknown = disputed_ids - set(lines.values_list("pk", flat=True))
    if unknown:
        raise ValidationFailed(
            "有争议的债务不属于该企业。",
            "A disputed obligation is not one of this firm's.",
            code="dispute_unknown",
            details={"obligations": sorted(unknown)},
        )
    for ob in lines.select_for_update():
        if ob.debtor_id == participant.pk:
            ob.debtor_confirmed = True
        if ob.creditor_id == participant.pk:
            ob.creditor_confirmed = True
        if ob.pk in disputed_ids:
            ob.status = ObligationStatus.DISPUTED
        elif (
            ob.status != ObligationStatus.DISPUTED and ob.debtor_confirmed and ob.creditor_confirmed
        ):
            ob.status = ObligationStatus.CONFIRMED
        ob.save(update_fields=["debtor_confirmed", "creditor_confirmed", "status"])
    participant.state = ParticipantState.CONFIRMED
    participant.confirmed_at = clock.now()
    participant.save(update_fields=["state", "confirmed_at"])
    _audit(actor, round_, "participant_confirmed", participant=participant.pk,
           disputed=sorted(disputed_ids))  # fmt: skip
    return participant


@transaction.atomic
def participant_consent(*, participant: Participant, actor: User) -> Participant:
    """The firm agrees to take part in the multilateral set-off (Civil Code Art. 569)."""
    round_, participant = _participant_locked(participant)
    _require_act_for(actor, participant)
    _require_state(round_, RoundState.INVITING)
    if participant.state != ParticipantState.CONFIRMED:
        raise Conflict(
            "请先确认债务，再同意参加。",
            "Confirm the obligations before consenting.",
            code="confirm_first",
        )
    participant.state = ParticipantState.CONSENTED
    participant.consented_at = clock.now()
    participant.save(update_fields=["state", "consented_at"])
    if not round_.participants.exclude(state=ParticipantState.CONSENTED).exists():
        round_.state = RoundState.CONFIRMED
        round_.save(update_fields=["state"])
    _audit(actor, round_, "participant_consented", participant=participant.pk)
    return participant


@transaction.atomic
def participant_decline(*, participant: Participant, actor: User, reason: str) -> NettingRound:
    """A firm declines: before the set-offs are applied this cancels the whole round."""
    round_, participant = _participant_locked(participant)
    _require_act_for(actor, participant)
    _require_state(
        round_, RoundState.INVITING, RoundState.CONFIRMED, RoundState.SOLVED, RoundState.ACCEPTED
    )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "请说明拒绝的原因。", "Give a reason for declining.", code="reason_missing"
        )
    participant.state = ParticipantState.DECLINED
    participant.decline_reason = reason[:500]
    participant.answered_at = clock.now()
    participant.save(update_fields=["state", "decline_reason", "answered_at"])
    round_.state = RoundState.CANCELLED
    round_.cancel_reason = f"{participant.party.name}: {reason}"[:500]
    round_.save(update_fields=["state", "cancel_reason"])
    _audit(actor, round_, "round_cancelled", participant=participant.pk)
    _log("round_cancelled", round_, actor, participant_id=participant.pk)
    return round_


@transaction.atomic
def participant_accept(*, participant: Participant, actor: User) -> Participant:
    """The firm accepts the computed set-offs; the last acceptance makes the round final."""
    round_, participant = _participant_locked(participant)
    _require_act_for(actor, participant)
    _require_state(round_, RoundState.SOLVED)
    if participant.state != ParticipantState.CONSENTED:
        raise Conflict(
            "只有已同意参加的企业可以接受结果。",
            "Only a firm that consented can accept the result.",
            code="not_consented",
        )
    participant.state = ParticipantState.ACCEPTED
    participant.answered_at = clock.now()
    participant.save(update_fields=["state", "answered_at"])
    if not round_.participants.filter(state=ParticipantState.CONSENTED).exists():
        round_.state = RoundState.ACCEPTED
        round_.save(update_fields=["state"])
    _audit(actor, round_, "participant_accepted", participant=participant.pk)
    return participant


# --------------------------------------------------------------------------- run


def solver_input(round_: NettingRound) -> tuple[list[kernel.Obligation], kernel.NettingOptions]:
    """The round's obligations and options as the pure solver takes them."""
    participants = list(round_.participants.select_related("party"))
    code = {p.pk: p.firm_key for p in participants}
    status = {
        ObligationStatus.CONFIRMED: kernel.CONFIRMED,
        ObligationStatus.UNCONFIRMED: kernel.UNCONFIRMED,
        ObligationStatus.DISPUTED: kernel.DISPUTED,
    }
    obligations = [
        kernel.Obligation(str(pk), code[d], code[c], amount, due, status[ObligationStatus(s)])
        for pk, d, c, amount, due, s in round_.obligations.values_list(
            "pk", "debtor_id", "creditor_id", "amount", "due_date", "status"
        )
    ]
    present = {o.debtor for o in obligations} | {o.creditor for o in obligations}
    options = kernel.NettingOptions(
        exclude_disputed=round_.exclude_disputed,
        exclude_unconfirmed=round_.exclude_unconfirmed,
        non_consenting=frozenset(
            p.firm_key
            for p in participants
            if p.state not in (ParticipantState.CONSENTED, ParticipantState.ACCEPTED)
        ),
        min_amount=round_.min_amount,
        caps={
            p.firm_key: p.cap for p in participants if p.cap is not None and p.firm_key in present
        },
    )
    return obligations, options


@transaction.atomic
def round_run(*, round_: NettingRound, actor: User) -> kernel.NettingResult:
    """Solve the round: only consented firms and (by default) confirmed, undisputed debts."""
    round_ = _lock(round_)
    _require_manager(actor, round_)
    _require_state(round_, RoundState.INVITING, RoundState.CONFIRMED)
    if round_.participants.filter(state=ParticipantState.CONSENTED).count() < 2:
        raise Conflict(
            "至少两家企业同意参加后才能计算。",
            "At least two firms must consent before the round can run.",
            code="too_few_consents",
        )
    obligations, options = solver_input(round_)
    result = kernel.solve(obligations, options)
    Setoff.objects.filter(round=round_).delete()
    Setoff.objects.bulk_create(
        Setoff(round=round_, obligation_id=int(s.id), amount=s.setoff)
        for s in result.setoffs
        if s.setoff > 0
    )
    round_.state = RoundState.SOLVED
    round_.solved_at = clock.now()
    round_.total = result.total
    round_.cleared = result.cleared
    round_.save(update_fields=["state", "solved_at", "total", "cleared"])
    _audit(actor, round_, "round_solved")
    _log(
        "round_solved",
        round_,
        actor,
        total=str(result.total),
        cleared=str(result.cleared),
        setoffs_sha256=_setoffs_digest(round_),
    )
    return result


def _setoffs_digest(round_: NettingRound) -> str:
    """SHA-256 of ``obligation:amount`` lines: the log commits to the exact set-offs."""
    text = "\n".join(
        f"{pk}:{amount}"
        for pk, amount in round_.setoffs.order_by("obligation_id").values_list(
            "obligation_id", "amount"
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- apply


def _record_setoff(
    invoice: Invoice, amount: Decimal, key: str, actor: User | None, reference: str
) -> None:
    """Record ``amount`` set off against ``invoice``: a payment of kind "setoff" pinned to
    that invoice (the payments app writes the allocation, the case's timeline row, its log
    entry and the audit row). The same ``key`` again is a no-op; an amount above the
    invoice's outstanding raises and, inside ``round_apply``, rolls every set-off back."""
    payment_record(
        case=invoice.case,
        amount=amount,
        kind=PaymentKind.SETOFF,
        idempotency_key=key,
        actor=actor,
        reference=reference,
        note="多边抵销 / multilateral set-off",
        invoice_amounts={invoice.pk: amount},
    )


@transaction.atomic
def round_apply(*, round_: NettingRound, actor: User) -> NettingRound:
    """Apply every set-off at once: all invoices reduced, or none."""
    round_ = _lock(round_)
    _require_manager(actor, round_)
    _require_state(round_, RoundState.ACCEPTED)
    now = clock.now()
    setoffs = list(round_.setoffs.select_related("obligation__invoice").order_by("obligation_id"))
    for s in setoffs:
        ob = s.obligation
        if ob.invoice is not None:
            _record_setoff(
                ob.invoice, s.amount, f"netting:{round_.pk}:{ob.pk}", actor, f"NET-{round_.pk}"
            )
        _log(
            "setoff",
            round_,
            actor,
            obligation_id=ob.pk,
            invoice_id=ob.invoice_id,
            debtor_id=ob.debtor.party_id,
            creditor_id=ob.creditor.party_id,
            amount=str(s.amount),
        )
    Setoff.objects.filter(round=round_).update(applied_at=now)
    round_.state = RoundState.APPLIED
    round_.applied_at = now
    round_.save(update_fields=["state", "applied_at"])
    _audit(actor, round_, "round_applied", setoffs=len(setoffs))
    _log(
        "round_applied",
        round_,
        actor,
        cleared=str(round_.cleared),
        setoffs=len(setoffs),
        setoffs_sha256=_setoffs_digest(round_),
    )
    return round_
