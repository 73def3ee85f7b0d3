"""Shared steps of the guide journeys (module-level skips and the demo's cases)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM


def require_browser() -> Any:
    """Skip the calling module without Chromium or Playwright; else Playwright's ``expect``."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent", allow_module_level=True)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Python playwright is not installed"
    )
    return sync_api.expect


def demo_case(**filters: Any) -> Any:
    """The demo's first case (by id) matching ``filters``, with a company debtor."""
    from qingqian.cases.models import Case

    case = (
        Case.objects.filter(**filters)
        .filter(case_parties__role="debtor", case_parties__party__kind="company")
        .order_by("pk")
        .first()
    )
    assert case is not None, f"the demo has no case with {filters}"
    return case


def mobile_debtor_case() -> tuple[Any, Any]:
    """The demo's first negotiation case whose company debtor has a mobile number, and that
    debtor: the one-time link and codes go by SMS, which the gate sends to mobiles only."""
    from qingqian.cases.models import CaseParty

    link = (
        CaseParty.objects.filter(
            case__state="negotiation",
            role="debtor",
            party__kind="company",
            party__phone_kind="mobile",
        )
        .select_related("case", "party")
        .order_by("case_id")
        .first()
    )
    assert link is not None, "the demo has no negotiation case with a mobile debtor"
    return link.case, link.party


def nav(page: Any, name: str) -> None:
    """Click an item of the top navigation."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def fits_phone(page: Any) -> None:
    """The page does not scroll sideways at its (phone) width; else say what sticks out: an
    element past the edge, or text wider than its box (a long unbroken digest)."""
    width = page.viewport_size["width"]
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return
    culprits = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')].filter(e =>
            getComputedStyle(e).overflowX === 'visible'
            && (e.getBoundingClientRect().right + window.scrollX > width + 0.5
                || e.scrollWidth > e.clientWidth + 1)).slice(0, 6).map(e =>
            `${e.tagName}.${e.className} ${e.clientWidth}/${e.scrollWidth}`
            + ` ${(e.textContent || '').trim().slice(0, 30)}`)""",
        width,
    )
    raise AssertionError(f"{page.url} is wider than {width} px: {culprits}")
