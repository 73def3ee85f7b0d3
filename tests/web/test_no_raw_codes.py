"""Walk every page of the demo as each demo login, in Chinese and in English, and fail on
what a user must never read: internal codes (snake_case keys such as ``181_365`` or
``documented_interest``, Python's True/False/None), money without thousands separators
(``380000.00 CNY``, ``¥429248.50``) and, in Chinese, flash messages in both languages.

A crawler over the Django test client: from the home page it follows every same-site link
(GET only, no downloads), one page per URL shape and per page of list results, so each kind
of page is seen as each role sees it."""

from __future__ import annotations

import html as htmllib
import re
from collections import deque
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"(?<![\w./:#@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./:@-])")
BUCKET = re.compile(r"(?<![\w.])\d+_\d+(?![\w.])")
PYTHON = re.compile(r"(?<![\w])(True|False|None)(?![\w]| of | yet| of\b)")
BARE_MONEY = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")
YUAN_NO_COMMA = re.compile(r"¥\s?\d{4,}")
CNY = re.compile(r"\d\s?CNY\b|\bCNY\s?\d")
BILINGUAL = re.compile(r"[\u4e00-\u9fff][^<>]{0,200}? / [A-Z][a-z]+ [a-z]+")
SKIP_PATH = re.compile(
    r"(\.(csv|xlsx|docx|pdf|zip|json|txt|ics|tsr)$)|^/(logout|i18n|admin|api|static|media|guide)"
    r"|/download|/notice\.|/feed|/package|/export|errors\.csv|/demo/outbox"
)
HREF = re.compile(r'href="([^"#]*)')
#: Machine text a page may show on purpose (log hashes, identifiers in code tags).
ALLOWED = {"sha256"}
PER_SHAPE = 1
MAX_PAGES = 90


def visible_text(page: str) -> str:
    """The text a reader sees: no tags, scripts, styles, attributes or <code> samples."""
    page = re.sub(r"(?is)<(script|style|code|pre|svg|textarea)\b.*?</\1>", " ", page)
    page = re.sub(r"(?is)<select\b[^>]*>.*?</select>", lambda m: _options(m.group(0)), page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return htmllib.unescape(page)


def _options(select: str) -> str:
    return " ".join(re.findall(r"(?s)<option[^>]*>(.*?)</option>", select))


def problems(text: str, *, zh: bool) -> list[str]:
    found = []
    for rx, what in (
        (SNAKE, "code"),
        (BUCKET, "bucket code"),
        (PYTHON, "Python value"),
        (BARE_MONEY, "unformatted amount"),
        (YUAN_NO_COMMA, "unformatted amount"),
        (CNY, "currency code"),
    ):
        for m in rx.finditer(text):
            if m.group(0) not in ALLOWED:
                start = max(0, m.start() - 30)
                found.append(f"{what}: {m.group(0)!r} in …{text[start : m.end() + 30]!r}…")
    if zh:
        for m in BILINGUAL.finditer(text):
            found.append(f"bilingual: {m.group(0)[:120]!r}")
    return found


def _shape(path: str) -> str:
    return re.sub(r"\d+", "#", path)


def crawl(client: Client, *, zh: bool) -> dict[str, list[str]]:
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[str] = deque(["/"])
    bad: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        if resp.status_code != 200 or "html" not in resp.get("Content-Type", ""):
            continue
        if resp.streaming:  # a file served as it is (the built user guide, not a page)
            continue
        page = resp.content.decode()
        found = problems(visible_text(page), zh=zh)
        if found:
            bad[url] = sorted(set(found))[:8]
        for href in HREF.findall(page):
            href = urldefrag(htmllib.unescape(href))[0]
            parsed = urlparse(href)
            if parsed.netloc or not parsed.path.startswith("/") or SKIP_PATH.search(parsed.path):
                continue
            target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            shape = _shape(parsed.path) + ("?" + _shape(parsed.query) if parsed.query else "")
            if target in seen or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(target)
    return bad


@pytest.fixture
def demo(settings: Any) -> Any:
    from qingqian.demo.generator import load_demo

    settings.QINGQIAN_TIMESTAMP_AUTHORITY = "qingqian.ledger.demo_tsa.demo_authority"
    return load_demo(cases=30, seed=7)


def test_the_detectors() -> None:
    text = visible_text(
        "<p>证据强度 medium · 账龄 181_365 · documented_interest · halved False</p>"
        "<p>380000.00 CNY ¥429248.50</p><p title='not_shown'>¥1,234.50 12,000.00</p>"
        "<code>a_b</code><select><option value='x_y'>标签</option></select>"
    )
    found = " ".join(p.split(" in …")[0] for p in problems(text, zh=True))
    for token in ("181_365", "documented_interest", "False", "380000.00", "¥429248", "CNY"):
        assert token in found, token
    assert "not_shown" not in found and "1,234.50" not in found and "x_y" not in found
    assert problems("保存成功 / Saved the plan.", zh=True)
    assert not problems("保存成功。", zh=True)


def test_every_demo_page_as_every_role_in_both_languages(demo: Any) -> None:
    from qingqian.accounts.models import User

    failures: dict[str, dict[str, list[str]]] = {}
    for login in demo.logins:
        user = User.objects.get(username=login["username"])
        for lang in ("zh-hans", "en"):
            client = Client(headers={"Accept-Language": lang})
            client.force_login(user)
            client.cookies["django_language"] = lang
            bad = crawl(client, zh=lang == "zh-hans")
            if bad:
                failures[f"{login['username']} {lang}"] = bad
    report = "\n".join(
        f"{who} {url}: {msg}"
        for who, pages in failures.items()
        for url, msgs in pages.items()
        for msg in msgs
    )
    assert not failures, report
