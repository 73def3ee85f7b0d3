"""``guide_shot``: the user guide's pictures, taken by the browser journeys.

Any journey (here in tests/guide, or in tests/e2e) may call
``guide_shot(page, "collector/queue")`` at the step the guide describes. It writes
``guide/shots/collector/queue.zh.png`` from the page as the user sees it, and
``queue.en.png``: the same address opened in a second browser context that shares the page's
cookies (the same signed-in session) plus the English language cookie, so the English guide
shows the English screen. A page at phone size (narrower than 600 px) writes
``queue.phone.zh.png`` and ``queue.phone.en.png``. The folder is git-ignored; ``make docs``
takes the pictures when absent and builds with --strict, so a picture the guide names but no
journey took fails the build (docs/decisions/0007-guide-screenshots.md).

Pass ``en=False`` for a state a plain reload cannot show (a form's error after a POST): the
English guide then shows the Chinese picture. ``element`` takes a CSS selector to picture only
that part of the page; ``full_page`` the whole scrolled page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GUIDE_SHOTS = REPO / "guide" / "shots"
PHONE_WIDTH = 600


def _shoot(page: Any, path: Path, element: str | None, full_page: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if element:
        page.locator(element).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)


def guide_shot(
    page: Any,
    name: str,
    *,
    en: bool = True,
    element: str | None = None,
    full_page: bool = False,
) -> list[Path]:
    """Save the guide's picture ``name`` in Chinese and (unless ``en=False``) English."""
    viewport = page.viewport_size or {"width": 1280, "height": 900}
    phone = viewport["width"] < PHONE_WIDTH
    stem = GUIDE_SHOTS / (f"{name}.phone" if phone else name)
    page.wait_for_load_state("load")
    written = [stem.with_name(stem.name + ".zh.png")]
    _shoot(page, written[0], element, full_page)
    if en:
        context = page.context.browser.new_context(
            locale="en-US",
            timezone_id="Asia/Shanghai",
            viewport=viewport,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
        )
        try:
            # The product ignores the browser's languages (Chinese unless chosen): choose English
            # with the language switch's cookie, in this context only.
            cookies = [c for c in page.context.cookies() if c["name"] != "django_language"]
            origin = page.url.split("/", 3)
            cookies.append(
                {"name": "django_language", "value": "en", "url": f"{origin[0]}//{origin[2]}/"}
            )
            context.add_cookies(cookies)
            english = context.new_page()
            english.set_default_timeout(10_000)
            english.goto(page.url)
            english.wait_for_load_state("load")
            lang = english.locator("html").get_attribute("lang")
            assert lang == "en", f"{page.url} did not render in English (lang={lang})"
            written.append(stem.with_name(stem.name + ".en.png"))
            _shoot(english, written[1], element, full_page)
        finally:
            context.close()
    (GUIDE_SHOTS / ".taken").touch()
    return written
