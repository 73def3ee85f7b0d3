"""The language of the record: what goes into a case's timeline, its log and its documents.

A case's record is one document read by everyone who later handles the case, by the creditor
and, in a dispute, by a court. It is written in Chinese whatever language the person acting
has chosen for their screens: a lawyer working in English who adds a hearing must not write
"Hearing" into a Chinese case log, and a payment order drafted from an English screen is still
a Chinese court document.

Inside a service, labels are rendered lazily (``get_kind_display()``, a choice's ``label``,
``gettext_lazy``) in whatever language is active. :func:`in_record_language` activates the
record language for the duration of a service call, as a decorator or a context manager, and
restores the caller's language afterwards, so the page and the flash message that follow are
still in the user's language. Refusals carry both languages (``ApplicationError``), so they
are unaffected.

Every function that writes a timeline entry declares it (tests/common/test_record_language.py
checks the source, and loads the demo under English to read what it wrote).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from django.utils import translation

RECORD_LANGUAGE = "zh-hans"

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def record_language() -> Iterator[None]:
    """Render what is built inside in the record language; the caller's language after."""
    with translation.override(RECORD_LANGUAGE):
        yield


def in_record_language(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` in the record language (a fresh override per call: safe across threads)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(RECORD_LANGUAGE):
            return fn(*args, **kwargs)

    return wrapper
