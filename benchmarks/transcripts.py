"""Benchmark of transcript classification (``qingqian.contact.transcripts``).

Scores the held-out rows (``test`` + ``fresh``) of the shipped labelled set and reports, in one
run, for three classifiers:

- **qingqian**: the shipped analyser (USE multilingual encoder + character n-grams, keyword
  tripwire), trained on the ``train`` rows at start-up;
- **keywords**: the keyword rules alone, plus "promise" when an amount or a date is found and
  "calm" otherwise (the cheap peer a team would write first);
- **snownlp** (if installed; ``pip install snownlp==0.12.3``): a general Chinese sentiment
  model, read as "distress" when its positivity score is below 0.5 (the generous reading) —
  shown only for its distress recall and its score for 我已经买好安眠药了.

Latency: wall milliseconds per utterance, batched (the whole held-out set in one call, best of
``--repeat`` runs) and one at a time (mean over the set), after a warm-up; model loading is
reported separately. Target: ≤ 100 ms per utterance batched.

Run: ``nice .venv/bin/python benchmarks/transcripts.py [--repeat 3] [--json]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

from qingqian.contact.dates import parse_amount, parse_when
from qingqian.contact.transcripts import default_analyzer, load_examples, match_rules
from qingqian.contact.transcripts.analyse import PRIORITY
from qingqian.contact.transcripts.evaluate import score

TODAY = dt.date(2026, 11, 25)
Predict = Callable[[Sequence[str]], Sequence[Sequence[str]]]


def keyword_baseline(texts: Sequence[str]) -> list[tuple[str, ...]]:
    out = []
    for t in texts:
        fired = {h.label for h in match_rules(t)}
        if parse_amount(t) is not None or parse_when(t, TODAY) is not None:
            fired.add("promise")
        if not fired:
            fired.add("calm")
        out.append(tuple(c for c in PRIORITY if c in fired))
    return out


def snownlp_peer() -> Predict | None:
    try:
        from snownlp import SnowNLP  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None

    def predict(texts: Sequence[str]) -> list[tuple[str, ...]]:
        return [("distress",) if SnowNLP(t).sentiments < 0.5 else ("calm",) for t in texts]

    return predict


def timed(predict: Predict, texts: Sequence[str], repeat: int) -> dict[str, float]:
    predict(texts[:8])  # warm-up
    batched = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        predict(texts)
        batched.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for t in texts:
        predict([t])
    single = time.perf_counter() - t0
    return {
        "batched_ms_per_utterance": round(1000 * min(batched) / len(texts), 3),
        "single_ms_per_utterance": round(1000 * single / len(texts), 3),
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    per = result["per_class"]
    return {
        "accuracy": result["accuracy"],
        "distress_recall": per["distress"]["recall"],
        "distress_precision": per["distress"]["precision"],
        "per_class": per,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    held = load_examples(split="test") + load_examples(split="fresh")
    texts = [e.text for e in held]
    t0 = time.perf_counter()
    analyzer = default_analyzer()
    load_s = time.perf_counter() - t0

    def ours(ts: Sequence[str]) -> list[tuple[str, ...]]:
        return [a.labels for a in analyzer.analyse(ts, TODAY)]

    report: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "held_out": len(held),
        "train": len(load_examples(split="train")),
        "qingqian": {
            "load_and_train_s": round(load_s, 2),
            **timed(ours, texts, args.repeat),
            **summary(score(held, ours)),
        },
        "keywords": {
            **timed(keyword_baseline, texts, args.repeat),
            **summary(score(held, keyword_baseline)),
        },
    }
    peer = snownlp_peer()
    if peer is None:
        report["snownlp"] = "not installed"
    else:
        from snownlp import SnowNLP

        result = score(held, peer)
        report["snownlp"] = {
            **timed(peer, texts, 1),
            "distress_recall": result["per_class"]["distress"]["recall"],
            "distress_precision": result["per_class"]["distress"]["precision"],
            "positivity_of_我已经买好安眠药了": round(SnowNLP("我已经买好安眠药了").sentiments, 3),
        }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"held-out utterances: {report['held_out']} (trained on {report['train']})")
    for name in ("qingqian", "keywords"):
        r = report[name]
        print(
            f"{name:<9} acc={r['accuracy']:.3f} distress R={r['distress_recall']:.3f} "
            f"P={r['distress_precision']:.3f}  batched {r['batched_ms_per_utterance']} ms/utt, "
            f"single {r['single_ms_per_utterance']} ms/utt"
        )
    print(f"qingqian model load + train: {report['qingqian']['load_and_train_s']} s")
    print(f"snownlp: {report['snownlp']}")


if __name__ == "__main__":
    main()
