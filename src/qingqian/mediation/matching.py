"""Matching a case to mediators (or collectors) by dialect, place, speciality and load
(pure, no Django).

Score out of 100:

- **dialect** (up to 40): the debtor's preferred dialect (or, unknown, the local speech of
  their district) spoken by the candidate, weighted by level (native 1, fluent 0.8,
  understands 0.4); a different Wu variety counts 60 %; Mandarin to a Wu speaker counts 50 %
  (everyone in Suzhou understands it, few warm to it);
- **place** (up to 30): same town or street 30, same county-level unit 20, elsewhere in
  Suzhou 5;
- **speciality** (20): the case's debt type is one of the candidate's specialities;
- **load** (up to 10): free diary capacity, ``10 × free / capacity``.

Excluded, never scored: candidates who listed a party of the case as a conflict of interest,
full diaries, inactive candidates and community mediators without a recorded consent and
confidentiality undertaking. Ties go to the lower id, so the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qingqian.mediation.geo import (
    DIALECT_LABELS,
    LEVEL_LABELS,
    LEVEL_WEIGHT,
    LOCAL_DIALECT,
    SPECIALITY_LABELS,
    WU,
    Dialect,
    Level,
    Locality,
    Speciality,
)

__all__ = ["Candidate", "Match", "Need", "Reason", "dialect_matched", "rank"]


@dataclass(frozen=True, slots=True)
class Reason:
    zh: str
    en: str

    def text(self, en: bool = False) -> str:
        return self.en if en else self.zh


@dataclass(frozen=True, slots=True)
class Need:
    """What the case asks for: the debtor's place and speech, the debt type, the parties."""

    locality: Locality | None
    dialect: Dialect | None
    speciality: str
    party_ids: frozenset[int] = frozenset()

    @property
    def wanted_dialect(self) -> Dialect | None:
        if self.dialect is not None:
            return self.dialect
        if self.locality is not None:
            return LOCAL_DIALECT.get(self.locality.district)
        return None


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    name: str
    localities: tuple[Locality, ...]
    dialects: dict[Dialect, Level]
    specialities: frozenset[str]
    capacity: int
    open_cases: int
    conflicts: frozenset[int] = frozenset()
    eligible: bool = True  # active, and (community mediators) consent + undertaking recorded


@dataclass(frozen=True, slots=True)
class Match:
    candidate: Candidate
    score: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    dialect_matched: bool = False

    def as_dict(self, en: bool = False) -> dict[str, object]:
        return {
            "mediator": self.candidate.id,
            "name": self.candidate.name,
            "score": self.score,
            "reasons": [r.text(en) for r in self.reasons],
        }


def _dl(d: Dialect) -> tuple[str, str]:
    return DIALECT_LABELS[d]


def _dialect_part(want: Dialect | None, spoken: dict[Dialect, Level]) -> tuple[float, Reason]:
    if want is None:
        level = spoken.get(Dialect.MANDARIN)
        if level is None:
            return 0.0, Reason("债务人语言未知，候选人不讲普通话", "debtor's language unknown")
        return 20.0 * LEVEL_WEIGHT[level], Reason(
            "债务人语言未知，按普通话计", "debtor's language unknown: counted as Mandarin"
        )
    zh, en = _dl(want)
    if want in spoken:
        level = spoken[want]
        lz, le = LEVEL_LABELS[level]
        return 40.0 * LEVEL_WEIGHT[level], Reason(f"会讲{zh}（{lz}）", f"speaks {en} ({le})")
    if want in WU:
        related = [(d, lv) for d, lv in spoken.items() if d in WU]
        if related:
            d, lv = max(related, key=lambda p: LEVEL_WEIGHT[p[1]])
            rz, ren = _dl(d)
            return 24.0 * LEVEL_WEIGHT[lv], Reason(
                f"讲{rz}，与债务人的{zh}相通", f"speaks {ren}, close to the debtor's {en}"
            )
        level = spoken.get(Dialect.MANDARIN)
        if level is not None:
            return 20.0 * LEVEL_WEIGHT[level], Reason(
                f"不会{zh}，只能用普通话", f"no {en}: Mandarin only"
            )
    return 0.0, Reason(f"不会{zh}", f"does not speak {en}")


def dialect_matched(need: Need, spoken: dict[Dialect, Level]) -> bool:
    """The candidate speaks the debtor's dialect (at least understands it)."""
    want = need.wanted_dialect
    return want is not None and want in spoken


def _place_part(want: Locality | None, places: Iterable[Locality]) -> tuple[float, Reason | None]:
    if want is None:
        return 0.0, None
    places = tuple(places)
    if want.town and any(p == want for p in places):
        return 30.0, Reason(f"熟悉{want.label()}", f"knows {want.label(en=True)}")
    if any(p.district == want.district for p in places):
        return 20.0, Reason(
            f"在{want.district}工作", f"works in {want.label(en=True).split(' ')[0]}"
        )
    if places:
        return 5.0, Reason("在苏州市内工作", "works elsewhere in Suzhou")
    return 0.0, None


def _score(need: Need, c: Candidate) -> Match:
    reasons: list[Reason] = []
    d_pts, d_reason = _dialect_part(need.wanted_dialect, c.dialects)
    reasons.append(d_reason)
    p_pts, p_reason = _place_part(need.locality, c.localities)
    if p_reason is not None:
        reasons.append(p_reason)
    s_pts = 0.0
    if need.speciality in c.specialities:
        s_pts = 20.0
        try:
            zh, en = SPECIALITY_LABELS[Speciality(need.speciality)]
        except ValueError:
            zh = en = need.speciality
        reasons.append(Reason(f"擅长{zh}纠纷", f"specialises in {en}"))
    free = max(c.capacity - c.open_cases, 0)
    l_pts = 10.0 * free / c.capacity if c.capacity else 0.0
    reasons.append(
        Reason(
            f"在办 {c.open_cases} 件，可再接 {free} 件",
            f"{c.open_cases} open, room for {free} more",
        )
    )
    total = round(min(d_pts + p_pts + s_pts + l_pts, 100.0))
    return Match(
        candidate=c,
        score=int(total),
        reasons=tuple(reasons),
        dialect_matched=dialect_matched(need, c.dialects),
    )


def rank(need: Need, candidates: Sequence[Candidate]) -> list[Match]:
    """Eligible candidates best first (score, then id), without conflicts or full diaries."""
    out = [
        _score(need, c)
        for c in candidates
        if c.eligible and c.open_cases < c.capacity and not (c.conflicts & need.party_ids)
    ]
    out.sort(key=lambda m: (-m.score, m.candidate.id))
    return out
