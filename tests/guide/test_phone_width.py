"""Every page a role's menu leads to fits a phone (390 px) without scrolling sideways, in
Chinese and in English: a wide table scrolls inside itself, never the page. Walked on the
demo as the lawyer (the widest staff menu), a collector and a creditor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.guide.conftest import Demo
from tests.guide.journeys import require_browser

expect = require_browser()

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _menu(page: Any) -> list[str]:
    links = page.eval_on_selector_all(
        "nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    skip = ("/logout", "/i18n", "/guide", "/admin")
    return [h for h in dict.fromkeys(links) if not h.startswith(skip)]


def test_every_menu_page_fits_a_phone(page: Any, demo: Demo) -> None:
    page.set_viewport_size(PHONE)
    too_wide = []
    walked = 0
    for username in ("lawyer", "collector", "creditor-ems"):
        demo.log_in(page, username)
        for lang in ("zh-hans", "en"):
            page.context.add_cookies([{"name": "django_language", "value": lang, "url": demo.base}])
            page.goto(f"{demo.base}/")
            for href in ["/", *_menu(page)]:
                page.goto(f"{demo.base}{href}")
                walked += 1
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    too_wide.append(f"{username} {lang} {href}: {width} px")
    assert walked > 30  # the menus were found and walked
    assert too_wide == []
