"""The demo's judicial cases carry proceedings, deadlines, asset clues and documents."""

from __future__ import annotations

import pytest

from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock
from qingqian.demo.generator import load_demo
from qingqian.litigation.models import (
    AssetClue,
    CourtDeadline,
    LawyerProfile,
    LitigationDocument,
    Proceeding,
)
from qingqian.litigation.selectors import deadlines_due_soon

pytestmark = pytest.mark.django_db


def test_judicial_cases_carry_the_judicial_route() -> None:
    load_demo(cases=200, seed=11)
    judicial = Case.objects.filter(state__in=("litigation", "enforcement"))
    assert judicial.exists()
    without = judicial.exclude(pk__in=Proceeding.objects.values("case"))
    assert not without.exists()  # every one (under the caps) has a proceeding
    enforcement = Case.objects.filter(state="enforcement")
    assert Proceeding.objects.filter(case__in=enforcement, kind="enforcement").count() == (
        enforcement.count()
    )
    assert CourtDeadline.objects.filter(kind="payment_order_objection").exists()
    assert CourtDeadline.objects.filter(kind="enforcement").exists()
    assert Proceeding.objects.filter(terminated_on__isnull=False, debtor_dishonest=True).exists()
    assert AssetClue.objects.filter(case__in=enforcement).count() == enforcement.count()
    lawyer = LawyerProfile.objects.get().user
    assert deadlines_due_soon(lawyer, today=clock.today())  # something to warn about
    final = LitigationDocument.objects.filter(final=True).first()
    assert final is not None and final.kind == "enforcement_application"
    assert TimelineEvent.objects.filter(case=final.case, note__contains=final.sha256).exists()
    assert LitigationDocument.objects.filter(kind="complaint", final=False).exists()
