"""Reads for the compliance officer: the audit trail with its filters, the regulatory
records in force and what expires soon (h19c)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Q, QuerySet

from qingqian.audit.models import AuditEvent
from qingqian.compliance.models import RecordKind, RegulatoryRecord

if TYPE_CHECKING:
    from qingqian.accounts.models import Organisation, User


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # a user id, or "system"
    action: str = ""  # an exact action code, or "reveal" / "contact" for the families
    case_reference: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def _case_objects(case: Any) -> Q:
    """Audit rows about a case: the case, its parties, and every row of a model with a
    ``case`` foreign key that belongs to it (payments, contact attempts, evidence …)."""
    from qingqian.cases.models import Case

    q = Q(object_type=Case._meta.label_lower, object_id=str(case.pk))
    q |= Q(after__case=case.pk)
    party_ids = [str(p) for p in case.case_parties.values_list("party_id", flat=True)]
    if party_ids:
        q |= Q(object_type="parties.party", object_id__in=party_ids)
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "case"), None)
        if field is None or getattr(field, "related_model", None) is not Case:
            continue
        ids = [
            str(i) for i in model._default_manager.filter(case=case).values_list("pk", flat=True)
        ]
        if ids:
            q |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return q


def audit_events(user: User, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The organisation's audit rows matching ``filters``, newest first."""
    from qingqian.cases.selectors import cases_visible_to
    from qingqian.common.tz import BUSINESS_TZ as SHANGHAI
    from qingqian.compliance.labels import CONTACT_ACTIONS, REVEAL_ACTIONS

    qs = AuditEvent.objects.filter(organisation_id=user.organisation_id or 0).select_related(
        "actor"
    )
    if filters.actor == "system":
        qs = qs.filter(actor__isnull=True)
    elif filters.actor.isdigit():
        qs = qs.filter(actor_id=int(filters.actor))
    if filters.action == "reveal":
        qs = qs.filter(action__in=REVEAL_ACTIONS)
    elif filters.action == "contact":
        qs = qs.filter(action__in=CONTACT_ACTIONS)
    elif filters.action:
        qs = qs.filter(action=filters.action)
    if filters.start is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(filters.start, dt.time(), tzinfo=SHANGHAI))
    if filters.end is not None:
        end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
        qs = qs.filter(at__lt=end)
    if filters.case_reference:
        case = cases_visible_to(user).filter(reference=filters.case_reference.strip()).first()
        if case is None:
            return qs.none()
        qs = qs.filter(_case_objects(case))
    return qs.order_by("-at", "-id")


def audit_actions_present(organisation_id: int) -> list[str]:
    return sorted(
        AuditEvent.objects.filter(organisation_id=organisation_id)
        .order_by("action")  # not the model's ordering: DISTINCT would count its columns
        .values_list("action", flat=True)
        .distinct()
    )


def object_words(event: AuditEvent, *, en: bool) -> str:
    """What the row is about, in words: the model's name and the object's number."""
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return ("object" if en else "对象") + f" #{event.object_id}"
    name = str(model._meta.verbose_name)
    return f"{name} #{event.object_id}"


# --------------------------------------------------------------------------- expiry


@dataclass(frozen=True)
class ExpiryWarning:
    what_zh: str
    what_en: str
    holder: str
    number: str
    valid_until: dt.date | None
    days_left: int | None  # negative: expired; None: missing

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def expired(self) -> bool:
        return self.days_left is None or self.days_left < 0


def insurance_in_force(organisation: Organisation, day: dt.date) -> RegulatoryRecord | None:
    return (
        RegulatoryRecord.objects.filter(
            organisation=organisation,
            kind=RecordKind.INSURANCE,
            valid_from__lte=day,
            valid_until__gte=day,
        )
        .order_by("-valid_until", "-id")
        .first()
    )


def expiry_warnings(
    organisation: Organisation, today: dt.date, *, within_days: int | None = None
) -> list[ExpiryWarning]:
    """What has expired or expires within ``within_days`` (default
    ``services.EXPIRY_WARNING_DAYS``): the liability insurance (or its absence), each licence
    (by title, its latest validity), and every active collector's certificate."""
    from qingqian.accounts.models import User
    from qingqian.accounts.roles import Role
    from qingqian.compliance.services import EXPIRY_WARNING_DAYS

    horizon = today + dt.timedelta(days=within_days or EXPIRY_WARNING_DAYS)
    out: list[ExpiryWarning] = []
    records = list(RegulatoryRecord.objects.filter(organisation=organisation))
    insurance = [r for r in records if r.kind == RecordKind.INSURANCE and r.valid_from <= today]
    latest = max(insurance, key=lambda r: (r.valid_until, r.pk), default=None)
    if latest is not None and latest.valid_until >= today:
        # A renewal recorded ahead of time continues the cover: follow the chain of policies
        # each starting no later than the day after the previous one ends.
        later = sorted(
            (r for r in records if r.kind == RecordKind.INSURANCE and r.valid_from > today),
            key=lambda r: r.valid_from,
        )
        for r in later:
            if (
                r.valid_from <= latest.valid_until + dt.timedelta(days=1)
                and r.valid_until > latest.valid_until
            ):
                latest = r
    if latest is None or latest.valid_until < today:
        out.append(
            ExpiryWarning(
                "没有生效的职业责任保险",
                "no professional liability insurance in force",
                organisation.name,
                latest.number if latest else "",
                latest.valid_until if latest else None,
                (latest.valid_until - today).days if latest else None,
            )
        )
    elif latest.valid_until <= horizon:
        out.append(
            ExpiryWarning(
                "职业责任保险即将到期",
                "professional liability insurance expires soon",
                latest.issuer,
                latest.number,
                latest.valid_until,
                (latest.valid_until - today).days,
            )
        )
    licences: dict[str, RegulatoryRecord] = {}
    for r in records:
        if r.kind == RecordKind.LICENCE:
            known = licences.get(r.title)
            if known is None or (r.valid_until, r.pk) > (known.valid_until, known.pk):
                licences[r.title] = r
    for r in sorted(licences.values(), key=lambda r: r.valid_until):
        if r.valid_until <= horizon:
            out.append(
                ExpiryWarning(
                    f"许可证到期：{r.title}"
                    if r.valid_until < today
                    else f"许可证即将到期：{r.title}",
                    f"licence expired: {r.title}"
                    if r.valid_until < today
                    else f"licence expires soon: {r.title}",
                    r.issuer,
                    r.number,
                    r.valid_until,
                    (r.valid_until - today).days,
                )
            )
    collectors = User.objects.filter(
        organisation=organisation, is_active=True, role=Role.COLLECTOR
    ).order_by("cert_expires", "username")
    for u in collectors:
        name = u.get_full_name() or u.get_username()
        if not (u.cert_number and u.cert_issuer and u.cert_expires):
            out.append(
                ExpiryWarning(
                    "催收员没有登记资格证书",
                    "collector has no certificate on file",
                    name,
                    u.cert_number,
                    None,
                    None,
                )
            )
        elif u.cert_expires <= horizon:
            expired = u.cert_expires < today
            out.append(
                ExpiryWarning(
                    "催收员资格证书已过期" if expired else "催收员资格证书即将到期",
                    "collector certificate expired"
                    if expired
                    else "collector certificate expires soon",
                    name,
                    u.cert_number,
                    u.cert_expires,
                    (u.cert_expires - today).days,
                )
            )
    return out


def insurances_in_force(day: dt.date) -> list[RegulatoryRecord]:
    """For the public price page: each organisation's liability insurance in force on ``day``
    (the one that runs longest)."""
    rows = (
        RegulatoryRecord.objects.filter(
            kind=RecordKind.INSURANCE, valid_from__lte=day, valid_until__gte=day
        )
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id", "-valid_until", "-id")
    )
    seen: set[int] = set()
    out: list[RegulatoryRecord] = []
    for r in rows:
        if r.organisation_id not in seen:
            seen.add(r.organisation_id)
            out.append(r)
    return out
