"""Guide journey — mediation (guide/zh/mediation.md): the roster, a case's mediation page with
the matching and the debtor's place and speech, recording a session, a signed mediation
agreement with its judicial confirmation, the figures; the community mediator (乡贤), who sees
only the cases they mediate."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import nav, require_browser
from tests.guide.shots import guide_shot

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _mediation(**filters: Any) -> Any:
    from qingqian.mediation.models import Mediation

    found = Mediation.objects.filter(**filters).order_by("pk").first()
    assert found is not None, f"the demo has no mediation with {filters}"
    return found


def test_mediation_guide(page: Any, demo: Demo) -> None:
    from qingqian.common import clock
    from qingqian.demo.mediation import COMMUNITY_LOGIN
    from qingqian.mediation.models import Mediation

    base = demo.base
    demo.log_in(page, "mediator")

    # The roster (mediation.md#roster)
    nav(page, "调解")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    guide_shot(page, "mediation/roster", full_page=True)

    # An open mediation: matching, the debtor's place and speech, a session (#case, #sessions)
    open_one = _mediation(state="assigned")
    page.goto(f"{base}/cases/{open_one.case_id}/mediation/")
    expect(page.locator("#mediation-current")).to_be_visible()
    guide_shot(page, "mediation/case")
    guide_shot(page, "mediation/match", element="#match")
    form = page.locator("#session-form")
    form.locator("select[name=mode]").select_option(index=0)
    form.locator("input[name=at]").fill(f"{clock.today().isoformat()}T09:30")
    form.locator("input[name=place]").fill("昆山市周市镇人民调解委员会")
    form.locator("input[name=participants]").fill("债权人代理人、债务人法定代表人、调解员")
    form.locator("textarea[name=minutes]").fill("双方核对对账单，债务人同意分期，下次提出方案。")
    form.get_by_role("button", name="记录调解会").click()
    expect(page.locator("#sessions")).to_contain_text("昆山市周市镇人民调解委员会")
    guide_shot(page, "mediation/sessions", element="#mediation-current")

    # A signed agreement and the judicial confirmation (#agreement, #confirmation)
    agreed = _mediation(state="agreed", agreement__confirmation__state="confirmed")
    page.goto(f"{base}/cases/{agreed.case_id}/mediation/")
    expect(page.locator("#signatures")).to_be_visible()
    guide_shot(page, "mediation/agreement", element="#agreement")

    # A failed mediation, handed to the judicial route (#failure)
    failed = _mediation(state="failed")
    page.goto(f"{base}/cases/{failed.case_id}/mediation/")
    expect(page.locator("#mediation-current")).to_contain_text("调解不成")
    guide_shot(page, "mediation/failed", element="#mediation-current")

    # The figures (#figures), as the administrator
    demo.log_in(page, "admin")
    page.goto(f"{base}/reports/mediation/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    guide_shot(page, "mediation/figures", full_page=True)

    # The community mediator sees only the cases they mediate (#community)
    demo.log_in(page, COMMUNITY_LOGIN)
    nav(page, "案件")
    rows = page.locator("table.cases tbody tr")
    expect(rows.first).to_be_visible()
    mine = {
        m.case.reference for m in Mediation.objects.filter(mediator__user__username=COMMUNITY_LOGIN)
    }
    assert mine
    expect(rows).to_have_count(len(mine))
    for reference in mine:
        expect(page.locator("table.cases tbody")).to_contain_text(reference)
    guide_shot(page, "mediation/community-cases")
