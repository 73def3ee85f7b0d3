"""Benchmark: transcript classification on Suzhou/Shanghai Wu and Mandarin
(``src/qingqian/contact/transcripts/wu_corpus.csv``), before and after the Wu reading, with a
keyword peer — all in the same run, on the same rows.

Classifiers:

- **after**: the shipped analyser (``Analyzer(model, wu=True)``): the model sees the utterance
  bridged to Mandarin, the Mandarin rules run on the bridged text and the Wu rules on the
  text as typed;
- **before**: the same trained model and rules as they were (``wu=False``);
- **keywords**: the peer a team would write first: the keyword rules alone (Mandarin rules on
  the bridged text + Wu rules), "promise" when an amount or a date is found, "calm" otherwise.

The model is trained on the ``train`` rows of ``labelled.csv`` only; no row of the Wu corpus is
used for fitting. Per label: precision and recall of the *fired* labels (multi-label, as the
product acts on every fired label), and accuracy of the primary label; Wu and Mandarin rows
separately. Also: the promised date read from 「下个号头十五号我一定还侬两万块」 on 2026-11-05.

Run: ``nice .venv/bin/python benchmarks/transcripts_wu.py [--json]`` (about a minute).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qingqian.contact.dates import parse_amount, parse_when
from qingqian.contact.transcripts import Analyzer, default_analyzer, match_rules
from qingqian.contact.transcripts.analyse import PRIORITY
from qingqian.contact.transcripts.evaluate import score
from qingqian.contact.transcripts.model import Example
from qingqian.contact.transcripts.wu import match_wu_rules, to_mandarin

TODAY = dt.date(2026, 11, 25)
CORPUS = Path(__file__).resolve().parents[1] / "src/qingqian/contact/transcripts/wu_corpus.csv"
Predict = Callable[[Sequence[str]], Sequence[Sequence[str]]]


def load(lang: str) -> list[Example]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return [
            Example(r["text"], r["label"], "test") for r in csv.DictReader(f) if r["lang"] == lang
        ]


def keywords(texts: Sequence[str]) -> list[tuple[str, ...]]:
    out = []
    for t in texts:
        fired = {h.label for h in match_rules(to_mandarin(t)) + match_wu_rules(t)}
        if parse_amount(t) is not None or parse_when(t, TODAY) is not None:
            fired.add("promise")
        if not fired:
            fired.add("calm")
        out.append(tuple(c for c in PRIORITY if c in fired))
    return out


def brief(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "n": result["n"],
        "accuracy": result["accuracy"],
        "per_label": {
            k: {"P": v["precision"], "R": v["recall"], "n": v["support"]}
            for k, v in result["per_class"].items()
        },
        "missed_distress": [
            m["text"]
            for m in result["misses"]
            if m["label"] == "distress" and "distress" not in m["fired"]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    after = default_analyzer()
    before = Analyzer(after.model, wu=False)
    load_s = time.perf_counter() - t0

    def run(a: Analyzer) -> Predict:
        return lambda ts: [x.labels for x in a.analyse(ts, TODAY)]

    report: dict[str, Any] = {
        "load_and_train_s": round(load_s, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    for lang in ("wu", "mandarin"):
        rows = load(lang)
        report[lang] = {
            name: brief(score(rows, predict))
            for name, predict in (
                ("after", run(after)),
                ("before", run(before)),
                ("keywords", keywords),
            )
        }
    when = parse_when("下个号头十五号我一定还侬两万块", dt.date(2026, 11, 5))
    report["haotou_date_2026_11_05"] = when.date.isoformat() if when else None
    threat = "侬再打电话来我就勿客气了"
    report["threat_primary"] = {
        "after": after.analyse_one(threat, TODAY).primary,
        "before": before.analyse_one(threat, TODAY).primary,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"model load+train {report['load_and_train_s']} s, load average {report['loadavg']}")
    for lang in ("wu", "mandarin"):
        print(f"\n== {lang} ({report[lang]['after']['n']} utterances)")
        print(f"{'label':<12}" + "".join(f"{n:>18}" for n in ("after", "before", "keywords")))
        for label in PRIORITY:
            cells = []
            for name in ("after", "before", "keywords"):
                v = report[lang][name]["per_label"][label]
                cells.append(f"P{v['P']:.2f} R{v['R']:.2f}".rjust(18))
            print(f"{label:<12}" + "".join(cells))
        print(
            f"{'accuracy':<12}"
            + "".join(
                f"{report[lang][n]['accuracy']:>18.3f}" for n in ("after", "before", "keywords")
            )
        )
        for name in ("after", "before", "keywords"):
            missed = report[lang][name]["missed_distress"]
            if missed:
                print(f"  {name} missed distress: {missed}")
    print(f"\n下个号头十五号 on 2026-11-05 → {report['haotou_date_2026_11_05']}")
    print(f"侬再打电话来我就勿客气了 → {report['threat_primary']}")


if __name__ == "__main__":
    main()
