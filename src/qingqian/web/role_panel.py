"""The landing dashboard's first panel, per role (h19c): what needs the role's attention
today (the compliance officer: expiries, identifier views, incidents;
a collector: whether their certificate lets them take contact work)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm


def role_panel(user: User, today: dt.date) -> dict[str, Any]:
    panel: dict[str, Any] = {}
    if user.organisation is None:
        return panel
    if user.has_perm_code(Perm.REGULATORY_MANAGE):
        from qingqian.compliance.selectors import expiry_warnings

        panel["warnings"] = expiry_warnings(user.organisation, today)
    if user.has_perm_code(Perm.AUDIT_VIEW):
        from qingqian.audit.models import AuditEvent
        from qingqian.common.tz import BUSINESS_TZ
        from qingqian.compliance.labels import REVEAL_ACTIONS
        from qingqian.compliance.models import Incident, IncidentState
        from qingqian.contact.models import ContactHold

        since = dt.datetime.combine(today - dt.timedelta(days=6), dt.time(), tzinfo=BUSINESS_TZ)
        rows = AuditEvent.objects.filter(organisation=user.organisation, at__gte=since)
        panel["compliance"] = {
            "reveals": rows.filter(action__in=REVEAL_ACTIONS).count(),
            "events": rows.count(),
            "incidents": Incident.objects.filter(
                organisation=user.organisation, state=IncidentState.OPEN
            ).count(),
            "holds": ContactHold.objects.filter(
                organisation=user.organisation, lifted_at__isnull=True
            ).count(),
        }
    if user.has_perm_code(Perm.CONTACT_WORK) and user.role == "collector":
        panel["certificate"] = {
            "valid": user.certification_valid_on(today),
            "expires": user.cert_expires,
            "soon": bool(user.cert_expires and user.cert_expires <= today + dt.timedelta(days=60)),
        }
    cert = panel.get("certificate")
    panel["show"] = bool(
        "compliance" in panel
        or "warnings" in panel
        or (cert and (not cert["valid"] or cert["soon"]))
    )
    return panel
