from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingqian.audit.services import audit_record
from qingqian.common import clock

if TYPE_CHECKING:
    from qingqian.accounts.models import Organisation, User


# h19c: regulatory records, certificates, incidents ---------------------------------------

#: How many days before expiry a record or certificate is warned about.
EXPIRY_WARNING_DAYS = 60


def _require(actor: User, perm: Any) -> Organisation:
    """The actor's organisation, if the actor's role holds ``perm``."""
    from qingqian.common.exceptions import PermissionDenied

    if actor.organisation is None or not actor.has_perm_code(perm):
        raise PermissionDenied(
            "您的角色无权管理监管资质。",
            "Your role may not manage regulatory records.",
            code="permission_denied",
        )
    return actor.organisation


def regulatory_record_add(
    *,
    actor: User,
    kind: str,
    title: str,
    issuer: str,
    number: str,
    cover: Any,
    valid_from: Any,
    valid_until: Any,
    note: str = "",
) -> Any:
    """Record an insurance policy or a licence of the actor's organisation (audited)."""
    from django.db import transaction

    from qingqian.accounts.roles import Perm
    from qingqian.common.exceptions import ValidationFailed
    from qingqian.compliance.models import RecordKind, RegulatoryRecord

    organisation = _require(actor, Perm.REGULATORY_MANAGE)
    if kind not in RecordKind.values:
        raise ValidationFailed("类别无效。", "Unknown kind of record.", code="bad_kind")
    title, issuer, number = title.strip(), issuer.strip(), number.strip()
    if not (title and issuer and number):
        raise ValidationFailed(
            "名称、保险公司或发证机关、编号都必须填写。",
            "The title, the insurer or issuer and the number are all required.",
            code="missing_field",
        )
    if valid_until < valid_from:
        raise ValidationFailed(
            "有效期至不能早于生效日期。",
            "The end of validity cannot be before its start.",
            code="bad_period",
        )
    if kind == RecordKind.INSURANCE and (cover is None or cover <= 0):
        raise ValidationFailed(
            "职业责任保险必须填写大于零的保险金额。",
            "Liability insurance needs a cover above zero.",
            code="missing_cover",
        )
    with transaction.atomic():
        record = RegulatoryRecord.objects.create(
            organisation=organisation,
            kind=kind,
            title=title[:200],
            issuer=issuer[:200],
            number=number[:100],
            cover=cover if kind == RecordKind.INSURANCE else None,
            valid_from=valid_from,
            valid_until=valid_until,
            note=note.strip()[:300],
            created_by=actor,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action="regulatory.record_add",
            obj=record,
            after={
                "kind": kind,
                "number": record.number,
                "cover": None if record.cover is None else str(record.cover),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
        )
    return record


def user_certificate_set(
    *, actor: User, user: User, number: str, issuer: str, expires: Any
) -> User:
    """Record a collector's certificate (number, issuer, expiry), audited with before/after."""
    from django.db import transaction

    from qingqian.accounts.roles import Perm
    from qingqian.common.exceptions import NotFound, ValidationFailed

    _require(actor, Perm.REGULATORY_MANAGE)
    if user.organisation_id != actor.organisation_id:
        raise NotFound("没有这个用户。", "No such user.", code="not_found")
    number, issuer = number.strip(), issuer.strip()
    if not (number and issuer and expires):
        raise ValidationFailed(
            "证书编号、发证机构和有效期都必须填写。",
            "The certificate number, issuer and expiry are all required.",
            code="missing_field",
        )
    with transaction.atomic():
        before = {
            "cert_number": user.cert_number,
            "cert_issuer": user.cert_issuer,
            "cert_expires": user.cert_expires.isoformat() if user.cert_expires else None,
        }
        user.cert_number, user.cert_issuer, user.cert_expires = number[:64], issuer[:100], expires
        user.save(update_fields=["cert_number", "cert_issuer", "cert_expires"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action="user.certificate_set",
            obj=user,
            before=before,
            after={
                "cert_number": user.cert_number,
                "cert_issuer": user.cert_issuer,
                "cert_expires": expires.isoformat(),
            },
        )
    return user


def incident_open(
    *, actor: User, kind: str, occurred_on: Any, summary: str, case: Any = None
) -> Any:
    from django.db import transaction

    from qingqian.accounts.roles import Perm
    from qingqian.common.exceptions import ValidationFailed
    from qingqian.compliance.models import Incident, IncidentKind

    organisation = _require(actor, Perm.REGULATORY_MANAGE)
    if kind not in IncidentKind.values:
        raise ValidationFailed("类别无效。", "Unknown kind of incident.", code="bad_kind")
    if not summary.strip():
        raise ValidationFailed("请填写经过。", "Describe what happened.", code="missing_field")
    if occurred_on > clock.today():
        raise ValidationFailed(
            "发生日期不能晚于今天。", "The incident cannot be in the future.", code="bad_date"
        )
    with transaction.atomic():
        incident = Incident.objects.create(
            organisation=organisation,
            kind=kind,
            case=case,
            occurred_on=occurred_on,
            summary=summary.strip()[:2000],
            reported_by=actor,
            created_at=clock.now(),
        )
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action="incident.open",
            obj=incident,
            after={"kind": kind, "case": case.pk if case else None},
        )
    return incident


def incident_close(*, actor: User, incident: Any, resolution: str) -> Any:
    from django.db import transaction

    from qingqian.accounts.roles import Perm
    from qingqian.common.exceptions import Conflict, ValidationFailed
    from qingqian.compliance.models import Incident, IncidentState

    _require(actor, Perm.REGULATORY_MANAGE)
    if not resolution.strip():
        raise ValidationFailed(
            "请填写处理结果。", "Describe how it was resolved.", code="missing_field"
        )
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.state == IncidentState.CLOSED:
            raise Conflict("该事件已结案。", "The incident is already closed.", code="closed")
        locked.state = IncidentState.CLOSED
        locked.resolution = resolution.strip()[:2000]
        locked.closed_at = clock.now()
        locked.save(update_fields=["state", "resolution", "closed_at"])
        audit_record(
            actor=actor,
            organisation=actor.organisation,
            action="incident.close",
            obj=locked,
            before={"state": "open"},
            after={"state": "closed"},
        )
    return locked
