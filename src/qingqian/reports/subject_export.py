"""What Qingqian holds about one person: the data-subject export (PIPL art. 45).

``party_data_export`` gathers, for one party of the organisation, the identity data (ID and
phone numbers decrypted: the export is for the person), the cases they are on and in which
role, the invoices and payments of those cases, the promises, the contact attempts and holds
that concern them, and the portal links sent to them. Reading identifiers in clear is the
compliance officer's or the administrator's act and is audited (``party.subject_export``).
"""

from __future__ import annotations

from typing import Any

from qingqian.accounts.models import User
from qingqian.accounts.roles import Role
from qingqian.audit.services import audit_record
from qingqian.cases.models import CaseParty, Invoice
from qingqian.common import clock, crypto
from qingqian.common.exceptions import PermissionDenied
from qingqian.contact.models import ContactAttempt, ContactHold
from qingqian.negotiation.models import Promise
from qingqian.parties.models import Party
from qingqian.payments.models import Payment
from qingqian.portal.models import PortalLink

EXPORT_ROLES = frozenset({Role.COMPLIANCE, Role.ADMIN})


def party_data_export(*, party: Party, actor: User | None) -> dict[str, Any]:
    """Everything held about ``party``, as JSON-ready data (audited)."""
    if actor is not None and (
        actor.role not in EXPORT_ROLES or actor.organisation_id != party.organisation_id
    ):
        raise PermissionDenied(
            "只有合规人员或管理员可以导出个人信息。",
            "Only a compliance officer or an administrator may export personal data.",
            code="subject_export_forbidden",
        )
    links = list(CaseParty.objects.filter(party=party).select_related("case").order_by("case_id"))
    case_ids = [link.case_id for link in links]
    data: dict[str, Any] = {
        "exported_at": clock.now().isoformat(),
        "party": {
            "id": party.pk,
            "kind": party.kind,
            "name": party.name,
            "credit_code": party.credit_code,
            "id_number": crypto.decrypt(party.id_number_enc) if party.id_number_enc else "",
            "phone": crypto.decrypt(party.phone_enc) if party.phone_enc else "",
            "city": party.city,
            "district": party.district,
            "address": party.address,
        },
        "cases": [
            {
                "reference": link.case.reference,
                "role": link.role,
                "state": link.case.state,
                "principal": str(link.case.principal),
                "outstanding": str(link.case.outstanding),
                "opened": link.case.created_at.isoformat(),
            }
            for link in links
        ],
        "invoices": [
            {
                "case": i.case.reference,
                "number": i.number,
                "amount": str(i.amount),
                "outstanding": str(i.outstanding),
                "due_date": i.due_date.isoformat() if i.due_date else None,
            }
            for i in Invoice.objects.filter(case_id__in=case_ids)
            .select_related("case")
            .order_by("pk")
        ],
        "payments": [
            {
                "case": p.case.reference,
                "kind": p.kind,
                "amount": str(p.amount),
                "received_at": p.received_at.isoformat(),
            }
            for p in Payment.objects.filter(case_id__in=case_ids)
            .select_related("case")
            .order_by("pk")
        ],
        "promises": [
            {"amount": str(p.amount), "due_date": p.due_date.isoformat(), "state": p.state}
            for p in Promise.objects.filter(case_id__in=case_ids).order_by("pk")
        ],
        "contact_attempts": [
            {
                "at": a.at.isoformat(),
                "channel": a.channel,
                "purpose": a.purpose,
                "allowed": a.allowed,
                "outcome": a.outcome,
            }
            for a in ContactAttempt.objects.filter(party=party).order_by("pk")
        ],
        "contact_holds": [
            {
                "kind": h.kind,
                "channel": h.channel,
                "placed_at": h.placed_at.isoformat(),
                "lifted": h.lifted_at is not None,
            }
            for h in ContactHold.objects.filter(party=party).order_by("pk")
        ],
        "portal_links": [
            {
                "sent_by": link.channel,
                "expires_at": link.expires_at.isoformat(),
                "opened": link.opened_at is not None,
            }
            for link in PortalLink.objects.filter(party=party).order_by("pk")
        ],
    }
    audit_record(
        actor=actor,
        organisation=party.organisation,
        action="party.subject_export",
        obj=party,
        after={"cases": len(links)},
    )
    return data
