"""Each app's error codes are registered in its ``codes.Code`` enum, both ways: a code used
in the app's source and missing from its registry fails, and so does a registered code no
longer used (the registry says what a client may see, and only that)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import qingqian

ROOT = Path(qingqian.__file__).parent
#: A code is given as ``code="…"`` (a refusal) or ``code = "…"`` (an error class's default).
CODE = re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_]*)["']""")


def _apps_with_codes() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for app in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").exists()):
        codes: set[str] = set()
        for path in app.rglob("*.py"):
            if "migrations" in path.parts or path.name == "codes.py":
                continue
            codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
        if codes:
            found[app.name] = codes
    return found


USED = _apps_with_codes()


def test_the_scan_sees_the_codes() -> None:
    assert len(USED) >= 20
    assert "fee_above_cap" in USED["fees"]


@pytest.mark.parametrize("app", sorted(USED))
def test_every_code_is_registered_and_every_registered_code_used(app: str) -> None:
    module = importlib.import_module(f"qingqian.{app}.codes")
    registered = {member.value for member in module.Code}
    assert sorted(USED[app] - registered) == [], f"add these to qingqian/{app}/codes.py"
    assert sorted(registered - USED[app]) == [], f"remove these from qingqian/{app}/codes.py"


def test_apps_without_codes_have_no_registry() -> None:
    stray = [p.parent.name for p in ROOT.glob("*/codes.py") if p.parent.name not in USED]
    assert stray == []
