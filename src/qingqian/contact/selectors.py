"""Reads for the contact pages: scoped through ``cases_visible_to``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from qingqian.accounts.models import User
from qingqian.accounts.roles import Role
from qingqian.cases.models import Case
from qingqian.cases.selectors import cases_visible_to
from qingqian.common import clock
from qingqian.contact.models import (
    ContactAttempt,
    ContactFollowUp,
    ContactHold,
    ContactPolicy,
    ContactUnreachable,
)


def holds_visible_to(user: User, *, active: bool = True) -> QuerySet[ContactHold]:
    qs = ContactHold.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "party", "placed_by", "lifted_by"
    )
    if active:
        qs = qs.filter(lifted_at__isnull=True)
    return qs.order_by("-placed_at")


def denied_summary(user: User, *, since: dt.datetime) -> dict[str, Any]:
    """Denied attempts since ``since`` by deciding rule and by every reason code."""
    qs = ContactAttempt.objects.filter(organisation=user.organisation, allowed=False, at__gte=since)
    by_rule = list(qs.values("rule").annotate(n=Count("id")).order_by("-n", "rule"))
    codes: Counter[str] = Counter()
    for reasons in qs.values_list("reasons", flat=True).iterator(chunk_size=2000):
        for r in reasons:
            codes[r["code"]] += 1
    total = ContactAttempt.objects.filter(organisation=user.organisation, at__gte=since).count()
    return {
        "total": total,
        "denied": qs.count(),
        "by_rule": by_rule,
        "by_code": codes.most_common(),
        "recent": list(qs.select_related("case", "party").order_by("-at")[:50]),
    }


def case_contact_panel(case: Case) -> dict[str, Any]:
    return {
        "holds": list(
            ContactHold.objects.filter(case=case, lifted_at__isnull=True)
            .select_related("party", "placed_by")
            .order_by("-placed_at")
        ),
        "attempts": list(
            ContactAttempt.objects.filter(case=case).select_related("party").order_by("-at")[:10]
        ),
        "unreachable": list(
            ContactUnreachable.objects.filter(case=case, cleared_at__isnull=True)
            .select_related("party", "flagged_by")
            .order_by("flagged_at")
        ),
    }


def policy_versions(organisation_id: int | None) -> dict[str, list[ContactPolicy]]:
    """Each policy name's versions an organisation may read: its own, then the platform's
    (the legal floor it falls back to); never another organisation's."""
    out: dict[str, list[ContactPolicy]] = {}
    qs = ContactPolicy.objects.select_related("created_by").filter(
        Q(organisation__isnull=True) | Q(organisation_id=organisation_id)
    )
    for row in qs.order_by("name", F("organisation_id").asc(nulls_last=True), "-version"):
        out.setdefault(row.name, []).append(row)
    return out


def followups_visible_to(user: User, *, open_only: bool = True) -> QuerySet[ContactFollowUp]:
    """Follow-ups on cases the user may see; compliance sees the distress reviews."""
    qs = ContactFollowUp.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "party", "assigned_to", "done_by"
    )
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.order_by("-created_at")


def certificate_problem(user: User) -> dict[str, Any] | None:
    """Why a collector's own calls and visits will be refused, if they will: no certificate,
    or one that has expired (shown where they work, not as an empty page)."""
    if user.role != Role.COLLECTOR:
        return None
    today = clock.today()
    if user.certification_valid_on(today):
        return None
    return {"expired_on": user.cert_expires, "number": user.cert_number}
