"""``qingqian daily`` runs the day's scheduled work in one go and can be run twice."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qingqian.cases.models import Case
from qingqian.scoring.models import CaseScore

pytestmark = pytest.mark.django_db


def _daily(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("daily", *args, "--json", stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_the_day_scores_open_cases_and_remits_on_the_first(case: Any) -> None:
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    first = _daily("--today", "2026-12-01")
    assert set(first) >= {
        "negotiation", "strategy_steps", "feasibility_reports", "scores", "remittance",
    }  # fmt: skip
    assert first["remittance"]["period"] == "2026-11"
    assert first["scores"][case.organisation.short_code]["scored"] == 1
    assert CaseScore.objects.filter(case=case, is_latest=True).count() == 1
    second = _daily("--today", "2026-12-02")
    assert "remittance" not in second  # only on the 1st
    assert CaseScore.objects.filter(case=case).count() == 2
    assert CaseScore.objects.filter(case=case, is_latest=True).count() == 1


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(CommandError) as err:
        call_command("daily", "--today", "2026-13-01")
    assert "YYYY-MM-DD" in str(err.value)


def test_the_day_totals_the_contact_plan(case: Any) -> None:
    import datetime as dt

    from qingqian.common import clock

    Case.objects.filter(pk=case.pk).update(state="negotiation")
    tomorrow = clock.today() + dt.timedelta(days=1)
    plan = _daily("--today", tomorrow.isoformat())["contact_plan"][case.organisation.short_code]
    assert plan["planned"] == 1 and plan["per_channel"] == {"voice": 1}
    assert plan["left_out"] == 0
    # a day gone by has no plan (planning is a forecast)
    assert "contact_plan" not in _daily("--today", "2020-01-02")
