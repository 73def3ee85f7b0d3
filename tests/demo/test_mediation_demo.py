"""The demo's mediation: a Kunshan roster with 乡贤, sessions, agreements, one judicial
confirmation ruled valid, a failed mediation in litigation, and never two active plans."""

from __future__ import annotations

from collections import Counter

import pytest

from qingqian.demo.generator import load_demo
from qingqian.mediation.models import (
    ConfirmationApplication,
    Mediation,
    MediationAgreement,
    MediationSession,
    Mediator,
)
from qingqian.negotiation.models import InstallmentPlan

pytestmark = pytest.mark.django_db


def test_demo_has_a_kunshan_roster_and_mediation_work() -> None:
    load_demo(cases=300, seed=11)
    elders = Mediator.objects.filter(kind="community")
    assert elders.count() >= 3
    assert all(any(loc.startswith("昆山市/") for loc in m.localities) for m in elders)
    assert elders.filter(user__username="xiangxian").exists()
    assert MediationSession.objects.exists()
    assert MediationAgreement.objects.filter(state="signed").count() >= 2
    ruled = ConfirmationApplication.objects.filter(state="confirmed")
    assert ruled.count() == 1 and ruled.get().proceeding.kind == "judicial_confirmation"
    failed = Mediation.objects.get(state="failed")
    assert failed.case.state == "litigation"
    assert Mediation.objects.filter(state__in=["requested", "assigned"]).exists()
    active = Counter(InstallmentPlan.objects.filter(active_case__isnull=False).values_list(
        "active_case", flat=True))  # fmt: skip
    assert all(n == 1 for n in active.values())
