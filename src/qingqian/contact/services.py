"""The contact gate: every outbound contact attempt is decided and recorded here.

``contact_attempt_authorize`` reads the person's contact history and the holds in force from
the database, asks the pure ``contact.policy.decide`` and records the decision (allowed or
denied) as a :class:`ContactAttempt` citing the policy version and the deciding rule. It runs
in one transaction holding a row lock per person and per number (:class:`ContactLock`), so
concurrent dialers and workers asking about one person are serialised and can never push
that person past a cap. Nothing reaches a channel without an allowed attempt
(``contact.channels.deliver`` checks).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.cases.models import Case, CaseParty
from qingqian.cases.services import timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingqian.compliance.services import audit_record
from qingqian.contact import policy as pol
from qingqian.contact.models import (
    ContactAttempt,
    ContactHold,
    ContactLock,
    ContactPolicy,
    HoldKind,
    Purpose,
)
from qingqian.contact.presets import PRESETS
from qingqian.parties.identifiers import mask, normalise_phone
from qingqian.parties.models import Party

DEFAULT_POLICY = "cn-default"
PHONE_CHANNELS = frozenset({"voice", "robot", "sms"})

# Which kernel hold a database hold is.
HOLD_KERNEL_KIND: dict[str, pol.HoldKind] = {
    HoldKind.CEASE: pol.HoldKind.CEASE_CONTACT,
    HoldKind.DISPUTE: pol.HoldKind.DISPUTE,
    HoldKind.COMPLAINT: pol.HoldKind.DISPUTE,
    HoldKind.VULNERABILITY: pol.HoldKind.DISTRESS,
    HoldKind.REPRESENTATION: pol.HoldKind.LAWYER,
    HoldKind.REFUSED_MEDIUM: pol.HoldKind.REFUSED_MEDIUM,
}

# Outcomes that make sense for each channel.
CHANNEL_OUTCOMES: dict[str, frozenset[str]] = {
    "voice": frozenset({"connected", "no_answer", "busy", "voicemail", "refused"}),
    "robot": frozenset({"connected", "no_answer", "busy", "voicemail", "refused"}),
    "sms": frozenset({"delivered", "bounced", "refused"}),
    "email": frozenset({"delivered", "bounced", "refused"}),
    "letter": frozenset({"delivered", "bounced", "refused"}),
    "visit": frozenset({"connected", "no_answer", "refused"}),
}

# Roles that may lift a hold; a vulnerability or complaint hold only compliance or an admin.
_LIFT_ROLES = frozenset({Role.COMPLIANCE, Role.ADMIN, Role.LAWYER})
_LIFT_STRICT = frozenset({HoldKind.VULNERABILITY, HoldKind.COMPLAINT})
_LIFT_STRICT_ROLES = frozenset({Role.COMPLIANCE, Role.ADMIN})

SYSTEM_ACTOR_PREFIX = "contact-robot@"


# --------------------------------------------------------------------------- policies

_parsed: dict[int, pol.Policy] = {}
_parsed_lock = threading.Lock()


def contact_policy_name() -> str:
    return str(getattr(settings, "QINGQIAN_CONTACT_POLICY", DEFAULT_POLICY))


# The gate re-reads which version is in force at most this often (a newly published version
# governs every decision within this time); ``contact_policy_publish`` clears it at once.
CURRENT_TTL_SECONDS = 2.0
_current: dict[str, tuple[float, ContactPolicy]] = {}


def contact_policy_in_force(name: str | None = None) -> tuple[ContactPolicy, pol.Policy]:
    """Like :func:`contact_policy_current`, cached for ``CURRENT_TTL_SECONDS`` (the gate)."""
    name = name or contact_policy_name()
    now = time.monotonic()
    hit = _current.get(name)
    if hit is not None and now - hit[0] < CURRENT_TTL_SECONDS:
        return hit[1], _policy_of(hit[1])
    row, parsed = contact_policy_current(name)
    _current[name] = (now, row)
    return row, parsed


def contact_policy_current(name: str | None = None) -> tuple[ContactPolicy, pol.Policy]:
    """The version in force of ``name`` (the highest), with its parsed kernel policy."""
    name = name or contact_policy_name()
    row = ContactPolicy.objects.filter(name=name).order_by("-version").first()
    if row is None and name in PRESETS:
        # The data migration seeds the presets; a flushed database gets them back here.
        row, _ = ContactPolicy.objects.get_or_create(
            name=name,
            version=PRESETS[name].version,
            defaults={"data": PRESETS[name].to_dict(), "note": "preset"},
        )
    if row is None:
        raise NotFound(
            f"联系政策不存在：{name}",
            f"No contact policy named {name}.",
            code="contact_policy_not_found",
            details={"name": name},
        )
    return row, _policy_of(row)


def _policy_of(row: ContactPolicy) -> pol.Policy:
    parsed = _parsed.get(row.pk)
    if parsed is None:
        parsed = row.policy()
        with _parsed_lock:
            _parsed[row.pk] = parsed
    return parsed


def contact_policy_publish(
    *, name: str, data: dict[str, Any], actor: User | None, note: str = ""
) -> ContactPolicy:
    """Save ``data`` as the next version of ``name`` (validated by the kernel first)."""
    if actor is not None and actor.role not in (Role.COMPLIANCE, Role.ADMIN):
        raise PermissionDenied(
            "只有合规专员或管理员可以修订联系政策。",
            "Only a compliance officer or an administrator may revise a contact policy.",
            code="contact_policy_forbidden",
        )
    with transaction.atomic():
        last = (
            ContactPolicy.objects.select_for_update().filter(name=name).order_by("-version").first()
        )
        version = (last.version if last else 0) + 1
        body = dict(data)
        body["name"] = name
        body["version"] = version
        parsed = pol.Policy.from_dict(body)  # raises ContactPolicyError on bad data
        row = ContactPolicy.objects.create(
            name=name, version=version, data=parsed.to_dict(), note=note[:300], created_by=actor
        )
        audit_record(
            actor=actor,
            organisation=actor.organisation if actor is not None else None,
            action="contact.policy_publish",
            obj=row,
            before={"version": last.label} if last else None,
            after={"version": row.label, "note": row.note},
        )
        _current.pop(name, None)
        transaction.on_commit(lambda: _current.pop(name, None))
    return row


# --------------------------------------------------------------------------- actors


def contact_system_actor(*, organisation: Organisation) -> User:
    """The account robots and automated senders act under (cannot log in)."""
    user, created = User.objects.get_or_create(
        username=f"{SYSTEM_ACTOR_PREFIX}{organisation.short_code}",
        defaults={
            "organisation": organisation,
            "role": Role.COLLECTOR,
            "is_active": False,
            "first_name": "机器人",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_actor(user: User) -> bool:
    return user.username.startswith(SYSTEM_ACTOR_PREFIX) and not user.is_active


def _actors(actor: Any) -> list[User]:
    if isinstance(actor, User):
        return [actor]
    if isinstance(actor, Sequence) and actor and all(isinstance(a, User) for a in actor):
        return list(actor)
    raise ValidationFailed(
        "联系必须由一名用户（或外访的一组用户）发起。",
        "A contact needs an acting user (or, for a visit, a team of users).",
        code="contact_actor_missing",
    )


# --------------------------------------------------------------------------- the gate


def recipient_key(channel: str, raw: str) -> tuple[str, str]:
    """(look-up hash, masked form) of a phone number, e-mail or postal address."""
    raw = raw.strip()
    if channel in PHONE_CHANNELS:
        normal = normalise_phone(raw)
        return crypto.lookup_hash(normal), mask(normal, 6, 2)
    normal = raw.lower() if channel == "email" else " ".join(raw.split())
    shown = mask(normal, 2, 4) if channel == "email" else mask(normal, 4, 0)
    return crypto.lookup_hash(f"{channel}:{normal}"), shown


def _number_of(party: Party, channel: str, number: str | None) -> tuple[str, str]:
    """(look-up hash, masked form) of the number or address contacted; never the clear value."""
    if number is not None and number.strip():
        return recipient_key(channel, number)
    if channel in PHONE_CHANNELS and party.phone_hash:
        return party.phone_hash, party.phone_masked
    return "", ""


def _lock(keys: list[str]) -> None:
    keys = sorted(set(keys))
    got = list(ContactLock.objects.select_for_update().filter(key__in=keys).order_by("key"))
    if len(got) < len(keys):
        ContactLock.objects.bulk_create([ContactLock(key=k) for k in keys], ignore_conflicts=True)
        list(ContactLock.objects.select_for_update().filter(key__in=keys).order_by("key"))


def _history(
    *, organisation_id: int, party: Party, number_hash: str, since: dt.datetime
) -> list[pol.Attempt]:
    who = Q(party=party)
    if number_hash:
        who |= Q(number_hash=number_hash)
    rows = (
        ContactAttempt.objects.filter(who, organisation_id=organisation_id, allowed=True)
        .filter(Q(at__gte=since) | Q(outcome="refused") | Q(party_role="third_party"))
        .values_list("at", "channel", "outcome", "party_role", "number_hash", "party_id", "case_id")
    )
    return [
        pol.Attempt(
            at=at,
            channel=pol.Channel(channel),
            outcome=pol.Outcome(outcome) if outcome else None,
            party_role=pol.PartyRole(role),
            number=nh or None,
            party_id=str(pid),
            debt_id=str(cid),
        )
        for at, channel, outcome, role, nh, pid, cid in rows
    ]


def contact_holds_active(*, case: Case, party: Party | None) -> list[ContactHold]:
    q = Q(party__isnull=True, case=case)
    if party is not None:
        q |= Q(party=party)
    return list(
        ContactHold.objects.filter(q, organisation_id=case.organisation_id, lifted_at__isnull=True)
    )


def kernel_hold(h: ContactHold) -> pol.Hold:
    """A hold not lifted is in force, whatever time the question is asked about."""
    return pol.Hold(
        kind=HOLD_KERNEL_KIND[h.kind],
        party_id=str(h.party_id) if h.party_id else None,
        channel=pol.Channel(h.channel) if h.channel else None,
    )


def _enum(value: str, kind: type[Any], field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationFailed(
            f"{field} 取值无效：{value!r}（可选：{allowed}）",
            f"{field} has an unknown value: {value!r} (one of: {allowed})",
            code=f"unknown_{field}",
            details={"field": field, "value": value},
        ) from None


def contact_attempt_authorize(
    *,
    case: Case,
    party: Party,
    channel: str,
    actor: Any,
    at: dt.datetime | None = None,
    number: str | None = None,
    party_role: str = "debtor",
    purpose: str = "collection",
) -> ContactAttempt:
    """Decide one contact attempt with the policy in force and record the decision.

    ``actor`` is the user who will make the contact (a collector, or the system actor for
    robots and automated messages); for a field visit, a list of the visiting collectors.
    Returns the recorded attempt: ``allowed``, ``reasons`` (``[{code, message, …}]``),
    ``policy_version`` and ``rule``. A denied attempt is a normal answer, not an error.
    """
    chan = _enum(channel, pol.Channel, "channel")
    role = _enum(party_role, pol.PartyRole, "party_role")
    purp = _enum(purpose, Purpose, "purpose")
    team = _actors(actor)
    at = at or clock.now()
    if at.tzinfo is None:
        raise ValidationFailed(
            "时间必须带时区。", "The time needs a UTC offset.", code="naive_datetime"
        )
    for user in team:
        if user.organisation_id != case.organisation_id:
            raise PermissionDenied(
                "该用户不属于本案件的机构。",
                "The acting user is not in this case's organisation.",
                code="contact_actor_forbidden",
            )
        if not user.is_active and not is_system_actor(user):
            raise PermissionDenied(
                "该用户已停用。", "The acting user is deactivated.", code="contact_actor_inactive"
            )
    if party.organisation_id != case.organisation_id:
        raise NotFound("当事人不存在。", "Party not found.", code="party_not_found")
    if role is not pol.PartyRole.THIRD_PARTY:
        linked = CaseParty.objects.filter(case=case, party=party, role=role.value).exists()
        if not linked:
            raise ValidationFailed(
                f"该当事人不是本案的{'债务人' if role is pol.PartyRole.DEBTOR else '担保人'}。",
                f"The party is not a {role.value} of this case.",
                code="party_role_mismatch",
                details={"party_id": party.pk, "party_role": role.value},
            )
    number_hash, number_masked = _number_of(party, chan.value, number)
    today = clock.today()
    collectors = tuple(
        u.cert_expires if u.certification_valid_on(today) else None
        for u in team
        if not is_system_actor(u)
    )
    request = pol.ContactRequest(
        channel=chan,
        party_role=role,
        number=number_hash or None,
        party_id=str(party.pk),
        debt_id=str(case.pk),
        collectors=collectors,
        legal_notice=purp is Purpose.LEGAL_NOTICE,
        # Every channel template carries the opt-out line the policy asks for, and
        # ``channels.deliver`` refuses a message without it.
        opt_out_line=True,
    )
    row, policy = contact_policy_in_force()
    lead = team[0]
    with transaction.atomic():
        _lock([f"party:{party.pk}"] + ([f"number:{number_hash}"] if number_hash else []))
        since = at - dt.timedelta(days=policy.horizon_days + 2)
        history = _history(
            organisation_id=case.organisation_id,
            party=party,
            number_hash=number_hash,
            since=since,
        )
        holds = [kernel_hold(h) for h in contact_holds_active(case=case, party=party)]
        decision = pol.decide(policy, request, history, holds, at)
        attempt = ContactAttempt.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            party=party,
            party_role=role.value,
            channel=chan.value,
            purpose=purp.value,
            actor=lead,
            actor_label=",".join(u.get_username() for u in team),
            at=at,
            allowed=decision.allowed,
            rule=decision.rule,
            reasons=[r.as_dict() for r in decision.reasons],
            policy=row,
            policy_version=decision.policy_version,
            number_hash=number_hash,
            number_masked=number_masked,
        )
    return attempt


def contact_outcome_record(
    *, attempt: ContactAttempt, outcome: str, at: dt.datetime | None = None, actor: Any = None
) -> ContactAttempt:
    """Record what happened on an allowed attempt (once), with a timeline and an audit row."""
    value = _enum(outcome, pol.Outcome, "outcome")
    at = at or clock.now()
    with transaction.atomic():
        locked = ContactAttempt.objects.select_for_update().get(pk=attempt.pk)
        if not locked.allowed:
            raise Conflict(
                "该联系尝试未获准许，不能登记结果。",
                "The attempt was denied; it has no outcome to record.",
                code="contact_attempt_denied",
                details={"attempt_id": locked.pk},
            )
        if locked.outcome:
            raise Conflict(
                f"该联系尝试已登记结果：{locked.outcome}",
                f"The attempt already has an outcome: {locked.outcome}",
                code="contact_outcome_recorded",
                details={"attempt_id": locked.pk, "outcome": locked.outcome},
            )
        if value.value not in CHANNEL_OUTCOMES[locked.channel]:
            raise ValidationFailed(
                f"渠道 {locked.channel} 没有结果 {value.value}。",
                f"The {locked.channel} channel has no outcome {value.value}.",
                code="outcome_not_for_channel",
                details={"channel": locked.channel, "outcome": value.value},
            )
        if at < locked.at:
            raise ValidationFailed(
                "结果时间早于联系时间。",
                "The outcome is dated before the attempt.",
                code="outcome_before_attempt",
            )
        locked.outcome = value.value
        locked.outcome_at = at
        locked.save(update_fields=["outcome", "outcome_at"])
        user = actor if isinstance(actor, User) else locked.actor
        case = Case.objects.get(pk=locked.case_id)
        timeline_add(
            case=case,
            actor=user,
            kind="contact_outcome",
            note=f"{locked.channel} #{locked.pk} → {value.value} ({locked.number_masked or '-'})",
        )
        audit_record(
            actor=user,
            organisation=case.organisation,
            action="contact.outcome",
            obj=locked,
            after={"outcome": value.value, "outcome_at": at.isoformat()},
        )
    attempt.outcome, attempt.outcome_at = locked.outcome, locked.outcome_at
    return locked


def _hold_snapshot(h: ContactHold) -> dict[str, Any]:
    return {
        "kind": h.kind,
        "party_id": h.party_id,
        "channel": h.channel,
        "reason": h.reason,
        "placed_at": h.placed_at.isoformat(),
        "lifted_at": h.lifted_at.isoformat() if h.lifted_at else None,
        "lift_reason": h.lift_reason,
    }


def contact_hold_place(
    *,
    case: Case,
    party: Party | None,
    kind: str,
    actor: User | None,
    reason: str = "",
    channel: str = "",
) -> ContactHold:
    """Stop contact with ``party`` (or everyone on ``case`` when ``None``) until lifted.

    Any staff member who can see the case may place a hold: stopping contact is always safe.
    A ``refused_medium`` hold names the refused ``channel``.
    """
    hold_kind = _enum(kind, HoldKind, "kind")
    if hold_kind == HoldKind.REFUSED_MEDIUM or channel:
        chan = _enum(channel, pol.Channel, "channel").value
    else:
        chan = ""
    if party is not None and party.organisation_id != case.organisation_id:
        raise NotFound("当事人不存在。", "Party not found.", code="party_not_found")
    with transaction.atomic():
        hold = ContactHold.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            party=party,
            kind=hold_kind.value,
            channel=chan,
            reason=reason.strip()[:2000],
            placed_by=actor,
            placed_at=clock.now(),
        )
        who = party.name if party is not None else "全部当事人"
        timeline_add(
            case=case,
            actor=actor,
            kind="contact_hold_placed",
            note=f"{hold_kind.label}：{who}{f'（{chan}）' if chan else ''} {hold.reason}".strip(),
        )
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="contact.hold_place",
            obj=hold,
            after=_hold_snapshot(hold),
        )
    return hold


def contact_hold_lift(*, hold: ContactHold, actor: User, reason: str) -> ContactHold:
    """Lift a hold (compliance, an admin or a lawyer; a vulnerability or complaint hold only
    compliance or an admin), saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "解除暂停必须说明原因。", "Say why the hold is lifted.", code="lift_reason_missing"
        )
    allowed = _LIFT_STRICT_ROLES if hold.kind in _LIFT_STRICT else _LIFT_ROLES
    if not actor.is_active or actor.role not in allowed:
        raise PermissionDenied(
            "您无权解除此类联系暂停。",
            "You may not lift this kind of hold.",
            code="hold_lift_forbidden",
            details={"kind": hold.kind},
        )
    if actor.organisation_id != hold.organisation_id:
        raise NotFound("暂停不存在。", "Hold not found.", code="hold_not_found")
    with transaction.atomic():
        locked = ContactHold.objects.select_for_update().get(pk=hold.pk)
        if locked.lifted_at is not None:
            raise Conflict("该暂停已解除。", "The hold is already lifted.", code="hold_lifted")
        before = _hold_snapshot(locked)
        locked.lifted_at = clock.now()
        locked.lifted_by = actor
        locked.lift_reason = reason[:2000]
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        case = Case.objects.get(pk=locked.case_id)
        timeline_add(
            case=case,
            actor=actor,
            kind="contact_hold_lifted",
            note=f"{HoldKind(locked.kind).label}：{reason}",
        )
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="contact.hold_lift",
            obj=locked,
            before=before,
            after=_hold_snapshot(locked),
        )
    return locked
