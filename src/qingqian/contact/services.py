"""The contact gate: every outbound contact attempt is decided and recorded here.

``contact_attempt_authorize`` reads the person's contact history and the holds in force from
the database, asks the pure ``contact.policy.decide`` and records the decision (allowed or
denied) as a :class:`ContactAttempt` citing the policy version and the deciding rule. It runs
in one transaction holding a lock per person and per number (an advisory lock on PostgreSQL,
a :class:`ContactLock` row elsewhere), so concurrent dialers and workers asking about one
person are serialised and can never push that person past a cap. Nothing reaches a channel
without an allowed attempt (``contact.channels.deliver`` checks).

On PostgreSQL a decision is two round trips: ``BEGIN; locks; the one query`` (everything the
decision needs, see ``_fetch_sql``) and ``INSERT … RETURNING; COMMIT``, with the statements
prepared once per connection (not behind a transaction-mode pooler: ``QINGQIAN_DB_POOLED``).
``contact_attempts_authorize_many`` decides a dialer's batch the same way in one
transaction. ``docs/contact-gate.md`` §2 describes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q
from django.db.models.base import ModelState

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm, Role
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case, CaseParty
from qingqian.cases.services import timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.contact import policy as pol
from qingqian.contact.models import (
    CHANNEL_LABELS,
    ContactAttempt,
    ContactHold,
    ContactLock,
    ContactPolicy,
    ContactUnreachable,
    HoldKind,
    Purpose,
)
from qingqian.contact.presets import PRESETS
from qingqian.parties.identifiers import mask, normalise_phone, phone_kind
from qingqian.parties.models import DEFAULT_TIMEZONE, Party

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

#: The timeline's words for a recorded outcome (a note shows no raw code).
OUTCOME_WORDS: dict[str, str] = {
    "connected": "接通",
    "no_answer": "无人接听",
    "busy": "占线",
    "voicemail": "转入语音信箱",
    "delivered": "已送达",
    "bounced": "被退回",
    "refused": "拒绝",
}

# A vulnerability or complaint hold needs the stricter permission to lift.
_LIFT_STRICT = frozenset({HoldKind.VULNERABILITY, HoldKind.COMPLAINT})

SYSTEM_ACTOR_PREFIX = "contact-robot@"


# --------------------------------------------------------------------------- policies

_parsed: dict[tuple[int, dt.datetime], pol.Policy] = {}
_parsed_lock = threading.Lock()


def contact_policy_name() -> str:
    return str(getattr(settings, "QINGQIAN_CONTACT_POLICY", DEFAULT_POLICY))


_UNSET = object()

# The gate re-reads which version is in force at most this often (a newly published version
# governs every decision within this time); ``contact_policy_publish`` clears it at once.
CURRENT_TTL_SECONDS = 2.0
_current: dict[tuple[int | None, str], tuple[float, ContactPolicy]] = {}


def _org_id(organisation: Organisation | int | None) -> int | None:
    if organisation is None or isinstance(organisation, int):
        return organisation
    return organisation.pk


def contact_policy_in_force(
    name: str | None = None, organisation: Organisation | int | None = None
) -> tuple[ContactPolicy, pol.Policy]:
    """Like :func:`contact_policy_current`, cached for ``CURRENT_TTL_SECONDS`` (the gate)."""
    name = name or contact_policy_name()
    key = (_org_id(organisation), name)
    now = time.monotonic()
    hit = _current.get(key)
    if hit is not None and now - hit[0] < CURRENT_TTL_SECONDS:
        return hit[1], _policy_of(hit[1])
    row, parsed = contact_policy_current(name, organisation)
    _current[key] = (now, row)
    return row, parsed


def _platform_current(name: str) -> ContactPolicy | None:
    row = (
        ContactPolicy.objects.filter(organisation__isnull=True, name=name)
        .order_by("-version")
        .first()
    )
    if row is None and name in PRESETS:
        # The data migration seeds the presets; a flushed database gets them back here.
        row, _ = ContactPolicy.objects.get_or_create(
            organisation=None,
            name=name,
            version=PRESETS[name].version,
            defaults={"data": PRESETS[name].to_dict(), "note": "preset"},
        )
    return row


def contact_policy_current(
    name: str | None = None, organisation: Organisation | int | None = None
) -> tuple[ContactPolicy, pol.Policy]:
    """The version in force of ``name`` for ``organisation`` (its own highest version, else
    the platform's), with its parsed kernel policy. ``None``: the platform's."""
    name = name or contact_policy_name()
    org = _org_id(organisation)
    row = None
    if org is not None:  # its own highest version, else the platform's: one query
        row = (
            ContactPolicy.objects.filter(
                Q(organisation_id=org) | Q(organisation__isnull=True), name=name
            )
            .order_by(F("organisation_id").asc(nulls_last=True), "-version")
            .first()
        )
    if row is None:
        row = _platform_current(name)
    if row is None:
        raise NotFound(
            f"联系政策不存在：{name}",
            f"No contact policy named {name}.",
            code="contact_policy_not_found",
            details={"name": name},
        )
    return row, _policy_of(row)


def contact_policy_floor(name: str) -> pol.Policy | None:
    """The legal floor of ``name``: its preset, else the platform's version in force, else
    the preset of the configured policy (a new name is held to the same law)."""
    if name in PRESETS:
        return PRESETS[name]
    row = _platform_current(name)
    if row is not None:
        return row.policy()
    return PRESETS.get(contact_policy_name())


def _policy_of(row: ContactPolicy) -> pol.Policy:
    # Keyed by id and creation instant: a version is never edited, but on SQLite a rolled-back
    # publish gives its id to the next version, which must not inherit the parse.
    key = (row.pk, row.created_at)
    parsed = _parsed.get(key)
    if parsed is None:
        parsed = row.policy()
        with _parsed_lock:
            _parsed[key] = parsed
    return parsed


def contact_policy_check_floor(policy: pol.Policy) -> None:
    """Refuse (422 ``contact_policy_below_floor``) a version that loosens the legal floor."""
    floor = contact_policy_floor(policy.name)
    loose = pol.loosened(floor, policy) if floor is not None else []
    if loose:
        raise ValidationFailed(
            f"该版本放宽了法定底线，不能发布：{'、'.join(loose)}",
            f"This version loosens the legal floor and cannot be published: {', '.join(loose)}",
            code="contact_policy_below_floor",
            details={"rules": loose, "floor": floor.label if floor else None},
        )


def contact_policy_publish(
    *,
    name: str,
    data: dict[str, Any],
    actor: User | None,
    note: str = "",
    organisation: Organisation | int | object | None = _UNSET,
) -> ContactPolicy:
    """Save ``data`` as the next version of ``name`` for the actor's organisation (validated
    by the kernel first; refused with 422 ``contact_policy_below_floor`` when it loosens the
    legal floor). ``organisation`` may be given only by a system job (``actor=None``): an
    organisation's id, or ``None`` for the platform's own version."""
    if actor is not None and not actor.has_perm_code(Perm.POLICY_EDIT):
        raise PermissionDenied(
            "只有合规专员或管理员可以修订联系政策。",
            "Only a compliance officer or an administrator may revise a contact policy.",
            code="contact_policy_forbidden",
        )
    if actor is not None:
        if organisation is not _UNSET and _org_id(organisation) != actor.organisation_id:  # type: ignore[arg-type]
            raise PermissionDenied(
                "只能修订本机构的联系政策。",
                "You may revise only your own organisation's contact policy.",
                code="contact_policy_forbidden",
            )
        if actor.organisation_id is None:
            raise PermissionDenied(
                "没有所属机构的用户不能修订联系政策。",
                "A user with no organisation cannot revise a contact policy.",
                code="contact_policy_forbidden",
            )
        org: int | None = actor.organisation_id
    else:
        org = None if organisation is _UNSET else _org_id(organisation)  # type: ignore[arg-type]
    with transaction.atomic():
        mine = ContactPolicy.objects.select_for_update().filter(name=name)
        mine = (
            mine.filter(organisation_id=org)
            if org is not None
            else mine.filter(organisation__isnull=True)
        )
        last = mine.order_by("-version").first()
        in_force = last
        if in_force is None and org is not None:
            in_force = _platform_current(name)
        # An organisation's first version follows the platform's numbering.
        version = (in_force.version if in_force else 0) + 1
        body = dict(data)
        body["name"] = name
        body["version"] = version
        parsed = pol.Policy.from_dict(body)  # raises ContactPolicyError on bad data
        contact_policy_check_floor(parsed)
        row = ContactPolicy.objects.create(
            organisation_id=org,
            name=name,
            version=version,
            data=parsed.to_dict(),
            note=note[:300],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            organisation=Organisation(pk=org) if org is not None else None,
            action="contact.policy_publish",
            obj=row,
            before={"version": in_force.label} if in_force else None,
            after={"version": row.label, "note": row.note},
        )
        _current.clear()
        transaction.on_commit(_current.clear)
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
        if channel in PHONE_CHANNELS and "@" in number:
            # An e-mail address is no telephone number: judged (and refused) by its kind.
            return recipient_key("email", number)
        return recipient_key(channel, number)
    if channel in PHONE_CHANNELS and party.phone_hash:
        return party.phone_hash, party.phone_masked
    if channel == "email" and party.email_hash:
        return party.email_hash, party.email_masked
    return "", ""


def recipient_kind(party: Party, channel: str, number: str | None) -> str | None:
    """What the number or address contacted is (``policy.AddressKind``): typed from the clear
    value when one is given, else from the party's stored number; ``None`` when unknown.
    The gate refuses an SMS to a fixed line and any channel to another kind of address."""
    raw = (number or "").strip()
    if not raw:
        if channel in PHONE_CHANNELS:
            return (party.phone_kind or "phone") if party.phone_hash else None
        if channel == "email":
            return "email" if party.email_hash else None
        return None
    if "@" in raw:
        return "email"
    digits = raw.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if digits.lstrip("+").isdigit():
        try:
            e164 = normalise_phone(raw)
        except ValidationFailed:
            return "phone" if channel in PHONE_CHANNELS else "postal"
        return phone_kind(e164) or "phone"
    return "postal"


def _lock(keys: list[str]) -> None:
    """Serialise decisions about the same person or number until the transaction ends, on a
    database without advisory locks: a row per key in :class:`ContactLock`, locked with
    SELECT … FOR UPDATE in key order (on SQLite the single writer does the serialising).
    PostgreSQL uses :func:`_lock_sql` in the gate's first round trip instead."""
    keys = sorted(set(keys))
    got = list(ContactLock.objects.select_for_update().filter(key__in=keys).order_by("key"))
    if len(got) < len(keys):
        ContactLock.objects.bulk_create([ContactLock(key=k) for k in keys], ignore_conflicts=True)
        list(ContactLock.objects.select_for_update().filter(key__in=keys).order_by("key"))


def _advisory_id(key: str) -> int:
    """A signed 64-bit advisory-lock id for ``key``, in the contact gate's own range."""
    digest = hashlib.sha256(b"qingqian.contact:" + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_sql(ids: list[int]) -> str:
    """Transaction-scoped advisory locks, taken left to right in one statement; callers pass
    the ids sorted, so two callers (single or batch) never wait for each other in a cycle."""
    return "SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(ids))


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


# Message templates (``templates/contact/messages/<id>.txt``) that may be used on a third
# party: they say who is asked for and how to call back, and nothing about a debt, a creditor
# or a collection. A third-party contact is allowed only with one of these, and
# ``channels.deliver`` sends only the template the decision names.
THIRD_PARTY_SCRIPTS: frozenset[str] = frozenset({"third_party_locate"})
_SCRIPT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class AuthorizeRequest:
    """One decision asked of :func:`contact_attempts_authorize_many` (the arguments of
    :func:`contact_attempt_authorize`)."""

    case: Case
    party: Party
    channel: str
    actor: Any
    at: dt.datetime | None = None
    number: str | None = None
    party_role: str = "debtor"
    purpose: str = "collection"
    script: str = ""


@dataclass
class _Ask:
    """A request whose shape is checked, ready to decide against the fetched snapshot."""

    case: Case
    party: Party
    channel: pol.Channel
    role: pol.PartyRole
    purpose: Purpose
    team: list[User]
    at: dt.datetime
    number_hash: str
    number_masked: str
    script: str
    zone: ZoneInfo
    recipient_kind: str | None = None


def _prepare(r: AuthorizeRequest, now: dt.datetime) -> _Ask:
    """Everything that can be checked without the database (no query)."""
    chan = _enum(r.channel, pol.Channel, "channel")
    role = _enum(r.party_role, pol.PartyRole, "party_role")
    purp = _enum(r.purpose, Purpose, "purpose")
    team = _actors(r.actor)
    at = r.at or now
    if at.tzinfo is None:
        raise ValidationFailed(
            "时间必须带时区。", "The time needs a UTC offset.", code="naive_datetime"
        )
    case, party = r.case, r.party
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
    script = (r.script or "").strip()
    if len(script) > 64 or not set(script) <= _SCRIPT_CHARS:
        raise ValidationFailed(
            f"话术模板编号无效：{script!r}",
            f"Not a script template id: {script!r}",
            code="unknown_script",
            details={"script": script},
        )
    number_hash, number_masked = _number_of(party, chan.value, r.number)
    return _Ask(
        case=case,
        party=party,
        channel=chan,
        role=role,
        purpose=purp,
        team=team,
        at=at,
        number_hash=number_hash,
        number_masked=number_masked,
        script=script,
        zone=pol.zone(party.timezone or DEFAULT_TIMEZONE),
        recipient_kind=recipient_kind(party, chan.value, r.number),
    )


# ---- the one query ------------------------------------------------------------------------
#
# Everything a decision needs comes back from one UNION ALL in fixed columns
# (kind, i1, i2, i3, t, d, s1, s2, s3, s4):
#   a  allowed attempts of the persons or numbers asked about (the pruned history)
#        i1 id, i2 party, i3 case, t at, s1 channel, s2 outcome, s3 role, s4 number hash
#   h  holds not lifted: i2 party (null: the whole case), i3 case, s1 kind, s2 channel
#   u  the acting users, fresh: i1 id, i2 active (1/0), d certificate expiry,
#        s1 certificate number, s2 issuer
#   p  the policy version in force: i1 id, i2 version
#   l  the asked persons' roles on the cases: i2 party, i3 case, s1 role
#   r  (third parties only) each debtor of the case: i2 party, i3 case, t open unreachable
#        flag's time, s1 'reached' when the debtor was reached since the flag

_ATTEMPTS = ContactAttempt._meta.db_table
_HOLDS = ContactHold._meta.db_table
_POLICIES = ContactPolicy._meta.db_table
_UNREACHABLE = ContactUnreachable._meta.db_table
_USERS = User._meta.db_table
_CASE_PARTIES = CaseParty._meta.db_table


def _fetch_sql(
    db: BaseDatabaseWrapper, asks: Sequence[_Ask], policy_name: str, since: dt.datetime
) -> tuple[str, list[Any]]:
    """The one query for ``asks`` and its parameters (the text depends only on the counts)."""
    org = asks[0].case.organisation_id
    parties = sorted({a.party.pk for a in asks})
    cases = sorted({a.case.pk for a in asks})
    numbers = sorted({a.number_hash for a in asks if a.number_hash})
    users = sorted({u.pk for a in asks for u in a.team})
    third = sorted({a.case.pk for a in asks if a.role is pol.PartyRole.THIRD_PARTY})
    params: list[Any] = [org, True, *parties, *numbers]
    params.append(db.ops.adapt_datetimefield_value(since))
    params += [*parties, org, *cases, org, *users, policy_name, org, *cases, *parties]
    if third:
        params += [True, *third]
    text = _fetch_text(len(parties), len(cases), len(numbers), len(users), len(third))
    return text, params


@lru_cache(maxsize=256)
def _fetch_text(parties: int, cases: int, numbers: int, users: int, third: int) -> str:
    def marks(n: int) -> str:
        return ", ".join(["%s"] * n)

    who = f"a.party_id IN ({marks(parties)})"
    if numbers:
        who = f"({who} OR a.number_hash IN ({marks(numbers)}))"
    # ``organisation_id + 0``: a filter, never an index path (the planner, misled by young
    # statistics, would otherwise intersect with every attempt of the organisation).
    parts = [
        "SELECT 'a' AS k, a.id AS i1, a.party_id AS i2, a.case_id AS i3, a.at AS t,"  # noqa: S608 (table names from model metadata)
        " CAST(NULL AS DATE) AS d, a.channel AS s1, a.outcome AS s2, a.party_role AS s3,"
        " a.number_hash AS s4"
        f" FROM {_ATTEMPTS} a WHERE a.organisation_id + 0 = %s AND a.allowed = %s AND {who}"
        " AND (a.at >= %s OR a.outcome = 'refused' OR a.party_role = 'third_party')",
        # Holds on the persons, then holds on everyone of the cases (two index look-ups).
        "SELECT 'h', h.id, h.party_id, h.case_id, NULL, NULL, h.kind, h.channel, NULL, NULL"  # noqa: S608 (table names from model metadata)
        f" FROM {_HOLDS} h WHERE h.party_id IN ({marks(parties)}) AND h.lifted_at IS NULL"
        " AND h.organisation_id + 0 = %s",
        "SELECT 'h', h.id, h.party_id, h.case_id, NULL, NULL, h.kind, h.channel, NULL, NULL"  # noqa: S608 (table names from model metadata)
        f" FROM {_HOLDS} h WHERE h.case_id IN ({marks(cases)}) AND h.party_id IS NULL"
        " AND h.lifted_at IS NULL AND h.organisation_id + 0 = %s",
        "SELECT 'u', u.id, CASE WHEN u.is_active THEN 1 ELSE 0 END, NULL, NULL,"  # noqa: S608 (table names from model metadata)
        " u.cert_expires, u.cert_number, u.cert_issuer, NULL, NULL"
        f" FROM {_USERS} u WHERE u.id IN ({marks(users)})",
        # The organisation's own highest version of the name, else the platform's.
        "SELECT 'p', p.id, p.version, NULL, p.created_at, NULL, NULL, NULL, NULL, NULL"  # noqa: S608 (table names from model metadata)
        f" FROM {_POLICIES} p WHERE p.id = (SELECT q.id FROM {_POLICIES} q WHERE q.name = %s"
        " AND (q.organisation_id = %s OR q.organisation_id IS NULL)"
        " ORDER BY CASE WHEN q.organisation_id IS NULL THEN 1 ELSE 0 END, q.version DESC"
        " LIMIT 1)",
        "SELECT 'l', NULL, cp.party_id, cp.case_id, NULL, NULL, cp.role, NULL, NULL, NULL"  # noqa: S608 (table names from model metadata)
        f" FROM {_CASE_PARTIES} cp WHERE cp.case_id IN ({marks(cases)})"
        f" AND cp.party_id IN ({marks(parties)})",
    ]
    if third:
        parts.append(
            "SELECT 'r', NULL, cp.party_id, cp.case_id, f.flagged_at, NULL,"  # noqa: S608 (table names from model metadata)
            " CASE WHEN EXISTS (SELECT 1"
            f" FROM {_ATTEMPTS} x WHERE x.party_id = cp.party_id AND x.allowed = %s"
            " AND x.outcome IN ('connected', 'refused') AND x.at >= f.flagged_at)"
            " THEN 'reached' ELSE NULL END, NULL, NULL, NULL"
            f" FROM {_CASE_PARTIES} cp LEFT JOIN {_UNREACHABLE} f ON f.case_id = cp.case_id"
            " AND f.party_id = cp.party_id AND f.cleared_at IS NULL"
            f" WHERE cp.case_id IN ({marks(third)}) AND cp.role = 'debtor'"
        )
    return " UNION ALL ".join(parts)


def _as_dt(value: Any) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns text
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    result: dt.datetime = value
    return result


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


class _Snapshot:
    """The fetched rows, decoded into kernel values (no ORM instances)."""

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        self.attempts: dict[int, pol.Attempt] = {}
        self.by_party: dict[int, list[int]] = {}
        self.by_number: dict[str, list[int]] = {}
        self.holds: list[tuple[int | None, int, pol.Hold]] = []
        self.users: dict[int, tuple[bool, dt.date | None]] = {}
        self.policy: tuple[int, dt.datetime] | None = None  # (id, created_at) in force
        self.roles: set[tuple[int, int, str]] = set()
        self.debtors: dict[int, list[bool]] = {}
        for k, i1, i2, i3, t, d, s1, s2, s3, s4 in rows:
            if k == "a":
                self.add_attempt(
                    i1,
                    pol.Attempt(
                        at=_as_dt(t),
                        channel=pol.Channel(s1),
                        outcome=pol.Outcome(s2) if s2 else None,
                        party_role=pol.PartyRole(s3),
                        number=s4 or None,
                        party_id=str(i2),
                        debt_id=str(i3),
                    ),
                    i2,
                    s4,
                )
            elif k == "h":
                hold = pol.Hold(
                    kind=HOLD_KERNEL_KIND[s1],
                    party_id=str(i2) if i2 is not None else None,
                    channel=pol.Channel(s2) if s2 else None,
                )
                self.holds.append((i2, i3, hold))
            elif k == "u":
                expires = _as_date(d)
                self.users[i1] = (bool(i2), expires if expires and s1 and s2 else None)
            elif k == "p":
                self.policy = (i1, _as_dt(t))
            elif k == "l":
                self.roles.add((i3, i2, s1))
            elif k == "r":
                self.debtors.setdefault(i3, []).append(t is not None and s1 is None)

    def add_attempt(self, key: int, a: pol.Attempt, party_id: int, number: str) -> None:
        self.attempts[key] = a
        self.by_party.setdefault(party_id, []).append(key)
        if number:
            self.by_number.setdefault(number, []).append(key)

    def history(self, ask: _Ask) -> list[pol.Attempt]:
        keys = set(self.by_party.get(ask.party.pk, ()))
        if ask.number_hash:
            keys.update(self.by_number.get(ask.number_hash, ()))
        return [self.attempts[k] for k in keys]

    def holds_for(self, ask: _Ask) -> list[pol.Hold]:
        pid, cid = ask.party.pk, ask.case.pk
        return [h for p, c, h in self.holds if p == pid or (p is None and c == cid)]

    def debtor_unreachable(self, case_id: int) -> bool:
        """Every debtor of the case is flagged unreachable and none was reached since."""
        flags = self.debtors.get(case_id, [])
        return bool(flags) and all(flags)


class _PolicyMissing(Exception):
    """The policy in force has no row (a flushed database); re-seed and try again."""


# The version the gate last met in force per organisation and name, by the key of the one
# cache of parsed versions (``_parsed``: id and creation instant).
_gate_latest: dict[tuple[int, str], tuple[int, dt.datetime]] = {}


def _gate_policy(org: int, name: str) -> tuple[int, pol.Policy]:
    """The version the gate last saw in force (read once per process), for the horizon."""
    seen = _gate_latest.get((org, name))
    if seen is not None:
        found = _parsed.get(seen)
        if found is not None:
            return seen[0], found
    row, parsed = contact_policy_current(name, org)
    _gate_latest[(org, name)] = (row.pk, row.created_at)
    return row.pk, parsed


def _version_in_force(
    cur: Any, snap: _Snapshot, org: int, name: str, assumed: tuple[int, pol.Policy]
) -> tuple[int, pol.Policy]:
    """The version the query found in force; a version not met before is read (same
    transaction) and parsed once."""
    if snap.policy is None:
        raise _PolicyMissing
    key = snap.policy
    parsed = _parsed.get(key)
    if parsed is None:
        cur.execute(f"SELECT data FROM {_POLICIES} WHERE id = %s", [key[0]])  # noqa: S608 (table names from model metadata)
        data = cur.fetchone()[0]
        parsed = pol.Policy.from_dict(json.loads(data) if isinstance(data, str) else data)
        with _parsed_lock:
            _parsed[key] = parsed
    _gate_latest[(org, name)] = key
    return key[0], parsed


def _decide_all(asks: Sequence[_Ask], snap: _Snapshot, policy: pol.Policy) -> list[pol.Decision]:
    """Decide each ask in order; an allowed one joins the history the next ones see."""
    decisions = []
    for n, ask in enumerate(asks):
        pid, cid = ask.party.pk, ask.case.pk
        roles = {role for c, p, role in snap.roles if c == cid and p == pid}
        if ask.role is pol.PartyRole.THIRD_PARTY:
            if roles:
                raise ValidationFailed(
                    "本案的债务人或担保人不能作为第三人联系。",
                    "A debtor or guarantor of the case cannot be contacted as a third party.",
                    code="third_party_is_case_party",
                    details={"party_id": pid, "index": n},
                )
        elif ask.role.value not in roles:
            raise ValidationFailed(
                f"该当事人不是本案的{'债务人' if ask.role is pol.PartyRole.DEBTOR else '担保人'}。",
                f"The party is not a {ask.role.value} of this case.",
                code="party_role_mismatch",
                details={"party_id": pid, "party_role": ask.role.value, "index": n},
            )
        collectors = []
        for user in ask.team:
            active, expires = snap.users.get(user.pk, (False, None))
            if not active and not is_system_actor(user):
                raise PermissionDenied(
                    "该用户已停用。",
                    "The acting user is deactivated.",
                    code="contact_actor_inactive",
                )
            if not is_system_actor(user):
                collectors.append(expires)
        request = pol.ContactRequest(
            channel=ask.channel,
            party_role=ask.role,
            number=ask.number_hash or None,
            party_id=str(pid),
            debt_id=str(cid),
            debtor_timezone=ask.zone.key,
            collectors=tuple(collectors),
            debtor_unreachable=ask.role is pol.PartyRole.THIRD_PARTY
            and snap.debtor_unreachable(cid),
            script_nondisclosing=ask.script in THIRD_PARTY_SCRIPTS,
            legal_notice=ask.purpose is Purpose.LEGAL_NOTICE,
            # Every channel template carries the opt-out line the policy asks for, and
            # ``channels.deliver`` refuses a message without it.
            opt_out_line=True,
            recipient_kind=ask.recipient_kind,
            number_masked=ask.number_masked,
        )
        # The party's zone: cn-default reads it from the request, us-reg-f from ``at``.
        decision = pol.decide(
            policy, request, snap.history(ask), snap.holds_for(ask), ask.at.astimezone(ask.zone)
        )
        decisions.append(decision)
        if decision.allowed:
            snap.add_attempt(-1 - n, request.attempt(ask.at, None), pid, ask.number_hash)
    return decisions


_INSERT_COLUMNS = (
    "organisation_id, case_id, party_id, party_role, channel, purpose, actor_id, actor_label,"
    " at, allowed, rule, reasons, policy_id, policy_version, number_hash, number_masked,"
    " outcome, outcome_at, sent_at, provider_ref, script, disposition, callback_at"
)
_INSERT_ROW = "(" + ", ".join(["%s"] * 16) + ", '', NULL, NULL, '', %s, '', NULL)"


def _insert_sql(
    db: BaseDatabaseWrapper, asks: Sequence[_Ask], decisions: Sequence[pol.Decision], policy_id: int
) -> tuple[str, list[Any], list[tuple[dict[str, Any], dict[str, Any]]]]:
    adapt = db.ops.adapt_datetimefield_value
    params: list[Any] = []
    fields = []
    for ask, d in zip(asks, decisions, strict=True):
        reasons = [r.as_dict() for r in d.reasons]
        actor = ask.team[0]
        row: dict[str, Any] = {
            "organisation_id": ask.case.organisation_id,
            "case_id": ask.case.pk,
            "party_id": ask.party.pk,
            "party_role": ask.role.value,
            "channel": ask.channel.value,
            "purpose": ask.purpose.value,
            "actor_id": actor.pk,
            "actor_label": ",".join(u.get_username() for u in ask.team)[:150],
            "at": ask.at,
            "allowed": d.allowed,
            "rule": d.rule,
            "reasons": reasons,
            "policy_id": policy_id,
            "policy_version": d.policy_version,
            "number_hash": ask.number_hash,
            "number_masked": ask.number_masked,
            "script": ask.script,
        }
        params += [
            *(row[k] for k in _INSERT_KEYS[:8]),
            adapt(ask.at),
            d.allowed,
            d.rule,
            json.dumps(reasons, ensure_ascii=False),
            *(row[k] for k in _INSERT_KEYS[12:]),
        ]
        row.update(
            outcome="",
            outcome_at=None,
            sent_at=None,
            provider_ref="",
            disposition="",
            callback_at=None,
        )
        fields.append((row, {"case": ask.case, "party": ask.party, "actor": actor}))
    return _insert_text(len(asks)), params, fields


# The attempt's fields in the order of the INSERT's parameters.
_INSERT_KEYS = (
    "organisation_id", "case_id", "party_id", "party_role", "channel", "purpose", "actor_id",
    "actor_label", "at", "allowed", "rule", "reasons", "policy_id", "policy_version",
    "number_hash", "number_masked", "script",
)  # fmt: skip


@lru_cache(maxsize=256)
def _insert_text(rows: int) -> str:
    return (
        f"INSERT INTO {_ATTEMPTS} ({_INSERT_COLUMNS}) VALUES "  # noqa: S608 (table names from model metadata)
        + ", ".join([_INSERT_ROW] * rows)
        + " RETURNING id"
    )


def _attempt_rows(
    db: BaseDatabaseWrapper,
    ids: Sequence[int],
    fields: Sequence[tuple[dict[str, Any], dict[str, Any]]],
) -> list[ContactAttempt]:
    """The recorded attempts, built as Django builds a row read back (every concrete field
    set, the case, party and actor cached), without a second query."""
    out = []
    for pk, (row, related) in zip(ids, fields, strict=True):
        a = ContactAttempt.__new__(ContactAttempt)
        state = ModelState()
        state.adding = False
        state.db = db.alias
        state.fields_cache.update(related)
        a._state = state
        a.__dict__.update(row, id=pk)
        out.append(a)
    return out


def _authorize(asks: list[_Ask]) -> list[ContactAttempt]:
    """Decide and record ``asks`` in one transaction (see the module and docs §2)."""
    if not asks:
        return []
    if len({a.case.organisation_id for a in asks}) > 1:
        raise ValidationFailed(
            "一批联系请求必须属于同一机构。",
            "One batch must belong to one organisation.",
            code="contact_batch_mixed_organisations",
        )
    name = contact_policy_name()
    db = connections[DEFAULT_DB_ALIAS]
    for attempt in range(2):
        try:
            if db.vendor == "postgresql":
                return _authorize_pg(db, asks, name)
            return _authorize_portable(db, asks, name)
        except _PolicyMissing:
            if attempt:
                raise
            _gate_latest.clear()
            contact_policy_current(name)  # re-seeds a preset on a flushed database
    raise AssertionError("unreachable")  # pragma: no cover


def _since(asks: Sequence[_Ask], policy: pol.Policy) -> dt.datetime:
    return min(a.at for a in asks) - dt.timedelta(days=policy.horizon_days + 2)


def _decide_in(
    db: BaseDatabaseWrapper,
    cur: Any,
    asks: list[_Ask],
    name: str,
    rows: Sequence[Any],
    assumed: Any,
) -> Any:
    """Decode, pick the version in force (re-reading when its horizon is longer), decide."""
    snap = _Snapshot(rows)
    org = asks[0].case.organisation_id
    policy_id, policy = _version_in_force(cur, snap, org, name, assumed)
    if policy.horizon_days > assumed[1].horizon_days:
        sql, params = _fetch_sql(db, asks, name, _since(asks, policy))
        cur.execute(sql, params)
        snap = _Snapshot(cur.fetchall())
    return policy_id, _decide_all(asks, snap, policy)


# Statements the gate sends on PostgreSQL are prepared once per connection (``PREPARE`` …
# ``EXECUTE``): planning the one query costs more than running it.
_prepared_names: dict[str, tuple[str, str, str]] = {}
_prepared_on: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_MAX_PREPARED = 64


def _pg_statement(db: BaseDatabaseWrapper, sql: str, todo: list[tuple[str, str]]) -> str:
    """``EXECUTE`` of the prepared form of ``sql`` on this connection (a ``PREPARE`` not yet
    sent is queued in ``todo``), or ``sql`` itself once the connection holds enough."""
    done = _prepared_on.setdefault(db.connection, set())
    found = _prepared_names.get(sql)
    if found is None:
        n = sql.count("%s")
        count = iter(range(1, n + 1))
        body = re.sub("%s", lambda _: f"${next(count)}", sql)
        name = "qq_gate_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
        execute = f"EXECUTE {name}({', '.join(['%s'] * n)})" if n else f"EXECUTE {name}"
        found = (name, body, execute)
        _prepared_names[sql] = found
    name, body, execute = found
    if name not in done:
        if len(done) + len(todo) >= _MAX_PREPARED:
            return sql
        todo.append((name, f"PREPARE {name} AS {body}"))
    return execute


def _pg_prepare(db: BaseDatabaseWrapper, cur: Any, todo: list[tuple[str, str]]) -> None:
    if todo:
        cur.execute("; ".join(text for _, text in todo))
        _prepared_on[db.connection].update(name for name, _ in todo)
        todo.clear()


def _authorize_pg(db: BaseDatabaseWrapper, asks: list[_Ask], name: str) -> list[ContactAttempt]:
    """Two round trips: ``BEGIN; locks; the one query`` and ``INSERT … RETURNING; COMMIT``.

    Inside a caller's transaction the BEGIN and COMMIT are the caller's, and nothing is
    prepared (a PREPARE must not depend on a transaction the gate does not own); nor is a
    batch's (its shape varies, and one plan serves the whole batch)."""
    assumed = _gate_policy(asks[0].case.organisation_id, name)
    ids = sorted({_advisory_id(k) for a in asks for k in _lock_keys(a)})
    fetch, params = _fetch_sql(db, asks, name, _since(asks, assumed[1]))
    lock = _lock_sql(ids)
    own = db.get_autocommit() and not db.in_atomic_block
    with db.cursor() as cur:
        todo: list[tuple[str, str]] = []
        insert = _insert_text(len(asks))
        if own and len(asks) == 1 and not settings.QINGQIAN_DB_POOLED:
            # A batch's statements vary in shape and their planning is shared by the whole
            # batch: only the single decision's three statements are prepared.
            lock, fetch = _pg_statement(db, lock, todo), _pg_statement(db, fetch, todo)
            insert = _pg_statement(db, insert, todo)
            _pg_prepare(db, cur, todo)
        try:
            cur.execute(("BEGIN; " if own else "") + lock + "; " + fetch, [*ids, *params])
            for _ in range(2 if own else 1):
                cur.nextset()
            policy_id, decisions = _decide_in(db, cur, asks, name, cur.fetchall(), assumed)
            _, values, fields = _insert_sql(db, asks, decisions, policy_id)
            cur.execute(insert + ("; COMMIT" if own else ""), values)
            pks = [r[0] for r in cur.fetchall()]
        except BaseException:
            if own:
                with contextlib.suppress(Exception):
                    cur.execute("ROLLBACK")
            raise
    return _attempt_rows(db, pks, fields)


def _authorize_portable(
    db: BaseDatabaseWrapper, asks: list[_Ask], name: str
) -> list[ContactAttempt]:
    """The same steps on a database without advisory locks (lock rows, one transaction)."""
    assumed = _gate_policy(asks[0].case.organisation_id, name)
    fetch, params = _fetch_sql(db, asks, name, _since(asks, assumed[1]))
    with transaction.atomic(using=db.alias), db.cursor() as cur:
        _lock([k for a in asks for k in _lock_keys(a)])
        cur.execute(fetch, params)
        policy_id, decisions = _decide_in(db, cur, asks, name, cur.fetchall(), assumed)
        sql, values, fields = _insert_sql(db, asks, decisions, policy_id)
        cur.execute(sql, values)
        pks = [r[0] for r in cur.fetchall()]
    return _attempt_rows(db, pks, fields)


def _lock_keys(ask: _Ask) -> list[str]:
    keys = [f"party:{ask.party.pk}"]
    if ask.number_hash:
        keys.append(f"number:{ask.number_hash}")
    return keys


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
    script: str = "",
) -> ContactAttempt:
    """Decide one contact attempt with the policy in force and record the decision.

    ``actor`` is the user who will make the contact (a collector, or the system actor for
    robots and automated messages); for a field visit, a list of the visiting collectors.
    ``script`` names the message template to be used (a third party: a non-disclosing one,
    ``THIRD_PARTY_SCRIPTS``). Returns the recorded attempt: ``allowed``, ``reasons``
    (``[{code, message, …}]``), ``policy_version`` and ``rule``. A denied attempt is a normal
    answer, not an error.
    """
    request = AuthorizeRequest(
        case=case,
        party=party,
        channel=channel,
        actor=actor,
        at=at,
        number=number,
        party_role=party_role,
        purpose=purpose,
        script=script,
    )
    return _authorize([_prepare(request, clock.now())])[0]


def contact_attempts_authorize_many(requests: Sequence[AuthorizeRequest]) -> list[ContactAttempt]:
    """Decide many attempts (a dialer's batch) in one transaction, in the given order.

    Every request is checked on its own and recorded as its own attempt, exactly as
    :func:`contact_attempt_authorize` would have, one after the other: an attempt allowed
    earlier in the batch counts against the later ones. The locks of every person and number
    in the batch are taken at the start, in one stable (sorted) order. Bad input anywhere
    refuses the whole batch and records nothing."""
    now = clock.now()
    return _authorize([_prepare(r, now) for r in requests])


@in_record_language
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
            note=f"{CHANNEL_LABELS[locked.channel][0]} #{locked.pk}："
            f"{OUTCOME_WORDS[value.value]}（{locked.number_masked or '-'}）",
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


@in_record_language
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
    # The one check for web and API alike: a hold names a party of this very case (a
    # handler's own case must not reach another handler's debtor).
    if party is not None and not case.case_parties.filter(party_id=party.pk).exists():
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


@in_record_language
def contact_hold_lift(*, hold: ContactHold, actor: User, reason: str) -> ContactHold:
    """Lift a hold (compliance, an admin or a lawyer; a vulnerability or complaint hold only
    compliance or an admin), saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "解除暂停必须说明原因。", "Say why the hold is lifted.", code="lift_reason_missing"
        )
    needed = Perm.CONTACT_HOLD_LIFT_STRICT if hold.kind in _LIFT_STRICT else Perm.CONTACT_HOLD_LIFT
    if not actor.has_perm_code(needed):
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


# --------------------------------------------------------------------------- unreachable debtors


@in_record_language
def contact_unreachable_flag(
    *, case: Case, party: Party, actor: User, reason: str
) -> ContactUnreachable:
    """Flag a debtor of ``case`` unreachable (saying why: numbers dead, letters returned).

    While every debtor of the case is flagged, and none has been reached since, the gate may
    allow a third party to be asked, with a non-disclosing script, how to reach them. Nothing
    here contacts anyone; reaching the debtor ends the flag by itself."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "标记失联必须说明原因。",
            "Say why the debtor is flagged unreachable.",
            code="unreachable_reason_missing",
        )
    if not actor.has_perm_code(Perm.CONTACT_FLAG):
        raise PermissionDenied(
            "您无权标记债务人失联。",
            "You may not flag a debtor unreachable.",
            code="unreachable_flag_forbidden",
        )
    if actor.organisation_id != case.organisation_id:
        raise NotFound("案件不存在。", "Case not found.", code="case_not_found")
    if not CaseParty.objects.filter(case=case, party=party, role="debtor").exists():
        raise ValidationFailed(
            "只能标记本案的债务人失联。",
            "Only a debtor of this case can be flagged unreachable.",
            code="party_role_mismatch",
            details={"party_id": party.pk, "party_role": "debtor"},
        )
    with transaction.atomic():
        if ContactUnreachable.objects.filter(
            case=case, party=party, cleared_at__isnull=True
        ).exists():
            raise Conflict(
                "该债务人已标记失联。",
                "The debtor is already flagged unreachable.",
                code="unreachable_flagged",
            )
        flag = ContactUnreachable.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            party=party,
            reason=reason[:2000],
            flagged_by=actor,
            flagged_at=clock.now(),
        )
        timeline_add(
            case=case, actor=actor, kind="contact_unreachable", note=f"{party.name}：{flag.reason}"
        )
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="contact.unreachable_flag",
            obj=flag,
            after={"party_id": party.pk, "reason": flag.reason},
        )
    return flag


@in_record_language
def contact_unreachable_clear(
    *, flag: ContactUnreachable, actor: User, reason: str
) -> ContactUnreachable:
    """Clear an unreachable flag (a new number was found, the debtor called back)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "解除失联标记必须说明原因。",
            "Say why the flag is cleared.",
            code="unreachable_reason_missing",
        )
    if not actor.has_perm_code(Perm.CONTACT_FLAG):
        raise PermissionDenied(
            "您无权解除失联标记。",
            "You may not clear an unreachable flag.",
            code="unreachable_flag_forbidden",
        )
    if actor.organisation_id != flag.organisation_id:
        raise NotFound("标记不存在。", "Flag not found.", code="unreachable_not_found")
    with transaction.atomic():
        locked = ContactUnreachable.objects.select_for_update().get(pk=flag.pk)
        if locked.cleared_at is not None:
            raise Conflict(
                "该失联标记已解除。", "The flag is already cleared.", code="unreachable_cleared"
            )
        locked.cleared_at = clock.now()
        locked.cleared_by = actor
        locked.clear_reason = reason[:2000]
        locked.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
        case = Case.objects.get(pk=locked.case_id)
        timeline_add(
            case=case, actor=actor, kind="contact_unreachable_cleared", note=locked.clear_reason
        )
        audit_record(
            actor=actor,
            organisation=case.organisation,
            action="contact.unreachable_clear",
            obj=locked,
            after={"reason": locked.clear_reason},
        )
    return locked
