"""Suzhou/Shanghai Wu in the transcript analyser: the issue's two examples (a Wu threat that
used to read as calm; 号头 as month), the bridge to Mandarin not harming Mandarin words, and
distress recall 1.0 on the Wu corpus shipped beside the model."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from qingqian.contact.dates import parse_when
from qingqian.contact.transcripts import default_analyzer
from qingqian.contact.transcripts.model import LABELS
from qingqian.contact.transcripts.wu import is_wu, match_wu_rules, to_mandarin

CORPUS = Path(__file__).resolve().parents[2] / "src/qingqian/contact/transcripts/wu_corpus.csv"


def _rows() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_wu_threat_hands_the_call_to_a_person() -> None:
    a = default_analyzer().analyse_one("侬再打电话来我就勿客气了", dt.date(2026, 11, 5))
    assert a.primary == "anger"
    assert "handoff_to_human" in a.actions


def test_haotou_promise_is_next_month_with_the_amount() -> None:
    a = default_analyzer().analyse_one("下个号头十五号我一定还侬两万块", dt.date(2026, 11, 5))
    assert a.primary == "promise"
    assert a.promise is not None and a.promise.when is not None
    assert a.promise.when.date == dt.date(2026, 12, 15)  # not this month's 15th
    assert a.promise.amount == Decimal("20000")
    assert a.promise.when.phrase == "下个号头十五号"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("号头底还侬五千块", dt.date(2026, 11, 30)),
        ("下号头还", dt.date(2026, 12, 1)),
        ("这个号头二十号还", dt.date(2026, 11, 20)),
        ("下个号头底", dt.date(2026, 12, 31)),
    ],
)
def test_haotou_dates(text: str, day: dt.date) -> None:
    when = parse_when(text, dt.date(2026, 11, 5))
    assert when is not None and when.date == day


def test_bridge_leaves_mandarin_alone() -> None:
    assert to_mandarin("请拨打客服电话") == "请拨打客服电话"
    assert to_mandarin("寻死觅活") == "寻死觅活"
    assert to_mandarin("侬好伐？") == "你好吗？"
    assert is_wu("侬好") and not is_wu("你好")


def test_wu_rules_catch_wu_forms() -> None:
    labels = {h.label for h in match_wu_rules("货色有问题，我勿付")}
    assert labels == {"dispute"}
    assert {h.label for h in match_wu_rules("我活勿落去了")} == {"distress"}


def test_corpus_is_big_enough_and_labelled() -> None:
    rows = _rows()
    wu = [r for r in rows if r["lang"] == "wu"]
    assert len(wu) >= 300
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["lang"] for r in rows} == {"wu", "mandarin"}
    assert len({r["text"] for r in rows}) == len(rows)


def test_distress_recall_is_one_on_the_wu_corpus() -> None:
    rows = [r for r in _rows() if r["label"] == "distress"]
    analyses = default_analyzer().analyse([r["text"] for r in rows], dt.date(2026, 11, 25))
    missed = [r["text"] for r, a in zip(rows, analyses, strict=True) if "distress" not in a.labels]
    assert missed == []
