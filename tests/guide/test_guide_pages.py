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


def test_configuration_lists_every_variable_the_code_reads() -> None:
    read = set()
    for path in (REPO / "src" / "qingqian").rglob("*.py"):
        read |= set(ENV_READ.findall(path.read_text(encoding="utf-8")))
    assert len(read) > 50
    for lang in ("zh", "en"):
        text = (GUIDE / lang / "admin" / "configuration.md").read_text(encoding="utf-8")
        listed = set(re.findall(r"`(QINGQIAN_[A-Z0-9_]+)`", text))
        assert read <= listed, f"{lang}: not in the table: {sorted(read - listed)}"
