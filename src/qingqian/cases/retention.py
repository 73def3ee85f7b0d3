"""Retention of personal information (PIPL art. 19, 47): anonymise a natural person's identity
once the retention period after the last of their cases closed has passed.

The period is data per organisation and kind (``RetentionRule``; default
``settings.QINGQIAN_RETENTION_YEARS``). A person (``kind=person``, not a client) qualifies when
every case they are on is closed and the newest closing is more than the period before
``today``. Anonymising replaces the name with ``已匿名化当事人 #<id>`` (also on the cases'
denormalised debtor name) and clears the encrypted ID and phone numbers with their look-up
hashes and masks, and the address; it stamps ``anonymised_at`` and writes one audit row per
person that holds no personal data.

Why the case log still verifies: the log commits only to timeline statements (case
reference, event, states, actor id and a salted hash of the note), evidence versions and
signed documents, never to a party row. The job changes no timeline row, no evidence and no
log row, so every entry, tile, checkpoint and row check of ``qingqian ledger verify`` holds
(``tests/security/test_retention.py`` proves it on a logged case).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from qingqian.accounts.models import Organisation
from qingqian.audit.services import audit_record
from qingqian.common import clock
from qingqian.common.tz import BUSINESS_TZ
from qingqian.parties.models import Party, PartyKind, RetentionKind, RetentionRule

ANONYMOUS = "已匿名化当事人 #{pk}"


@dataclass
class PurgeReport:
    today: dt.date
    dry_run: bool
    parties: list[int] = field(default_factory=list)
    per_organisation: dict[str, dict[str, object]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "anonymised": len(self.parties),
            "party_ids": self.parties,
            "organisations": self.per_organisation,
        }


def retention_years(organisation: Organisation, kind: str) -> int:
    rule = RetentionRule.objects.filter(organisation=organisation, kind=kind).first()
    if rule is not None:
        return rule.years
    return int(settings.QINGQIAN_RETENTION_YEARS[kind])


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_for_anonymisation(organisation: Organisation, today: dt.date) -> list[int]:
    """Ids of the organisation's natural persons whose retention period has passed."""
    from qingqian.cases.models import Case, CaseParty, TimelineEvent

    years = retention_years(organisation, RetentionKind.DEBTOR_IDENTITY)
    cutoff = dt.datetime.combine(_years_before(today, years), dt.time.min, tzinfo=BUSINESS_TZ)
    people = Party.objects.filter(
        organisation=organisation, kind=PartyKind.PERSON, is_client=False, anonymised_at=None
    )
    open_people = CaseParty.objects.filter(party__in=people).exclude(case__state="closed")
    candidates = people.exclude(pk__in=open_people.values("party_id")).filter(
        case_roles__isnull=False
    )
    due: list[int] = []
    for pk in candidates.values_list("pk", flat=True).distinct().order_by("pk"):
        cases = Case.objects.filter(case_parties__party_id=pk)
        closed_at = TimelineEvent.objects.filter(case__in=cases, to_state="closed").aggregate(
            last=Max("at")
        )["last"]
        if closed_at is not None and closed_at < cutoff:
            due.append(pk)
    return due


def party_anonymise(*, party: Party, today: dt.date) -> None:
    """Replace one person's identity (see the module); audited, idempotent."""
    from qingqian.cases.models import Case

    label = ANONYMOUS.format(pk=party.pk)
    with transaction.atomic():
        locked = Party.objects.select_for_update().get(pk=party.pk)
        if locked.anonymised_at is not None:
            return
        Case.objects.filter(case_parties__party=locked, debtor_name=locked.name).update(
            debtor_name=label
        )
        locked.name = label
        for name in (
            "id_number_enc",
            "id_number_hash",
            "id_number_masked",
            "phone_enc",
            "phone_hash",
            "phone_masked",
            "address",
        ):
            setattr(locked, name, "")
        locked.anonymised_at = clock.now()
        locked.save()
        audit_record(
            actor=None,
            organisation=locked.organisation,
            action="party.anonymise",
            obj=locked,
            after={
                "reason": "retention",
                "kind": RetentionKind.DEBTOR_IDENTITY,
                "as_of": str(today),
            },
        )


def privacy_purge(*, today: dt.date | None = None, dry_run: bool = False) -> PurgeReport:
    """Anonymise every person whose retention period has passed, in every organisation."""
    day = today or clock.today()
    report = PurgeReport(today=day, dry_run=dry_run)
    for organisation in Organisation.objects.order_by("pk"):
        due = due_for_anonymisation(organisation, day)
        report.per_organisation[organisation.short_code] = {
            "years": retention_years(organisation, RetentionKind.DEBTOR_IDENTITY),
            "due": len(due),
        }
        report.parties += due
        if not dry_run:
            for party in Party.objects.filter(pk__in=due).order_by("pk"):
                party_anonymise(party=party, today=day)
    return report


#: The record of processing (处理活动记录; PIPL art. 54-55), as data: activity, people,
#: information, purpose and basis, retention, protection. ``docs/pipl.md`` shows the same.
ACTIVITIES: list[dict[str, str]] = [
    {
        "activity": "case intake (hotline, web form, API, ledger import)",
        "people": "debtors, guarantors, callers",
        "information": "name, ID number, phone, address, amounts owed",
        "basis": "PIPL art. 13 (2): the creditor's contract; collecting a lawful debt",
        "retention": "debtor_identity",
        "protection": "AES-256-GCM at rest, masked, clear reads audited",
    },
    {
        "activity": "contact (SMS, calls, e-mail, letters)",
        "people": "debtors, guarantors",
        "information": "phone, e-mail, address, what was said",
        "basis": "collection within the contact policy",
        "retention": "debtor_identity",
        "protection": "one contact gate: holds, caps, quiet hours",
    },
    {
        "activity": "staff accounts",
        "people": "staff",
        "information": "user name, role, certificate, e-mail, sign-in history",
        "basis": "access control and audit (employment)",
        "retention": "employment",
        "protection": "lockout, two-factor for administrators and compliance, audit",
    },
]


def processing_record() -> dict[str, object]:
    """The record of processing with each organisation's retention periods in force."""
    kinds = [k.value for k in RetentionKind]
    return {
        "activities": ACTIVITIES,
        "retention_years": {
            org.short_code: {k: retention_years(org, k) for k in kinds}
            for org in Organisation.objects.order_by("pk")
        },
    }
