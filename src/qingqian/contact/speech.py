"""Who speaks what, for contact: a debtor's dialect (to pick a message or robot-call script
written in it) and the collectors who speak it (to give them the debtor's calls in the day
plan).

The roster of places and dialects — ``SpeechProfile`` for staff, ``DebtorProfile`` for
debtors, and the matching that ranks people by them — belongs to the mediation app, which
sits above contact and the desk. It registers itself here at start-up
(``MediationConfig.ready``), as the apps register their row checks with the ledger; with no
source registered nobody's dialect is known and every message uses its plain template.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from django.template import TemplateDoesNotExist
from django.template.loader import get_template

__all__ = [
    "DebtorSpeech",
    "SpeechSource",
    "debtor_speech",
    "register_speech_source",
    "template_for",
]


@dataclass(frozen=True)
class DebtorSpeech:
    """A debtor's dialect (a ``mediation.geo.Dialect`` value: ``kunshan``, ``suzhou``…; the
    preferred one, or the local speech of their registered place) and the organisation's
    collectors who speak it, best first (user ids). ``preferred``: the debtor said so (only
    then are messages written in it; a place alone only steers who calls)."""

    dialect: str
    speakers: tuple[int, ...] = ()
    preferred: bool = False
    label_zh: str = ""  # the dialect's name, for pages
    label_en: str = ""


class SpeechSource(Protocol):
    def __call__(
        self, organisation_id: int, party_ids: Collection[int]
    ) -> dict[int, DebtorSpeech]: ...


_source: list[SpeechSource] = []


def register_speech_source(source: SpeechSource) -> None:
    """Make ``source`` the one answer to who speaks what (replaces an earlier one)."""
    _source[:] = [source]


def debtor_speech(organisation_id: int, party_ids: Collection[int]) -> dict[int, DebtorSpeech]:
    """Each known debtor's dialect and speakers, in a fixed number of queries; debtors whose
    dialect is unknown are absent."""
    if not _source or not party_ids:
        return {}
    return _source[0](organisation_id, party_ids)


def template_for(template: str, dialect: str) -> tuple[str, str]:
    """The template file to render for ``template`` to a speaker of ``dialect`` and the dialect
    it is written in: ``contact/messages/<dialect>/<template>.txt`` if one exists, otherwise
    the plain ``contact/messages/<template>.txt`` (dialect ``""``)."""
    if dialect and dialect.isidentifier():
        name = f"contact/messages/{dialect}/{template}.txt"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            pass
        else:
            return name, dialect
    return f"contact/messages/{template}.txt", ""
