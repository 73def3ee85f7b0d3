from __future__ import annotations

from typing import Literal

from django.db import transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.common import crypto
from qingqian.common.exceptions import PermissionDenied, ValidationFailed
from qingqian.parties.identifiers import (
    mask,
    mask_id_number,
    normalise_email,
    normalise_phone,
    normalise_ric,
    normalise_uscc,
    phone_kind,
)
from qingqian.parties.models import DEFAULT_TIMEZONE, Party, PartyKind


def party_timezone_check(value: str) -> str:
    """An IANA zone name, or a 422 ``unknown_timezone`` in Chinese and English."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = (value or "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"未知时区：{value!r}（请使用 IANA 名称，如 Asia/Shanghai）",
            f"Unknown time zone: {value!r} (use an IANA name such as Asia/Shanghai).",
            code="unknown_timezone",
            details={"timezone": value},
        ) from None
    return value


def party_fields(
    *,
    kind: str,
    name: str,
    credit_code: str = "",
    id_number: str = "",
    phone: str = "",
) -> dict[str, str]:
    """Validate identifiers and return the model fields (encrypted, hashed and masked)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("名称/姓名不能为空。", "The name is required.", code="name_missing")
    if kind not in PartyKind.values:
        raise ValidationFailed(
            f"未知的当事人类型：{kind}", f"Unknown party kind: {kind}", code="invalid_party_kind"
        )
    fields: dict[str, str] = {"kind": kind, "name": name[:200]}
    if kind == PartyKind.COMPANY:
        if id_number:
            raise ValidationFailed(
                "企业不填身份证号码。",
                "A company has no resident ID number.",
                code="id_number_for_company",
            )
        fields["credit_code"] = normalise_uscc(credit_code) if credit_code else ""
    else:
        if credit_code:
            raise ValidationFailed(
                "自然人不填统一社会信用代码。",
                "A natural person has no unified social credit code.",
                code="credit_code_for_person",
            )
        if id_number:
            ric = normalise_ric(id_number)
            fields.update(
                id_number_enc=crypto.encrypt(ric),
                id_number_hash=crypto.lookup_hash(ric),
                id_number_masked=mask_id_number(ric),
            )
    if phone:
        e164 = normalise_phone(phone)
        fields.update(
            phone_enc=crypto.encrypt(e164),
            phone_hash=crypto.lookup_hash(e164),
            phone_masked=mask(e164, 6, 2),
            phone_kind=phone_kind(e164),
        )
    return fields


@transaction.atomic
def party_create(
    *,
    organisation: Organisation,
    actor: User | None,
    kind: str,
    name: str,
    credit_code: str = "",
    id_number: str = "",
    phone: str = "",
    city: str = "",
    district: str = "",
    address: str = "",
    timezone: str = DEFAULT_TIMEZONE,
) -> Party:
    fields = party_fields(
        kind=kind, name=name, credit_code=credit_code, id_number=id_number, phone=phone
    )
    party = Party.objects.create(
        organisation=organisation,
        city=city,
        district=district,
        address=address,
        timezone=party_timezone_check(timezone),
        **fields,
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="party.create",
        obj=party,
        after={"kind": kind, "name": party.name, "credit_code": party.credit_code},
    )
    return party


def party_find_or_create(
    *,
    organisation: Organisation,
    actor: User | None,
    kind: str,
    name: str,
    credit_code: str = "",
    id_number: str = "",
    phone: str = "",
    city: str = "",
    district: str = "",
    address: str = "",
    timezone: str = DEFAULT_TIMEZONE,
) -> Party:
    """Reuse the party with the same credit code or ID number in this organisation."""
    fields = party_fields(
        kind=kind, name=name, credit_code=credit_code, id_number=id_number, phone=phone
    )
    qs = Party.objects.filter(organisation=organisation, kind=kind)
    existing = None
    if fields.get("credit_code"):
        existing = qs.filter(credit_code=fields["credit_code"]).first()
    elif fields.get("id_number_hash"):
        existing = qs.filter(id_number_hash=fields["id_number_hash"]).first()
    if existing is not None:
        return existing
    return party_create(
        organisation=organisation,
        actor=actor,
        kind=kind,
        name=name,
        credit_code=credit_code,
        id_number=id_number,
        phone=phone,
        city=city,
        district=district,
        address=address,
        timezone=timezone,
    )


def party_find_by_id_number(*, organisation: Organisation, id_number: str) -> Party | None:
    ric = normalise_ric(id_number)
    return Party.objects.filter(
        organisation=organisation, id_number_hash=crypto.lookup_hash(ric)
    ).first()


def party_find_by_phone(*, organisation: Organisation, phone: str) -> list[Party]:
    e164 = normalise_phone(phone)
    return list(
        Party.objects.filter(organisation=organisation, phone_hash=crypto.lookup_hash(e164))
    )


@transaction.atomic
def party_reveal(*, actor: User, party: Party, field: Literal["id_number", "phone"]) -> str:
    """Return an ID or phone number in clear and record that ``actor`` saw it."""
    if not actor.has_perm_code(Perm.PARTY_REVEAL) or party.organisation_id != actor.organisation_id:
        raise PermissionDenied(
            "无权查看完整的个人信息。",
            "You may not view this personal data in clear.",
            code="reveal_forbidden",
        )
    token = party.id_number_enc if field == "id_number" else party.phone_enc
    value = crypto.decrypt(token)
    audit_record(
        actor=actor,
        organisation=party.organisation,
        action=f"party.reveal_{field}",
        obj=party,
        after={"field": field},
    )
    return value


@transaction.atomic
def party_email_set(*, party: Party, email: str, actor: User | None) -> Party:
    """Record (or, with ``""``, remove) a party's e-mail address: encrypted, hashed, masked.
    A telephone number typed as an e-mail address is refused (``invalid_email``)."""
    value = normalise_email(email) if (email or "").strip() else ""
    before = party.email_masked
    if value:
        party.email_enc = crypto.encrypt(value)
        party.email_hash = crypto.lookup_hash(f"email:{value}")
        party.email_masked = mask(value, 2, 4)
    else:
        party.email_enc = party.email_hash = party.email_masked = ""
    party.save(update_fields=["email_enc", "email_hash", "email_masked"])
    audit_record(
        actor=actor,
        organisation=party.organisation,
        action="party.email_set",
        obj=party,
        before={"email": before},
        after={"email": party.email_masked},
    )
    return party
