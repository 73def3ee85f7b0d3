"""The strategy engine sees the debt radar: the debtor's score and evidence strength."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from qingqian.cases.models import Case
from qingqian.scoring.models import CaseScore
from qingqian.scoring.services import rescore
from qingqian.strategy.services import debtor_view

pytestmark = pytest.mark.django_db


def test_debtor_view_carries_the_latest_score_and_evidence(case: Any, debtor: Any) -> None:
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    before = debtor_view(debtor, organisation=case.organisation)
    assert before.score is None  # not scored yet: a score condition will not match
    assert before.evidence_strength == "none"
    rescore(Case.objects.filter(pk=case.pk), at=dt.date(2026, 12, 15))
    latest = CaseScore.objects.get(case=case, is_latest=True)
    after = debtor_view(debtor, organisation=case.organisation)
    assert after.score == (Decimal(latest.score) / 100).quantize(Decimal("0.01"))
    assert Decimal(0) <= after.score <= Decimal(1)
