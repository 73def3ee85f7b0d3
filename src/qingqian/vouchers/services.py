"""Electronic debt vouchers (债权凭证): issue, acknowledgement by the debtor, assignment
and its notice (Civil Code Art. 546), settlement and cancellation, each a new signed log
entry; the voucher package and the PDF that carries it.

* Issuing fixes the voucher document (``voucher.json``, RFC 8785: parties by name and
  minimised identifier, amount, currency, due date, the SHA-256 of the case's evidence, issue
  date, number) and signs its SHA-256 with the log key, on the creditor's behalf.
* Every event is a log entry whose statement commits to the voucher's SHA-256, the event's
  place in the voucher's sequence and, by a salted hash, its details (names stay out of
  the log in clear). The voucher is never edited; ``voucher_state`` derives its state from
  the events, and an event that cannot follow (a settlement above what remains, a second
  acknowledgement, anything after cancellation) is refused before it is logged.
* The PDF attaches the voucher package (an evidence package of the voucher's entries plus
  ``voucher.json``, ``voucher.sig`` and each event's details) and shows a QR code of what
  an offline verifier needs: ``qingqian-verify VOUCHER.pdf --log-key …`` checks it all.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from qingqian.accounts.models import User
from qingqian.accounts.otp import otp_issue, otp_verify, typed_name_clean
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case, PartyRole
from qingqian.cases.selectors import case_get_for_user, cases_visible_to
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingqian.evidence.models import EvidenceVersion
from qingqian.evidence.package import entry_members, export_checkpoint, log_members, seal
from qingqian.ledger import selectors as log
from qingqian.ledger import voucher_format as kernel
from qingqian.ledger.canonical import canonicalize
from qingqian.ledger.note import Note, sign_text
from qingqian.ledger.services import (
    ledger_append,
    ledger_integrate,
    log_signer,
    salted_hash,
    statement_build,
    utc_text,
)
from qingqian.ledger.verify_cli import build_zip
from qingqian.parties.identifiers import normalise_uscc
from qingqian.parties.models import Party
from qingqian.vouchers.models import Voucher, VoucherEvent

OTP_PURPOSE = "voucher.ack"

#: Why an event cannot follow the voucher's state (``kernel.StateError`` codes).
STATE_ERRORS: dict[str, tuple[str, str]] = {
    "voucher_closed": (
        "该凭证已结清或已作废，不能再记录事件。",
        "The voucher is settled or cancelled; no further event can be recorded.",
    ),
    "already_acknowledged": ("债务人已确认该凭证。", "The debtor has already acknowledged it."),
    "assignee_is_holder": (
        "受让人就是当前债权人。",
        "The assignee is already the holder of the claim.",
    ),
    "no_assignment_to_notify": (
        "没有尚未通知债务人的债权转让。",
        "There is no assignment the debtor has not been notified of.",
    ),
    "settlement_above_remaining": (
        "清偿金额超过凭证尚未清偿的金额。",
        "The settlement is more than what remains on the voucher.",
    ),
    "unknown_event": ("未知的凭证事件。", "Unknown voucher event."),
}


# --------------------------------------------------------------------------- access


def _require(actor: User, perm: Perm) -> None:
    if not actor.has_perm_code(perm):
        raise PermissionDenied(
            "您没有执行此操作的权限。",
            "You do not have permission to do this.",
            details={"permission": perm.value},
        )


def vouchers_visible_to(user: User) -> QuerySet[Voucher]:
    """The vouchers of the cases ``user`` may read (a creditor user: their own creditor's)."""
    if not user.has_perm_code(Perm.VOUCHER_VIEW):
        return Voucher.objects.none()
    return Voucher.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "case__creditor"
    )


def voucher_get_for_user(user: User, voucher_id: int) -> Voucher:
    _require(user, Perm.VOUCHER_VIEW)
    voucher = vouchers_visible_to(user).filter(pk=voucher_id).first()
    if voucher is None:
        raise NotFound(
            "凭证不存在或无权查看。",
            "Voucher not found or not visible to you.",
            code="voucher_not_found",
            details={"voucher_id": voucher_id},
        )
    return voucher


def _audit(actor: User | None, voucher: Voucher, action: str, **after: Any) -> None:
    audit_record(
        actor=actor,
        organisation=voucher.case.organisation,
        action=action,
        obj=voucher,
        after={"number": voucher.number, **after},
    )


def voucher_read(user: User, voucher_id: int) -> Voucher:
    """A voucher opened by a person (its parties are personal data): audited."""
    voucher = voucher_get_for_user(user, voucher_id)
    with transaction.atomic():
        _audit(user, voucher, "voucher.view")
    return voucher


def events_of(voucher: Voucher) -> list[VoucherEvent]:
    return list(voucher.events.order_by("seq").select_related("log_entry"))


def voucher_state(voucher: Voucher, events: list[VoucherEvent] | None = None) -> kernel.State:
    """The voucher's state derived from its events in order (never stored)."""
    rows = events_of(voucher) if events is None else events
    return kernel.derive_state(voucher.data, [(e.kind, e.data) for e in rows])


def with_states(vouchers: QuerySet[Voucher]) -> list[tuple[Voucher, kernel.State]]:
    """Each voucher with its derived state, the events read in one query for all."""
    rows = vouchers.prefetch_related("events")
    return [(v, voucher_state(v, sorted(v.events.all(), key=lambda e: e.seq))) for v in rows]


# --------------------------------------------------------------------------- events


def _money(raw: object, field: str) -> Decimal:
    try:
        return kernel.money(raw)
    except ValueError as exc:
        raise ValidationFailed(
            "金额须为大于零的数字，最多两位小数（元，精确到分）。",
            "The amount must be a number above zero with at most two decimals (yuan to the fen).",
            code="amount_invalid",
            details={"field": field},
        ) from exc


def _record(
    voucher: Voucher, kind: str, details: dict[str, Any], actor: User | None
) -> VoucherEvent:
    """Log one event of ``voucher`` (after checking it can follow the ones before it) and
    store it; in the caller's transaction, under a lock on the voucher row."""
    locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
    events = list(locked.events.order_by("seq"))
    state = voucher_state(locked, events)
    try:
        kernel.apply(state, kind, details)
    except kernel.StateError as exc:
        zh, en = STATE_ERRORS[exc.code]
        raise Conflict(zh, en, code=exc.code, details={"status": state.status}) from exc
    now = clock.now()
    text = canonicalize(details).decode("utf-8")
    statement = statement_build(
        "voucher." + kind,
        {
            "voucher": locked.number,
            "voucher_sha256": locked.sha256,
            "seq": len(events),
            "at": utc_text(now),
        },
    )
    statement["details_sha256"] = salted_hash(statement["salt"], text)
    entry = ledger_append(kind="voucher." + kind, case_id=locked.case_id, statement=statement)
    event = VoucherEvent.objects.create(
        voucher=locked,
        seq=len(events),
        kind=kind,
        details=text,
        log_entry=entry,
        actor=actor,
        at=now,
    )
    _audit(actor, locked, "voucher." + kind, seq=event.seq)
    return event


def _debtor(case: Case) -> Party:
    link = case.case_parties.filter(role=PartyRole.DEBTOR).select_related("party").first()
    if link is None:
        raise ValidationFailed(
            "本案没有登记债务人，不能签发凭证。",
            "The case has no debtor on file; no voucher can be issued.",
            code="no_debtor",
        )
    return link.party


def _evidence(case: Case) -> list[dict[str, Any]]:
    """The SHA-256 of the newest version of each evidence item of the case."""
    newest: dict[int, EvidenceVersion] = {}
    for version in EvidenceVersion.objects.filter(item__case=case).select_related("file", "item"):
        if version.item_id not in newest or version.number > newest[version.item_id].number:
            newest[version.item_id] = version
    return [
        {
            "type": v.item.evidence_type,
            "sha256": v.file.sha256,
            "size": v.file.size,
        }
        for v in sorted(newest.values(), key=lambda v: (v.item_id, v.number))
    ]


def voucher_issue(
    *, actor: User, case_id: int, amount: object, due_date: dt.date | None = None
) -> Voucher:
    """Issue a voucher for a receivable of the case: at most what is outstanding, due on
    ``due_date`` (the case's due date when not given)."""
    _require(actor, Perm.VOUCHER_ISSUE)
    case = case_get_for_user(actor, case_id)
    value = _money(amount, "amount")
    if value > case.outstanding:
        raise ValidationFailed(
            "凭证金额不能超过案件的未收余额。",
            "The voucher cannot be for more than the case's outstanding balance.",
            code="amount_above_outstanding",
            details={"field": "amount", "outstanding": f"{case.outstanding:.2f}"},
        )
    due = due_date or case.due_date
    if due is None:
        raise ValidationFailed(
            "请填写到期日。",
            "Enter the due date.",
            code="due_date_required",
            details={"field": "due_date"},
        )
    debtor = _debtor(case)
    today = clock.today()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        number = f"{locked.reference}-V{Voucher.objects.filter(case=locked).count() + 1:02d}"
        document = {
            "format": kernel.FORMAT,
            "number": number,
            "issuer": case.organisation.name,
            "log": settings.QINGQIAN_LOG_ORIGIN,
            "case": case.reference,
            "creditor": {"name": case.creditor.name, "code": case.creditor.identifier_masked},
            "debtor": {"name": debtor.name, "code": debtor.identifier_masked},
            "amount": f"{value:.2f}",
            "currency": case.currency,
            "due_date": due.isoformat(),
            "issue_date": today.isoformat(),
            "evidence": _evidence(case),
        }
        data = canonicalize(document)
        digest = hashlib.sha256(data).hexdigest()
        text = kernel.signed_text(digest)
        voucher = Voucher.objects.create(
            organisation=case.organisation,
            case=locked,
            number=number,
            document=data.decode("utf-8"),
            sha256=digest,
            signature=Note(text, (sign_text(text, log_signer()),)).encode(),
            issued_by=actor,
            created_at=clock.now(),
        )
        _record(voucher, "issued", {"number": number}, actor)
    return voucher


def _one_line(raw: str | None, limit: int, error: ValidationFailed) -> str:
    """``raw`` with its spaces collapsed; ``error`` if that is empty or over ``limit``."""
    text = " ".join((raw or "").split())
    if not text or len(text) > limit:
        raise error
    return text


def _staff_voucher(actor: User, voucher: Voucher) -> Voucher:
    _require(actor, Perm.VOUCHER_ISSUE)
    return voucher_get_for_user(actor, voucher.pk)


def voucher_assign(*, actor: User, voucher: Voucher, assignee: str, code: str = "") -> VoucherEvent:
    """Record the assignment of the claim to ``assignee`` (name, and unified social credit
    code when a company). Not binding on the debtor until notified (Art. 546)."""
    voucher = _staff_voucher(actor, voucher)
    name = _one_line(
        assignee,
        200,
        ValidationFailed(
            "请填写受让人名称（不超过 200 字）。",
            "Enter the assignee's name (at most 200 characters).",
            code="assignee_required",
            details={"field": "assignee"},
        ),
    )
    uscc = normalise_uscc(code) if code.strip() else ""
    with transaction.atomic():
        return _record(voucher, "assigned", {"assignee": name, "code": uscc}, actor)


def voucher_notice_send(*, actor: User, voucher: Voucher, channel: str) -> VoucherEvent:
    """Notify the debtor of the latest assignment through the contact gate (an e-mail or a
    letter from the ``assignment_notice`` template) and record that notice was given. A
    refusal by the gate is raised with its reasons; nothing is recorded then."""
    from qingqian.contact.desk import desk_message_send

    voucher = _staff_voucher(actor, voucher)
    state = voucher_state(voucher)
    if state.notice_given is not False:
        zh, en = STATE_ERRORS["no_assignment_to_notify"]
        raise Conflict(zh, en, code="no_assignment_to_notify")
    case = voucher.case
    sent = desk_message_send(
        case=case,
        party=_debtor(case),
        channel=channel,
        template="assignment_notice",
        actor=actor,
        extra={
            "assignor": voucher.data["creditor"]["name"],
            "assignee": state.holder["name"],
            "voucher": voucher.number,
            "amount": f"{state.remaining:,.2f}",
        },
    )
    if not sent.attempt.allowed:
        raise Conflict(
            "联系规则此时不允许发送通知，请稍后再试。",
            "The contact rules do not allow the notice now; try later.",
            code="notice_refused",
            details={"attempt": sent.attempt.pk},
        )
    with transaction.atomic():
        return _record(
            voucher,
            "notice_given",
            {"channel": channel, "attempt": sent.attempt.pk, "to": sent.attempt.number_masked},
            actor,
        )


def voucher_settle(*, actor: User, voucher: Voucher, amount: object) -> VoucherEvent:
    """Record a settlement (full or partial) of the voucher."""
    voucher = _staff_voucher(actor, voucher)
    value = _money(amount, "amount")
    with transaction.atomic():
        return _record(voucher, "settled", {"amount": f"{value:.2f}"}, actor)


def voucher_cancel(*, actor: User, voucher: Voucher, reason: str) -> VoucherEvent:
    voucher = _staff_voucher(actor, voucher)
    text = _one_line(
        reason,
        300,
        ValidationFailed(
            "请填写作废原因（不超过 300 字）。",
            "Give the reason for cancelling (at most 300 characters).",
            code="reason_required",
            details={"field": "reason"},
        ),
    )
    with transaction.atomic():
        return _record(voucher, "cancelled", {"reason": text}, actor)


# --------------------------------------------------------------------------- the debtor


def _otp_subject(voucher: Voucher, party: Party) -> str:
    return f"voucher:{voucher.pk}:{voucher.sha256[:16]}:{party.pk}"


def _require_debtor(voucher: Voucher, party: Party) -> None:
    if not voucher.case.case_parties.filter(party=party, role=PartyRole.DEBTOR).exists():
        raise PermissionDenied(
            "只有该凭证的债务人可以确认。",
            "Only the voucher's debtor may acknowledge it.",
            code="voucher_not_debtor",
        )


def voucher_ack_code_send(
    *, voucher: Voucher, party: Party, deliver: Callable[[str], None]
) -> None:
    """Send the debtor a one-time code to acknowledge the voucher (``accounts.otp``)."""
    _require_debtor(voucher, party)
    if not voucher_state(voucher).open:
        zh, en = STATE_ERRORS["voucher_closed"]
        raise Conflict(zh, en, code="voucher_closed")
    otp_issue(purpose=OTP_PURPOSE, subject=_otp_subject(voucher, party), deliver=deliver)


def voucher_acknowledge(
    *, voucher: Voucher, party: Party, typed_name: str, code: str, channel: str = "portal"
) -> VoucherEvent:
    """The debtor acknowledges the voucher with a typed name and the one-time code (the
    way the creditor signs the fee agreement). The code is checked in its own transaction,
    so a wrong try counts."""
    _require_debtor(voucher, party)
    name = typed_name_clean(typed_name)
    otp_verify(purpose=OTP_PURPOSE, subject=_otp_subject(voucher, party), code=code)
    with transaction.atomic():
        return _record(voucher, "acknowledged", {"typed_name": name, "channel": channel}, None)


# --------------------------------------------------------------------------- package, PDF


README = """清欠债权凭证 / Qingqian electronic debt voucher {number}
==========================================================

voucher.json 是凭证内容（RFC 8785），voucher.sig 是日志密钥对其 SHA-256 的签名；
entries/ 是凭证的每个事件（签发、确认、转让、通知、清偿、作废）的日志语句及包含证明，
entries/<序号>.details.json 是事件内容，其加盐哈希在语句中。验证：
    qingqian-verify 凭证.pdf --log-key "<公布的日志公钥>"
步骤见 docs/vouchers.md。

voucher.json is the voucher (RFC 8785) and voucher.sig the log key's signature over its
SHA-256; entries/ holds each event's log statement with its inclusion proof and
entries/<index>.details.json the event's details, salted-hashed in the statement. Verify:
    qingqian-verify VOUCHER.pdf --log-key "<the published log key>"
The steps are in docs/vouchers.md.
"""


def voucher_package(voucher: Voucher) -> tuple[bytes, str]:
    """The voucher package (zip) and the QR payload, on the newest checkpoint that covers
    every event (``PackageError`` while none is cosigned by the configured witnesses)."""
    ledger_integrate()
    events = events_of(voucher)
    indices = [e.log_entry.index for e in events]
    if any(i is None for i in indices):  # pragma: no cover (integrated just above)
        raise Conflict("日志尚未写入。", "The log is not written yet.", code="log_pending")
    checkpoint, trusted = export_checkpoint(max(i for i in indices if i is not None) + 1)
    members = log_members(checkpoint, trusted)
    members["README.txt"] = README.format(number=voucher.number).encode()
    members[kernel.DOCUMENT] = voucher.document.encode("utf-8")
    members[kernel.SIGNATURE] = voucher.signature.encode("utf-8")
    listing = []
    for event in events:
        if event.log_entry.index is None or event.log_entry.index >= checkpoint.size:
            continue
        item = entry_members(event.log_entry, checkpoint, members)
        details = f"entries/{event.log_entry.index:012d}.details.json"
        members[details] = event.details.encode("utf-8")
        item["details"] = details
        listing.append(item)
    qr = kernel.qr_payload(
        number=voucher.number,
        digest=voucher.sha256,
        index=listing[0]["index"],  # type: ignore[arg-type]
        size=checkpoint.size,
        root_b64=base64.b64encode(bytes(checkpoint.root_hash)).decode(),
    )
    members[kernel.QR_MEMBER] = qr.encode()
    seal(
        members,
        {"voucher": voucher.number, "checkpoint_size": checkpoint.size, "entries": listing},
    )
    return build_zip(members), qr


def _qr_image(payload: str) -> str:
    import segno

    data_uri: str = segno.make(payload, error="m").png_data_uri(scale=3, border=2)
    return data_uri


def voucher_pdf(voucher: Voucher, *, actor: User | None = None, en: bool = False) -> bytes:
    """The voucher as a PDF with the package attached and the QR code printed."""
    from weasyprint import HTML, Attachment  # heavy import: only when a PDF is asked for

    package, qr = voucher_package(voucher)
    events = events_of(voucher)
    at = voucher.created_at
    with translation.override("en" if en else "zh-hans"):
        html = render_to_string(
            "vouchers/pdf.html",
            {
                "voucher": voucher,
                "doc": voucher.data,
                "state": voucher_state(voucher, events),
                "events": events,
                "qr_image": _qr_image(qr),
                "qr": qr,
                "log_key": log.log_verifier_key().encode(),
            },
        )
    attachment = Attachment(
        file_obj=io.BytesIO(package),
        name=kernel.PACKAGE_NAME,
        description="qingqian voucher package",
        created=at,
        modified=at,
    )
    pdf: bytes = HTML(string=html).write_pdf(attachments=[attachment])
    if actor is not None:
        with transaction.atomic():
            _audit(actor, voucher, "voucher.pdf")
    return pdf


def voucher_json(voucher: Voucher, events: list[VoucherEvent] | None = None) -> dict[str, Any]:
    """The voucher and its derived state for the API and the CLI."""
    events = events_of(voucher) if events is None else events
    state = voucher_state(voucher, events)
    return {
        "id": voucher.pk,
        "number": voucher.number,
        "sha256": voucher.sha256,
        "case_id": voucher.case_id,
        "document": json.loads(voucher.document),
        "status": state.status,
        "holder": state.holder,
        "acknowledged": state.acknowledged,
        "notice_given": state.notice_given,
        "settled": f"{state.settled:.2f}",
        "remaining": f"{state.remaining:.2f}",
        "events": [
            {"seq": e.seq, "kind": e.kind, "at": e.at, "log_index": e.log_entry.index}
            for e in events
        ],
    }
