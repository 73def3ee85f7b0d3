"""The English catalogue is complete and compiled; pages switch language."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "src" / "qingqian" / "locale" / "en" / "LC_MESSAGES"


def test_every_string_has_an_english_translation() -> None:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    untranslated = [
        e for e in entries if 'msgstr ""\n' not in e and e.rstrip().endswith('msgstr ""')
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text


def test_catalogue_is_compiled() -> None:
    from gettext import GNUTranslations

    with (LOCALE / "django.mo").open("rb") as fh:  # run `make messages` if this is missing
        catalogue = GNUTranslations(fh)
    assert catalogue.gettext("案件") == "Cases"


@pytest.mark.django_db
def test_english_pages(users: Any) -> None:
    web = Client()
    web.force_login(users["lawyer"])
    web.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = web.get("/cases/").content.decode()
    assert "Debtor name, credit code, invoice no. or case no." in page
    assert "案件" not in page.split("<main>")[1].split("</h1>")[0]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_numbers_are_grouped_by_thousands_with_commas_in_both_languages(lang: str) -> None:
    """Django's Chinese formats group by four digits with no separator; amounts and counts
    show as on Chinese invoices, a comma every three digits (common.formats)."""
    import datetime as dt

    from django.template import Context, Template
    from django.utils import translation

    page = Template(
        "{% load humanize %}{{ n|intcomma }} {{ m|floatformat:2|intcomma }} {{ d|date:'Y-m-d' }}"
    )
    values = {"n": 1234567, "m": Decimal("12000.5"), "d": dt.date(2026, 1, 2)}
    with translation.override(lang):
        text = page.render(Context(values))
    assert text == "1,234,567 12,000.50 2026-01-02"


@pytest.mark.parametrize(
    ("language", "exact", "shown"),
    [
        ("zh-hans", True, "共 12,345 件"),
        ("en", True, "12,345 cases"),
        ("en", False, "About 12,345 cases"),
        ("zh-hans", False, "约 12,345 件"),
    ],
)
def test_case_count_is_grouped_by_thousands(language: str, exact: bool, shown: str) -> None:
    """The case list's count, exact or estimated, groups its digits in both languages."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        html = render_to_string(
            "web/_case_rows.html",
            {"count": 12345, "count_exact": exact, "rows": [], "num_pages": 1},
        )
    assert shown in html, html[:300]
