"""The guide's Markdown stays whole and current: every page in both languages with the same
sections, every picture taken by some journey, every environment variable the code reads in
the administrator's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "guide"
ANCHOR = re.compile(r"^#{1,6} .*\{#([a-z0-9-]+)\}\s*$", re.MULTILINE)
PICTURE = re.compile(r"!\[[^\]]*\]\(((?:\.\./)+shots/([^)]+?)(?:\.phone)?\.(zh|en)\.png)\)")
# How code reads an environment variable: os.environ.get("X"), os.environ["X"], and the
# settings module's helpers.
ENV_READ = re.compile(
    r"""(?:environ\.get\(|environ\[|_env_bool\(|_derived_key\(|_pem\()\s*["'](QINGQIAN_[A-Z0-9_]+)["']"""
)


def prose(path: Path) -> str:
    """A page's text without code spans and blocks (examples there are not pictures)."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def pages(lang: str) -> set[str]:
    return {p.relative_to(GUIDE / lang).as_posix() for p in (GUIDE / lang).rglob("*.md")}


def test_every_page_in_both_languages_and_in_the_navigation() -> None:
    assert pages("zh") == pages("en")

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)  # MkDocs' environment tag
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506

    def flatten(items: list) -> list[str]:
        out: list[str] = []
        for item in items:
            if isinstance(item, str):
                out.append(item)
            else:
                for value in item.values():
                    out.extend(flatten(value) if isinstance(value, list) else [value])
        return out

    assert sorted(flatten(config["nav"])) == sorted(pages("zh"))


@pytest.mark.parametrize("page", sorted(pages("zh")))
def test_sections_have_the_same_ids_in_both_languages(page: str) -> None:
    zh = ANCHOR.findall((GUIDE / "zh" / page).read_text(encoding="utf-8"))
    en = ANCHOR.findall((GUIDE / "en" / page).read_text(encoding="utf-8"))
    assert zh == en
    assert len(zh) == len(set(zh)), "a section id is used twice"


def test_every_picture_is_taken_by_a_journey() -> None:
    """A picture named in the guide must be a ``guide_shot`` name in some test (the strict
    build then fails if that journey did not run)."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("*.py"))
    named = set(re.findall(r'"([a-z0-9-]+/[a-z0-9-]+)"', sources))
    missing = set()
    for lang in ("zh", "en"):
        for page in pages(lang):
            for _path, name, _lang in PICTURE.findall(prose(GUIDE / lang / page)):
                if name not in named:
                    missing.add(f"{lang}/{page}: {name}")
    assert not missing, sorted(missing)


def test_pictures_are_in_the_shots_folder_only() -> None:
    for lang in ("zh", "en"):
        for page in pages(lang):
            text = prose(GUIDE / lang / page)
            for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
                assert PICTURE.match(f"![x]({target})"), f"{lang}/{page}: {target}"


# How code reads a setting: settings.X, getattr(settings, "X", …); and the settings module's
# own names (a deployment's settings module may replace any of them).
SETTING_READ = re.compile(
    r"""settings\.(QINGQIAN_[A-Z0-9_]+)|getattr\(settings,\s*["'](QINGQIAN_[A-Z0-9_]+)["']"""
)
SETTING_DEFINED = re.compile(r"^\s*(QINGQIAN_[A-Z0-9_]+)\s*[:=]", re.MULTILINE)


def test_configuration_lists_every_variable_the_code_reads() -> None:
    """Every environment variable and setting the code reads is in the administrator's
    configuration page, and the page names none the code no longer knows."""
    read: set[str] = set()
    sources = ""
    for path in (REPO / "src" / "qingqian").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        sources += text
        read |= set(ENV_READ.findall(text))
        read |= {a or b for a, b in SETTING_READ.findall(text)}
    settings_module = (REPO / "src" / "qingqian" / "settings.py").read_text(encoding="utf-8")
    read |= set(SETTING_DEFINED.findall(settings_module))
    assert len(read) > 60
    sources += (REPO / "mkdocs.yml").read_text(encoding="utf-8")  # the guide's own address
    for lang in ("zh", "en"):
        text = (GUIDE / lang / "admin" / "configuration.md").read_text(encoding="utf-8")
        listed = set(re.findall(r"`(QINGQIAN_[A-Z0-9_]+)`", text))
        assert read <= listed, f"{lang}: not in the table: {sorted(read - listed)}"
        stale = {name for name in listed if name not in sources}
        assert not stale, f"{lang}: the code no longer knows {sorted(stale)}"


# The words the product shows: the English catalogue (Chinese msgid → English msgstr) and the
# tables that carry both languages themselves (the top navigation, roles, permissions).
def product_words() -> dict[str, set[str]]:
    import gettext

    from qingqian.accounts.roles import MENU, PERM_LABELS, ROLE_LABELS
    from qingqian.strategy.playbooks import DEFAULT_PLAYBOOK_DATA

    mo = REPO / "src" / "qingqian" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    words: dict[str, set[str]] = {}
    for key, value in catalogue.items():
        msgid = (key[0] if isinstance(key, tuple) else key).rpartition("\x04")[2]  # context
        if msgid and isinstance(value, str):
            words.setdefault(msgid, set()).add(value)
    pairs = [(item.label_zh, item.label_en) for item in MENU]
    pairs += [*ROLE_LABELS.values(), *PERM_LABELS.values()]
    pairs += [(book["name_zh"], book["name_en"]) for book in DEFAULT_PLAYBOOK_DATA]
    # the other tables of both languages, ("诉讼", "Litigation"), wherever they are
    for path in (REPO / "src" / "qingqian").rglob("*.py"):
        pairs += PAIR.findall(path.read_text(encoding="utf-8"))
    for zh, en in pairs:
        words.setdefault(zh, set()).add(en)
    return words


PAIR = re.compile(r'\(\s*"([^"\n]*[\u4e00-\u9fff][^"\n]*)",\s*"([^"\n\u4e00-\u9fff]+)",?\s*\)')


# Quoted words in the guide that are not the product's labels: an example the reader types,
# a term explained, a dash the page shows for "none".
NOT_LABELS = {
    "壹万贰仟元",  # an amount typed in Chinese capitals
    "每小时预期回收额",  # the queue's order, explained
    "联系闸门",  # the gate, named
    "—",
    "不可信",  # the demo timestamp authority's label, quoted from its subject name
    "催收费",  # a fee schedule's kind as the admin site spells it
    "collection fee",
    "cease contact",
    "The collector's desk",  # a guide page's title
    "Developer documentation",
    "客户",  # a ledger's column, as a creditor's file may name it
    "客户名称",
    "=",  # the start of a formula
    "English",  # the language switch, each language in its own words
    "中文",
}


def _pattern(label: str) -> re.Pattern[str]:
    """A product string as a pattern: its placeholders (``%(n)s``, ``{n}``) match anything."""
    parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", label)
    return re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL)


def _is_label(quote: str, labels: set[str]) -> bool:
    """A label, or the start of a message up to its first stop (“支付结果确认中” of
    “支付结果确认中：收到…”). The guide's ``N`` and a trailing ``…`` stand for what the page
    fills in."""
    quote = re.sub(r"\s+", " ", quote).strip().rstrip("。.:：")
    if quote in labels or quote in NOT_LABELS:
        return True
    stem = quote.removesuffix("…").rstrip() if quote.endswith("…") else None
    for label in labels:
        if _pattern(label).fullmatch(quote) or (stem and label.startswith(stem)):
            return True
        if label.startswith(quote) and label[len(quote) : len(quote) + 1] in STOPS:
            return True
        if stem and _pattern(label).match(stem):
            return True
    return False


def _quotes(path: Path, open_: str, close: str) -> list[str]:
    text = re.sub(r"\{[^}\n]*\}", "", prose(path))  # attribute lists: { width="320" }
    text = re.sub(r"\s*\n\s*", " ", text)
    out = []
    for quote in re.findall(f"{open_}([^{close}]{{1,90}}){close}", text):
        out.extend(part.strip() for part in quote.split("→"))
    return out


STOPS = set("：:，,。.；;（(")
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_chinese_guide_quotes_the_screens_words() -> None:
    """A button, menu item or heading the guide quotes (“…”) is one the product shows: a
    renamed button makes the guide wrong, and this fails until the guide follows."""
    labels = {re.sub(r"\s+", " ", k).strip().rstrip("。.:：") for k in product_words()}
    stale = [
        f"zh/{page}: “{quote}”"
        for page in sorted(pages("zh"))
        for quote in _quotes(GUIDE / "zh" / page, "“", "”")
        if not _is_label(quote, labels)
    ]
    assert not stale, "\n".join(stale)


def test_the_english_guide_quotes_the_screens_words() -> None:
    """The same in English ("…"): a quoted label is the product's English, and a pair
    "中文 / English" is the Chinese label with the English the product shows for it."""
    words = product_words()
    chinese = {re.sub(r"\s+", " ", k).strip().rstrip("。.:：") for k in words}
    labels = {re.sub(r"\s+", " ", v).strip().rstrip("。.:：") for vs in words.values() for v in vs}
    stale = []
    for page in sorted(pages("en")):
        for quote in _quotes(GUIDE / "en" / page, '"', '"'):
            zh, sep, en = quote.partition(" / ")
            if sep and HAN.search(zh):
                if en.strip() not in words.get(zh.strip(), set()) | NOT_LABELS:
                    stale.append(f'en/{page}: "{quote}" (the product: {words.get(zh.strip())})')
            elif HAN.search(quote):  # a Chinese word the English guide quotes as the screen has it
                if not _is_label(quote, chinese):
                    stale.append(f'en/{page}: "{quote}"')
            elif not _is_label(quote, labels):
                stale.append(f'en/{page}: "{quote}"')
    assert not stale, "\n".join(stale)


def test_every_command_the_guide_names_exists() -> None:
    """``qingqian backup``, ``qingqian privacy purge`` …: a renamed command fails here."""
    from django.core.management import get_commands

    commands = set(get_commands())
    named = set()
    for lang in ("zh", "en"):
        for page in pages(lang):
            text = (GUIDE / lang / page).read_text(encoding="utf-8")
            named |= set(re.findall(r"\bqingqian ([a-z][a-z_-]*[a-z])", text))
    assert len(named) > 10
    assert named <= commands, sorted(named - commands)
