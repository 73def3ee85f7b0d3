"""Every audit action the application writes has words in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from qingqian.compliance.labels import ACTIONS, AREAS, action_words

SRC = Path(__file__).resolve().parents[2] / "src" / "qingqian"
LITERAL = re.compile(r'action="([a-z_]+\.[a-z_]+)"')
_NOT_AUDIT = {"append", "store_true"}


def _literals() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "audit_record" not in text and "_audit" not in text:
            continue
        found |= set(LITERAL.findall(text))
    return found - _NOT_AUDIT


def test_every_literal_action_has_words() -> None:
    missing = sorted(a for a in _literals() if a not in ACTIONS)
    assert missing == []


def test_the_dynamic_families_have_words() -> None:
    from qingqian.evidence.models import VersionKind
    from qingqian.negotiation.models import PromiseState

    for field in ("id_number", "phone"):
        assert f"party.reveal_{field}" in ACTIONS
    for state in (PromiseState.KEPT, PromiseState.BROKEN):
        assert f"promise.{state}" in ACTIONS
    for kind in (VersionKind.REDACTION, VersionKind.CONVERSION):
        assert f"evidence.{kind}" in ACTIONS
    for component in ("costs", "interest"):
        assert f"charge.{component}" in ACTIONS
    netting = (SRC / "netting" / "services.py").read_text(encoding="utf-8")
    for name in re.findall(r'_audit\(actor, round_, "(\w+)"', netting):
        assert f"netting.{name}" in ACTIONS, name
    portal = (SRC / "portal" / "services.py").read_text(encoding="utf-8")
    for name in re.findall(r'_audit\(\s*\w+,\s*"(\w+)"', portal):
        assert f"portal.{name}" in ACTIONS, name


def test_an_unknown_action_is_still_words() -> None:
    assert action_words("portal.something_new") == "债务人自助页面：其他操作"
    assert action_words("portal.something_new", en=True) == "debtor portal: other operation"
    assert action_words("zzz") == "系统：其他操作"
    for code, (zh, en) in ACTIONS.items():
        assert zh and en and "." not in zh, code
        assert code.split(".")[0] in AREAS, code
