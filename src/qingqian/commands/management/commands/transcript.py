"""``qingqian transcript classify|evaluate``: what a debtor's words mean for the next contact.

``qingqian transcript classify "文本" [--today 2026-11-25] --json`` prints the labels, per-class
scores, rule hits, implied actions and any promise (amount, date) to be confirmed by an agent.
``qingqian transcript evaluate [--split test|fresh] --json`` prints per-class precision and
recall on a held-out part of the labelled set (the model is trained on the train part).

Thin: parse, call ``qingqian.contact.transcripts``, print. Bad input exits with code 2 and a
bilingual message. See ``docs/contact-transcripts.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact.transcripts import Analysis, default_analyzer, load_examples
from qingqian.contact.transcripts.evaluate import score

SHANGHAI = BUSINESS_TZ


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _today(raw: str | None) -> dt.date:
    if not raw:
        return dt.datetime.now(SHANGHAI).date()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(f"日期格式应为 YYYY-MM-DD：{raw!r}", f"Expected YYYY-MM-DD: {raw!r}") from None


def _human(a: Analysis) -> str:
    lines = [f"{a.primary}  {', '.join(a.labels)}  — {a.text}"]
    if a.rule_hits:
        lines.append("  规则 rules: " + ", ".join(f"{h.rule}({h.match})" for h in a.rule_hits))
    if a.actions:
        lines.append("  动作 actions: " + ", ".join(a.actions))
    if a.promise:
        p = a.promise.as_dict()
        lines.append(f"  承诺 promise: {p['amount']} @ {p['date']} {p['time'] or ''}".rstrip())
    return "\n".join(lines)


class Command(SystemCommand):
    help = "Transcript analysis (通话文本分析): `transcript classify`, `transcript evaluate`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cls = sub.add_parser("classify", help="Classify one or more utterances.")
        cls.add_argument("text", nargs="+", help="Chinese utterance(s)")
        cls.add_argument("--today", help="local date promises are read against (YYYY-MM-DD)")
        cls.add_argument("--json", action="store_true", help="print JSON")
        ev = sub.add_parser("evaluate", help="Precision and recall on held-out utterances.")
        ev.add_argument("--split", default="test", choices=["test", "fresh"])
        ev.add_argument("--misses", action="store_true", help="list the misclassified rows")
        ev.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "classify":
            self._classify(opts)
        else:
            self._evaluate(opts)

    def _classify(self, opts: dict[str, Any]) -> None:
        texts = [t.strip() for t in opts["text"]]
        if not all(texts):
            raise _bad("文本不能为空。", "The text must not be empty.")
        today = _today(opts.get("today"))
        results = default_analyzer().analyse(texts, today)
        if opts["json"]:
            out: Any = [r.as_dict() for r in results]
            self.stdout.write(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(_human(r) for r in results))

    def _evaluate(self, opts: dict[str, Any]) -> None:
        examples = load_examples(split=opts["split"])
        analyzer = default_analyzer()
        today = dt.date(2026, 11, 25)  # fixed: evaluation must not depend on the clock
        started = time.perf_counter()
        result = score(examples, lambda ts: [a.labels for a in analyzer.analyse(ts, today)])
        elapsed = time.perf_counter() - started
        result["split"] = opts["split"]
        result["train_size"] = len(load_examples(split="train"))
        result["ms_per_utterance"] = round(1000 * elapsed / max(1, len(examples)), 2)
        if not opts["misses"]:
            result.pop("misses")
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(f"held-out {result['split']}: n={result['n']} acc={result['accuracy']}")
        for label, m in result["per_class"].items():
            self.stdout.write(
                f"  {label:<12} P={m['precision']:.3f} R={m['recall']:.3f} n={m['support']}"
            )
