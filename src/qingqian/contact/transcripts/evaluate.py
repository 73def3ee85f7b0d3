"""Per-class precision and recall of fired labels on the held-out rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qingqian.contact.transcripts.model import LABELS, Example

__all__ = ["score"]


def score(
    examples: Sequence[Example],
    predict: Callable[[Sequence[str]], Sequence[Sequence[str]]],
) -> dict[str, Any]:
    """``predict(texts)`` gives the fired labels per text; the first is the primary label.

    A class counts as predicted for an utterance when it fired (multi-label), so precision
    charges every false alarm and recall every miss. ``accuracy`` compares primary labels.
    """
    fired = predict([e.text for e in examples])
    per: dict[str, dict[str, float | int]] = {}
    for c in LABELS:
        tp = sum(1 for e, f in zip(examples, fired, strict=True) if e.label == c and c in f)
        fp = sum(1 for e, f in zip(examples, fired, strict=True) if e.label != c and c in f)
        fn = sum(1 for e, f in zip(examples, fired, strict=True) if e.label == c and c not in f)
        per[c] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "support": tp + fn,
        }
    correct = sum(1 for e, f in zip(examples, fired, strict=True) if f and f[0] == e.label)
    misses = [
        {"text": e.text, "label": e.label, "fired": list(f)}
        for e, f in zip(examples, fired, strict=True)
        if not f or f[0] != e.label or e.label not in f
    ]
    return {
        "n": len(examples),
        "accuracy": round(correct / len(examples), 4) if examples else 0.0,
        "per_class": per,
        "misses": misses,
    }
