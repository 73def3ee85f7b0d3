"""Guide journeys — mediator (guide/zh/mediator.md): the cases in mediation and a case page;
manager (guide/zh/manager.md), signed in as the administrator: aging, money (reconciliation,
remittances), scoring models and the A/B experiment."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import demo_case, nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_mediator_guide(page: Any, demo: Demo) -> None:
    base = demo.base
    demo.log_in(page, "mediator")
    page.goto(f"{base}/cases/?state=mediation")
    expect(page.locator("table.cases tbody tr").first).to_be_visible()
    guide_shot(page, "mediator/cases")
    case = demo_case(state="mediation")
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    guide_shot(page, "mediator/case")


def test_manager_guide(page: Any, demo: Demo) -> None:
    base = demo.base
    demo.log_in(page, "admin")
    nav(page, "账龄")
    guide_shot(page, "manager/aging")
    nav(page, "资金")
    guide_shot(page, "manager/reconciliation")
    page.goto(f"{base}/money/remittances/")
    guide_shot(page, "manager/remittances")
    page.goto(f"{base}/scoring/models/")
    guide_shot(page, "manager/models")
    page.goto(f"{base}/scoring/experiment/")
    guide_shot(page, "manager/experiment")
