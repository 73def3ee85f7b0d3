"""Combine model and rules into labels and the actions they imply.

A class *fires* for an utterance when it is the model's top class, or (distress only) its
probability reaches ``DISTRESS_THRESHOLD``, or a keyword rule for it matches. Distress fires if
EITHER the model or a rule says so: a person reviews every hit, so a false alarm costs a
review and a miss could cost a life. ``primary`` is the first fired class in
``PRIORITY`` order.

Actions (the caller — the contact app — carries them out; this module only says what):

- anger → ``handoff_to_human`` (the robot hands the call over; a task on a human's queue);
- distress → ``stop_automated_contact``, ``flag_case``, ``notify_compliance``;
- dispute → ``dispute_hold``;
- promise → ``promise`` ``{amount, date, time, phrase}`` for an agent to confirm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qingqian.contact.dates import When, parse_amount, parse_when
from qingqian.contact.transcripts.model import LABELS, BlendModel
from qingqian.contact.transcripts.rules import RuleHit, match_rules
from qingqian.contact.transcripts.wu import match_wu_rules, to_mandarin

__all__ = ["PRIORITY", "Analysis", "Analyzer", "Promise"]

DISTRESS_THRESHOLD = 0.2  # chosen by cross-validation on the train rows (recall first)
PRIORITY: tuple[str, ...] = ("distress", "dispute", "anger", "promise", "negotiation", "calm")
RULE_LABELS = frozenset({"distress", "anger", "dispute"})


@dataclass(frozen=True)
class Promise:
    amount: Decimal | None
    when: When | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount": None if self.amount is None else str(self.amount),
            "date": self.when.date.isoformat() if self.when else None,
            "time": self.when.time.strftime("%H:%M") if self.when and self.when.time else None,
            "phrase": self.when.phrase if self.when else None,
            "needs_confirmation": True,
        }


@dataclass(frozen=True)
class Analysis:
    text: str
    primary: str
    labels: tuple[str, ...]
    scores: dict[str, float]
    rule_hits: tuple[RuleHit, ...]
    actions: tuple[str, ...]
    promise: Promise | None = None
    model_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "primary": self.primary,
            "labels": list(self.labels),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "model_label": self.model_label,
            "rule_hits": [h.as_dict() for h in self.rule_hits],
            "actions": list(self.actions),
            "promise": self.promise.as_dict() if self.promise else None,
        }


def actions_for(labels: Sequence[str], promise: Promise | None) -> tuple[str, ...]:
    out: list[str] = []
    if "distress" in labels:
        out += ["stop_automated_contact", "flag_case", "notify_compliance"]
    if "anger" in labels:
        out.append("handoff_to_human")
    if "dispute" in labels:
        out.append("dispute_hold")
    if promise is not None:
        out.append("promise")
    return tuple(out)


class Analyzer:
    """Classify utterances with a trained :class:`BlendModel` plus the keyword rules."""

    def __init__(self, model: BlendModel, *, use_rules: bool = True, wu: bool = True) -> None:
        """``wu``: read Suzhou/Shanghai Wu too (the model sees the utterance bridged to
        Mandarin by :func:`.wu.to_mandarin`; the Wu rules run on it as typed). ``wu=False``
        is the analyser as it was before (kept for the benchmark's before/after)."""
        self.model = model
        self.use_rules = use_rules
        self.wu = wu

    def analyse(self, texts: Sequence[str], today: dt.date) -> list[Analysis]:
        """One :class:`Analysis` per text, in order; ``today`` anchors promised dates."""
        clean = [" ".join(t.split()) for t in texts]
        seen = [to_mandarin(t) for t in clean] if self.wu else clean
        proba = self.model.predict_proba(seen)
        return [self._one(t, row, today) for t, row in zip(clean, proba, strict=True)]

    def analyse_one(self, text: str, today: dt.date) -> Analysis:
        return self.analyse([text], today)[0]

    def _one(self, text: str, row: Any, today: dt.date) -> Analysis:
        scores = {label: float(row[i]) for i, label in enumerate(LABELS)}
        top = max(scores, key=lambda k: scores[k])
        fired = {top}
        if scores["distress"] >= DISTRESS_THRESHOLD:
            fired.add("distress")
        hits: tuple[RuleHit, ...] = ()
        if self.use_rules:
            found = match_rules(to_mandarin(text) if self.wu else text)
            if self.wu:
                found += match_wu_rules(text)
            hits = tuple(found)
        fired.update(h.label for h in hits if h.label in RULE_LABELS)
        labels = tuple(c for c in PRIORITY if c in fired)
        promise = None
        if "promise" in fired:
            promise = Promise(amount=parse_amount(text), when=parse_when(text, today))
        return Analysis(
            text=text,
            primary=labels[0],
            labels=labels,
            scores=scores,
            rule_hits=hits,
            actions=actions_for(labels, promise),
            promise=promise,
            model_label=top,
        )
