"""Writes of the consortium: adopting the signed member list, asking about a debtor (PSI,
then the facts from members that hold it), answering members' messages, and withdrawing
answers. Every message in or out is recorded on this side: a ``WireMessage`` row, a ledger
entry (digest, peer and kind, never a code) and an audit row, in one transaction."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from qingqian.accounts.models import Organisation, User
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.consortium import protocol, selectors
from qingqian.consortium.models import (
    Answer,
    AnswerStatus,
    GivenAnswer,
    Member,
    MemberListVersion,
    Query,
    WireMessage,
    Withdrawal,
)
from qingqian.consortium.psi import PsiAsker, PsiError, psi_answer, request_size
from qingqian.consortium.transport import HttpTransport, Transport
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import SignerKey, VerifierKey
from qingqian.ledger.services import ledger_append, statement_build

PATHS = {
    "psi.query": "/consortium/v1/psi",
    "facts.query": "/consortium/v1/facts",
    "answer.withdrawn": "/consortium/v1/withdrawals",
    # h23r: consortium netting rounds (qingqian.consortium.rounds)
    "netting.invite": "/consortium/v1/netting/invite",
    "netting.submit": "/consortium/v1/netting/submit",
    "netting.result": "/consortium/v1/netting/result",
    "netting.decision": "/consortium/v1/netting/decision",
    "netting.final": "/consortium/v1/netting/final",
}
_COUNTED = ("psi.query", "facts.query")


class ConsortiumError(ApplicationError):
    status = 400
    code = "consortium_error"

    @classmethod
    def from_protocol(cls, exc: protocol.ProtocolError | PsiError, status: int = 400) -> Any:
        return cls(exc.message_zh, exc.message_en, code=exc.code, status=status)


# --------------------------------------------------------------------------- keys and list


def own_signer() -> SignerKey:
    return SignerKey.parse(settings.QINGQIAN_CONSORTIUM_SIGNING_KEY)


def _member_list() -> protocol.MemberList:
    current = selectors.member_list_current()
    me = selectors.member_self()
    if current is None or me is None:
        raise ConsortiumError(
            "本机构尚未加入同业共享联盟。",
            "This firm has not joined a consortium.",
            code="not_a_member",
            status=403,
        )
    members = tuple(
        protocol.Member(m.name, m.url, VerifierKey.parse(m.key)) for m in selectors.members_active()
    )
    return protocol.MemberList(current.version, current.convener, members, current.note)


def member_list_publish(*, version: int, members: list[tuple[str, str, str]]) -> str:
    """The convener's signed member list: ``members`` as ``(name, url, verifier key)``."""
    try:
        listed = [protocol.Member(n, u, VerifierKey.parse(k)) for n, u, k in members]
        signed = protocol.member_list_sign(version=version, convener=own_signer(), members=listed)
    except LedgerError as exc:
        raise ConsortiumError(exc.message_zh, exc.message_en, code="key_invalid") from exc
    except protocol.ProtocolError as exc:
        raise ConsortiumError.from_protocol(exc) from exc
    return signed.note


def member_list_adopt(
    *, note: str, convener_key: str, actor: User | None = None
) -> MemberListVersion:
    """Check the convener's signature, that the list is newer than the one in force and
    from the same convener, and that this firm is on it under its own key; then store it,
    log it and make its members the ones messages are accepted from."""
    try:
        listed = protocol.member_list_open(note, VerifierKey.parse(convener_key.strip()))
    except LedgerError as exc:
        raise ConsortiumError(exc.message_zh, exc.message_en, code="key_invalid") from exc
    except protocol.ProtocolError as exc:
        raise ConsortiumError.from_protocol(exc) from exc
    insecure = [m.name for m in listed.members if not _secure(m.url)]
    if insecure:
        raise ConsortiumError(
            "成员之间须使用 HTTPS（本机回环地址和开发模式除外）。",
            "Members must be reached over HTTPS (loopback and development excepted).",
            code="insecure_url",
            details={"members": insecure},
        )
    current = selectors.member_list_current()
    if current is not None and (
        listed.version <= current.version or listed.convener != current.convener
    ):
        raise ConsortiumError(
            "成员名单版本不比现行名单新，或召集方不同。",
            "The list is not newer than the one in force, or has another convener.",
            code="list_stale",
            status=409,
        )
    me = own_signer().verifier()
    if not any(m.key == me for m in listed.members):
        raise ConsortiumError(
            "本机构的公钥不在该名单中。",
            "This firm's key is not on the list.",
            code="not_listed",
        )
    now = clock.now()
    with transaction.atomic():
        row = MemberListVersion.objects.create(
            version=listed.version,
            convener=listed.convener,
            note=listed.note,
            digest=listed.digest,
            adopted_at=now,
        )
        names = []
        for m in listed.members:
            Member.objects.update_or_create(
                name=m.name,
                defaults={
                    "url": m.url,
                    "key": m.key.encode(),
                    "is_self": m.key == me,
                    "active": True,
                    "since_version": listed.version,
                },
            )
            names.append(m.name)
        Member.objects.exclude(name__in=names).update(active=False, is_self=False)
        entry = ledger_append(
            kind="consortium.members",
            case_id=None,
            statement=statement_build(
                "consortium.members",
                {
                    "version": listed.version,
                    "convener": listed.convener,
                    "list_sha256": listed.digest,
                    "members": [f"{m.name}+{m.key.key_id.hex()}" for m in listed.members],
                },
            ),
        )
        row.log_entry_id = entry.pk
        row.save(update_fields=["log_entry_id"])
        audit_record(
            actor=actor,
            organisation=None,
            action="consortium.members_adopt",
            obj=row,
            after={"version": listed.version, "members": names},
        )
    return row


def _secure(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine's loopback, or anything in development."""
    host = urlsplit(url).hostname or ""
    return url.startswith("https://") or host in _LOOPBACK or bool(settings.DEV_MODE)


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


# --------------------------------------------------------------------------- the record


def _record(
    *,
    direction: str,
    member: Member,
    kind: str,
    nonce: str,
    digest: str,
    status: int,
    case_id: int | None = None,
    organisation: Organisation | None = None,
    actor: User | None = None,
) -> WireMessage:
    """One message in or out: its row, ledger entry and audit row. An incoming nonce seen
    before from the same member is a replay (``IntegrityError``; nothing is written)."""
    now = clock.now()
    with transaction.atomic():
        row = WireMessage.objects.create(
            direction=direction,
            member=member,
            kind=kind,
            nonce=nonce,
            digest=digest,
            status=status,
            at=now,
        )
        entry = ledger_append(
            kind=f"consortium.{direction}",
            case_id=case_id,
            statement=statement_build(
                f"consortium.{kind}",
                {
                    "direction": direction,
                    "member": member.name,
                    "nonce": nonce,
                    "message_sha256": digest,
                    "status": status,
                    "at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            ),
        )
        row.log_entry_id = entry.pk
        row.save(update_fields=["log_entry_id"])
        audit_record(
            actor=actor,
            organisation=organisation,
            action="consortium.message_in" if direction == "in" else "consortium.message_out",
            obj=row,
            after={
                "member": member.name,
                "kind": kind,
                "status": status,
                "message_sha256": digest,
            },
        )
    return row


def _nonce() -> str:
    return os.urandom(16).hex()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ConsortiumError("消息内容无效。", "Invalid message body.", code="body_invalid")
    try:
        return base64.b64decode(text.encode(), validate=True)
    except (binascii.Error, ValueError):
        raise ConsortiumError(
            "消息内容无效。", "Invalid message body.", code="body_invalid"
        ) from None


# --------------------------------------------------------------------------- answering


def _rate_check(member: Member, now: dt.datetime) -> None:
    hour = selectors.recent_count(member, _COUNTED, now - dt.timedelta(hours=1))
    day = selectors.recent_count(member, _COUNTED, now - dt.timedelta(days=1))
    if hour >= settings.QINGQIAN_CONSORTIUM_PER_HOUR or day >= settings.QINGQIAN_CONSORTIUM_PER_DAY:
        raise ConsortiumError(
            "查询过于频繁，已达到每个成员的查询上限。",
            "Too many queries: this member's limit is reached.",
            code="rate_limited",
            status=429,
        )


def message_receive(raw: bytes, kind: str) -> bytes:
    """Answer one incoming message of ``kind``: check it, record it, act, sign and record
    the answer. Raises ``ConsortiumError`` (with an HTTP status) to refuse."""
    members = _member_list()
    me = own_signer()
    now = clock.now()
    try:
        message = protocol.message_open(
            raw, members, recipient=me.name, now=protocol.posix(now), kind=kind
        )
    except protocol.ProtocolError as exc:
        status = 401 if exc.code in {"unknown_member", "signature_invalid"} else 400
        raise ConsortiumError.from_protocol(exc, status) from exc
    sender = Member.objects.get(name=message.sender, active=True)
    status = 200
    plan = None
    try:
        if kind in _COUNTED:
            _rate_check(sender, now)
        elif kind.startswith("netting."):
            from qingqian.consortium import rounds

            plan = rounds.receive_check(kind, message, sender)  # checks only, writes nothing
    except ConsortiumError as exc:
        status = exc.status
        refused: ConsortiumError | None = exc
    else:
        refused = None
    try:
        _record(
            direction="in",
            member=sender,
            kind=kind,
            nonce=message.nonce,
            digest=message.digest,
            status=status,
        )
    except IntegrityError:
        raise ConsortiumError(
            "重复的消息（重放）。", "A replayed message.", code="replayed", status=409
        ) from None
    if refused is not None:
        raise refused
    if plan is not None:
        with transaction.atomic():
            body = plan()
    else:
        body = _act(kind, message, sender)
    body["in_reply_to"] = message.digest
    reply_kind = kind.split(".")[0] + ".answer"
    nonce = _nonce()
    signed = protocol.message_sign(
        me,
        kind=reply_kind,
        recipient=sender.name,
        nonce=nonce,
        at=protocol.posix(clock.now()),
        body=body,
    )
    _record(
        direction="out",
        member=sender,
        kind=reply_kind,
        nonce=nonce,
        digest=protocol.message_digest(signed),
        status=200,
    )
    return signed.encode()


def _act(kind: str, message: protocol.Message, sender: Member) -> dict[str, Any]:
    if kind == "psi.query":
        request = _unb64(message.body.get("request"))
        try:
            if request_size(request) > settings.QINGQIAN_CONSORTIUM_CODES_PER_QUERY:
                raise ConsortiumError(
                    "每次查询只能问一个债务人。",
                    "One debtor per query.",
                    code="too_many_codes",
                    status=422,
                )
            setup, response = psi_answer(request, selectors.shared_codes())
        except PsiError as exc:
            raise ConsortiumError.from_protocol(exc, 422) from exc
        return {"setup": _b64(setup), "response": _b64(response)}
    if kind == "facts.query":
        code = message.body.get("code")
        if not isinstance(code, str) or len(code) != 18:
            raise ConsortiumError(
                "统一社会信用代码格式无效。", "Invalid credit code.", code="code_invalid"
            )
        found = selectors.facts_for_code(code)
        if found is None:
            return {"held": False}
        party, facts = found
        with transaction.atomic():
            given = GivenAnswer.objects.create(
                member=sender, party=party, facts=facts, answered_at=clock.now()
            )
            audit_record(
                actor=None,
                organisation=party.organisation,
                action="consortium.answer_give",
                obj=given,
                after={"member": sender.name, "party": party.pk},
            )
        return {"held": True, "answer_id": str(given.pk), "facts": facts}
    if kind == "answer.withdrawn":
        remote = str(message.body.get("answer_id", ""))[:40]
        now = clock.now()
        count = 0
        with transaction.atomic():
            for answer in Answer.objects.filter(
                member=sender, remote_id=remote, withdrawn_at__isnull=True
            ).select_related("query__case"):
                answer.withdrawn_at = now
                answer.save(update_fields=["withdrawn_at"])
                audit_record(
                    actor=None,
                    organisation=answer.query.case.organisation,
                    action="consortium.answer_withdrawn",
                    obj=answer,
                    after={"member": sender.name},
                )
                count += 1
        return {"withdrawn": count}
    raise ConsortiumError("未知的消息类型。", "Unknown message kind.", code="wrong_kind")


# --------------------------------------------------------------------------- asking


def _exchange(
    *,
    transport: Transport,
    peer: Member,
    kind: str,
    body: dict[str, Any],
    case: Case | None = None,
    actor: User | None = None,
) -> protocol.Message:
    """Send one signed message to ``peer`` and return its checked, signed answer; both are
    recorded here. Raises ``ConsortiumError`` or ``OSError``."""
    me = own_signer()
    nonce = _nonce()
    signed = protocol.message_sign(
        me, kind=kind, recipient=peer.name, nonce=nonce, at=protocol.posix(clock.now()), body=body
    )
    digest = protocol.message_digest(signed)
    organisation = case.organisation if case is not None else None
    case_id = case.pk if case is not None else None
    try:
        status, data = transport.post(peer.url.rstrip("/") + PATHS[kind], signed.encode())
    except OSError:
        status, data = 0, b""  # unreachable: recorded as sent with status 0, then raised
    _record(
        direction="out",
        member=peer,
        kind=kind,
        nonce=nonce,
        digest=digest,
        status=status,
        case_id=case_id,
        organisation=organisation,
        actor=actor,
    )
    if status == 0:
        raise OSError(f"member {peer.name} unreachable")
    if status != 200:
        raise ConsortiumError(
            f"成员 {peer.name} 拒绝了请求（{status}）。",
            f"Member {peer.name} refused the request ({status}).",
            code=_refusal_code(data),
            status=502,
        )
    try:
        reply = protocol.message_open(
            data,
            _member_list(),
            recipient=me.name,
            now=protocol.posix(clock.now()),
            kind=kind.split(".")[0] + ".answer",
        )
    except protocol.ProtocolError as exc:
        raise ConsortiumError.from_protocol(exc, 502) from exc
    if reply.sender != peer.name or reply.body.get("in_reply_to") != digest:
        raise ConsortiumError(
            "回答与请求不对应。", "The answer is not for this request.", code="reply_mismatch"
        )
    try:
        _record(
            direction="in",
            member=peer,
            kind=reply.kind,
            nonce=reply.nonce,
            digest=reply.digest,
            status=200,
            case_id=case_id,
            organisation=organisation,
            actor=actor,
        )
    except IntegrityError:
        raise ConsortiumError(
            "重复的回答（重放）。", "A replayed answer.", code="replayed"
        ) from None
    return reply


def _refusal_code(data: bytes) -> str:
    import json

    try:
        code = json.loads(data).get("code", "")
    except (ValueError, AttributeError):
        return "refused"
    return str(code)[:40] or "refused"


def consortium_ask(
    *, case: Case, actor: User | None, transport: Transport | None = None
) -> list[Query]:
    """Ask every other member about each company debtor of ``case``: a PSI query first
    (the member learns nothing of the debtor unless it holds it), then, from the members
    that hold it, the facts. One ``Query`` per debtor, one ``Answer`` per member."""
    parties = selectors.case_company_debtors(case)
    if not parties:
        raise ValidationFailed(
            "只能查询有统一社会信用代码的企业债务人；自然人和个体工商户不共享。",
            "Only company debtors with a credit code can be asked about; people and individual "
            "businesses are never shared.",
            code="company_only",
        )
    if selectors.member_self() is None:
        raise ConsortiumError(
            "本机构尚未加入同业共享联盟。",
            "This firm has not joined a consortium.",
            code="not_joined",
            status=409,
        )
    peers = [m for m in selectors.members_active() if not m.is_self]
    if not peers:
        raise ValidationFailed(
            "联盟中没有其他成员。", "The consortium has no other member.", code="no_members"
        )
    transport = transport or HttpTransport(settings.QINGQIAN_CONSORTIUM_TIMEOUT)
    queries = []
    for party in parties:
        with transaction.atomic():
            query = Query.objects.create(
                case=case, party=party, asked_by=actor, asked_at=clock.now()
            )
            audit_record(
                actor=actor,
                organisation=case.organisation,
                action="consortium.query",
                obj=query,
                after={"party": party.pk, "members": [p.name for p in peers]},
            )
        for peer in peers:
            _ask_one(query=query, peer=peer, transport=transport, actor=actor)
        queries.append(query)
    return queries


def _ask_one(*, query: Query, peer: Member, transport: Transport, actor: User | None) -> Answer:
    code = query.party.credit_code
    status, remote, facts, error = AnswerStatus.FAILED, "", {}, ""
    try:
        asker = PsiAsker([code])
        reply = _exchange(
            transport=transport,
            peer=peer,
            kind="psi.query",
            body={"request": _b64(asker.request())},
            case=query.case,
            actor=actor,
        )
        matched = asker.matches(_unb64(reply.body.get("setup")), _unb64(reply.body.get("response")))
        if not matched:
            status = AnswerStatus.NOT_HELD
        else:
            detail = _exchange(
                transport=transport,
                peer=peer,
                kind="facts.query",
                body={"code": code},
                case=query.case,
                actor=actor,
            )
            if detail.body.get("held") is True and isinstance(detail.body.get("facts"), dict):
                status = AnswerStatus.HELD
                remote = str(detail.body.get("answer_id", ""))[:40]
                facts = detail.body["facts"]
            else:
                status = AnswerStatus.NOT_HELD
    except ConsortiumError as exc:
        error = exc.code
    except PsiError as exc:
        error = exc.code
    except OSError:
        error = "unreachable"
    return Answer.objects.create(
        query=query,
        member=peer,
        status=status,
        remote_id=remote,
        facts=facts,
        error_code=error,
        received_at=clock.now(),
    )


# --------------------------------------------------------------------------- withdrawing


def answer_withdraw(
    *, given: GivenAnswer, actor: User | None, transport: Transport | None = None
) -> int:
    """The debt was paid: take the debtor out of the shared list and withdraw every answer
    given about it; each member that received one is told (signed). Returns how many
    withdrawals were delivered (undelivered ones are retried by ``withdrawals_deliver``)."""
    now = clock.now()
    with transaction.atomic():
        Withdrawal.objects.get_or_create(party=given.party, defaults={"at": now, "by": actor})
        rows = list(GivenAnswer.objects.filter(party=given.party, withdrawn_at__isnull=True))
        for row in rows:
            row.withdrawn_at = now
            row.withdrawn_by = actor
            row.save(update_fields=["withdrawn_at", "withdrawn_by"])
            audit_record(
                actor=actor,
                organisation=given.party.organisation,
                action="consortium.answer_withdraw",
                obj=row,
                after={"member": row.member.name},
            )
    return withdrawals_deliver(transport=transport)


def withdrawals_deliver(*, transport: Transport | None = None) -> int:
    """Send every withdrawal not yet delivered; returns how many were."""
    transport = transport or HttpTransport(settings.QINGQIAN_CONSORTIUM_TIMEOUT)
    delivered = 0
    pending = GivenAnswer.objects.filter(
        withdrawn_at__isnull=False, delivered_at__isnull=True, member__active=True
    ).select_related("member")
    for row in pending:
        try:
            _exchange(
                transport=transport,
                peer=row.member,
                kind="answer.withdrawn",
                body={"answer_id": str(row.pk)},
            )
        except (ConsortiumError, OSError):
            continue
        row.delivered_at = clock.now()
        row.save(update_fields=["delivered_at"])
        delivered += 1
    return delivered
