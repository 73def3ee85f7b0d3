"""Transcript analysis: what a debtor's words mean for the next contact (pure kernel).

Chinese text from the robot vendor's transcript, an agent's notes or a chat is classified
into calm, negotiation, anger, distress, dispute or promise by a learned model (multilingual
sentence embeddings + character n-grams, :mod:`.model`) with keyword rules as a tripwire
(:mod:`.rules`); :mod:`.analyse` turns the labels into actions. Promised amounts and dates
come from :mod:`qingqian.contact.dates`. No Django, no database, no network. See
``docs/contact-transcripts.md``.

``default_analyzer()`` builds (once per process) the model from the train rows of the
labelled set shipped beside this file.
"""

from __future__ import annotations

from functools import lru_cache

from qingqian.contact.transcripts.analyse import Analysis, Analyzer, Promise
from qingqian.contact.transcripts.model import (
    LABELS,
    BlendModel,
    Example,
    load_examples,
    use_encoder,
)
from qingqian.contact.transcripts.rules import RuleHit, match_rules

__all__ = [
    "LABELS",
    "Analysis",
    "Analyzer",
    "BlendModel",
    "Example",
    "Promise",
    "RuleHit",
    "default_analyzer",
    "load_examples",
    "match_rules",
]


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The shipped analyser: USE encoder + n-grams trained on the train rows, rules on."""
    return Analyzer(BlendModel(use_encoder(), load_examples(split="train")))
