"""The case record is written in Chinese whatever language the person acting reads
(qingqian.common.language): every writer of a timeline entry declares the record language,
and a demo loaded by someone reading English writes the same Chinese record."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.demo.loaded import demo_once

SRC = Path(__file__).resolve().parents[2] / "src" / "qingqian"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _writers() -> list[tuple[str, str, bool]]:
    """(file, function, declares the record language) for each function writing a timeline entry."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(body: list[ast.stmt], path: Path = path) -> None:
            for node in body:
                if isinstance(node, ast.ClassDef):
                    visit(node.body)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    calls = [
                        n
                        for n in ast.walk(node)
                        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "timeline_add"
                    ]
                    if calls:
                        names = [getattr(d, "id", "") for d in node.decorator_list]
                        marked = "in_record_language" in names
                        found.append((str(path.relative_to(SRC)), node.name, marked))

        visit(tree.body)
    return found


def test_every_timeline_writer_declares_the_record_language() -> None:
    writers = _writers()
    assert len(writers) > 40  # the scan found the writers (it would pass vacuously otherwise)
    undeclared = [f"{f}:{name}" for f, name, marked in writers if not marked]
    assert undeclared == [], "add @in_record_language to: " + ", ".join(undeclared)


def _english_labels() -> set[str]:
    """Every English rendering of a Chinese UI string that could leak into a note: the
    catalogue's translations of Chinese messages, as whole words of five letters or more."""
    catalog = translation.trans_real.translation("en")._catalog  # type: ignore[attr-defined]
    out = set()
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, tuple):  # plural forms
            msgid = msgid[0]
        if not isinstance(msgstr, str) or not CJK.search(str(msgid)) or CJK.search(msgstr):
            continue
        text = msgstr.strip()
        if len(text) >= 5 and re.search(r"[A-Za-z]{3}", text) and "%" not in text:
            out.add(text)
    return out


def _prose(note: str) -> str:
    """A note without the canonical JSON some notes carry (its keys are not words)."""
    start = note.find("{")
    return note[:start] if start >= 0 else note


@pytest.fixture(scope="module")
def english_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded by someone reading English: every service it calls writes notes."""
    with (
        translation.override("en"),
        demo_once(django_db_blocker, tmp_path_factory, cases=120, seed=5) as loaded,
    ):
        yield loaded


@pytest.mark.django_db
def test_a_demo_loaded_in_english_writes_a_chinese_record(english_demo, settings) -> None:
    from qingqian.cases.models import TimelineEvent

    english_demo.use(settings)
    labels = _english_labels()
    assert "Bank transfer" in labels or len(labels) > 500  # the catalogue was read
    notes = list(TimelineEvent.objects.exclude(note="").values_list("kind", "note"))
    assert len({kind for kind, _ in notes}) >= 15  # the demo wrote many kinds of note
    # One pattern per label, compiled once (hundreds of labels overflow re's own cache), and
    # tried only on the notes that hold the label at all.
    whole = {label: re.compile(rf"(?<![A-Za-z]){re.escape(label)}(?![A-Za-z])") for label in labels}
    prose = [(kind, note, _prose(note)) for kind, note in notes]
    leaked = sorted(
        {
            f"{kind}: {label!r} in {note!r}"
            for kind, note, text in prose
            for label, pattern in whole.items()
            if label in text and pattern.search(text)
        }
    )
    assert leaked == []
