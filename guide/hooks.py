"""MkDocs hook of the user guide (mkdocs.yml ``hooks``): after the build, every section the
product's help links point to (``qingqian.web.help``) must exist in the built site, in each
language, or the build fails. Markdown headings are checked by the test suite too
(tests/guide/test_help_links.py); this checks the pages MkDocs actually wrote, ids and all.

Not part of the guide's pages: mkdocs.yml excludes it from the site.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
ID = re.compile(r"""\bid=["']?([^"'\s>]+)""")


def missing_help_targets(site: Path) -> list[str]:
    """The help targets absent from ``site``, one language's built site (the Chinese at the
    root, the English in ``en/``: MkDocs builds each with this hook)."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from qingqian.web.help import all_targets

    missing = []
    for target in sorted(all_targets()):
        page, _, anchor = target.partition("#")
        folder = "" if page == "index" else page.removesuffix("/index") + "/"
        html = site / folder / "index.html"
        where = f"{site.name}/{folder}" + (f"#{anchor}" if anchor else "")
        if not html.is_file():
            missing.append(f"{where}: no page {html.relative_to(site)}")
        elif anchor and anchor not in ID.findall(html.read_text(encoding="utf-8")):
            missing.append(f"{where}: no section with this id")
    return missing


def on_post_build(config: Any, **_: Any) -> None:
    """Run once per language: the i18n plugin builds the Chinese at the root, then the English
    into ``en/`` with the same ``site_dir``."""
    from mkdocs.exceptions import PluginError

    i18n = config["plugins"].get("i18n")
    site = Path(config["site_dir"])
    if i18n is not None and not i18n.is_default_language_build:
        site = site / i18n.current_language
    missing = missing_help_targets(site)
    if missing:
        raise PluginError(
            "The product's help links point to sections the guide does not have:\n  "
            + "\n  ".join(missing)
        )
