"""Reads for mediation: the roster as matching candidates, what a case needs, the figures
for the reporting page."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.cases.models import Case
from qingqian.cases.selectors import case_party_links
from qingqian.common.exceptions import ValidationFailed
from qingqian.contact.speech import DebtorSpeech
from qingqian.mediation.geo import (
    DIALECT_LABELS,
    Dialect,
    Level,
    Locality,
    locality_from_address,
    parse_locality,
)
from qingqian.mediation.matching import Candidate, Need, rank
from qingqian.mediation.models import (
    OPEN_STATES,
    AgreementState,
    ConfirmationState,
    DebtorProfile,
    Mediation,
    MediationState,
    Mediator,
    SpeechProfile,
)
from qingqian.parties.models import Party


def debtor_of(case: Case) -> Party:
    role = next((cp for cp in case_party_links(case) if cp.role == "debtor"), None)
    if role is None:
        raise ValidationFailed("案件没有债务人。", "The case has no debtor.", code="no_debtor")
    return role.party


def mediator_for_user(user: User) -> Mediator | None:
    return Mediator.objects.filter(user=user).first()


def _localities(codes: list[str]) -> tuple[Locality, ...]:
    out = []
    for code in codes:
        try:
            out.append(parse_locality(code))
        except ValueError:
            continue
    return tuple(out)


def _dialects(items: list[dict[str, str]]) -> dict[Dialect, Level]:
    out: dict[Dialect, Level] = {}
    for item in items:
        try:
            out[Dialect(item["dialect"])] = Level(item["level"])
        except (KeyError, ValueError):
            continue
    return out


def debtor_place_and_speech(party: Party) -> tuple[Locality | None, Dialect | None, str]:
    """The debtor's locality (their profile, else read from the registered address) and
    preferred dialect, with where the locality came from."""
    profile = DebtorProfile.objects.filter(party=party).first()
    locality: Locality | None = None
    source = ""
    dialect = None
    if profile is not None:
        known = _localities([profile.locality]) if profile.locality else ()
        if known:
            locality = known[0]
            source = profile.source or "profile"
        if profile.dialect:
            dialect = Dialect(profile.dialect)
    if locality is None:
        locality = locality_from_address(party.district, party.address)
        source = "registered_address" if locality else ""
    return locality, dialect, source


def need_for(case: Case) -> Need:
    debtor = debtor_of(case)
    locality, dialect, _source = debtor_place_and_speech(debtor)
    return Need(
        locality=locality,
        dialect=dialect,
        speciality=case.debt_type,
        party_ids=frozenset({debtor.pk, case.creditor_id}),
    )


def candidates_for(organisation: Organisation) -> list[Candidate]:
    rows = (
        Mediator.objects.filter(organisation=organisation)
        .annotate(open_count=Count("mediations", filter=Q(mediations__state__in=OPEN_STATES)))
        .prefetch_related("conflicts")
        .order_by("pk")
    )
    return [
        Candidate(
            id=m.pk,
            name=m.name,
            localities=_localities(m.localities),
            dialects=_dialects(m.dialects),
            specialities=frozenset(m.specialities),
            capacity=m.capacity,
            open_cases=m.open_count,
            conflicts=frozenset(p.pk for p in m.conflicts.all()),
            eligible=m.eligible,
        )
        for m in rows
    ]


#: How long the collectors' open-case counts (a load hint) are reused.
COLLECTOR_LOAD_SECONDS = 60


def collector_candidates(organisation: Organisation) -> list[Candidate]:
    """Collectors with a speech profile, as candidates (their open cases as the load).

    The open cases are a load hint in the ranking ("在办 N 件"), shown on every case page: they
    are counted in one query grouped by handler, which the partial index
    ``case_open_by_handler`` answers from the index alone on PostgreSQL, and the counts are
    kept for ``COLLECTOR_LOAD_SECONDS`` per organisation (Django's cache), so a busy office
    counts its collectors' tens of thousands of open cases once a minute, not on every page."""
    users = list(
        User.objects.filter(
            organisation=organisation,
            role=Role.COLLECTOR,
            is_active=True,
            speech_profile__isnull=False,
        )
        .select_related("speech_profile")
        .order_by("pk")
    )
    if not users:
        return []
    ids = [u.pk for u in users]
    key = f"qingqian:mediation:collector-load:{organisation.pk}"
    open_count = cache.get(key)
    if not isinstance(open_count, dict) or not open_count.keys() >= set(ids):
        open_count = dict.fromkeys(ids, 0) | dict(
            Case.objects.filter(handler_id__in=ids)
            .exclude(state="closed")
            .order_by()
            .values("handler_id")
            .annotate(n=Count("*"))
            .values_list("handler_id", "n")
        )
        cache.set(key, open_count, COLLECTOR_LOAD_SECONDS)
    out = []
    for u in users:
        profile = getattr(u, "speech_profile", None)
        if profile is None:
            continue
        n = open_count.get(u.pk, 0)
        out.append(
            Candidate(
                id=u.pk,
                name=u.get_full_name() or u.username,
                localities=_localities(profile.localities),
                dialects=_dialects(profile.dialects),
                specialities=frozenset(),
                capacity=max(n + 1, 200),
                open_cases=n,
            )
        )
    return out


#: Above this many debtors the speech source reads the organisation's debtors whole instead of
#: sending their ids (the day plan's rule: no long list of ids goes to the database).
_IDS_AT_ONCE = 500


def debtor_speech_for(organisation_id: int, party_ids: Collection[int]) -> dict[int, DebtorSpeech]:
    """For contact (registered as ``contact.speech``'s source): each debtor's dialect — the
    preferred one, else the local speech of their place (profile, else registered address)
    — and the organisation's active collectors who speak it, best first by the matching
    kernel (dialect level, then place). Two queries whatever the number of debtors."""
    wanted = set(party_ids)
    parties = Party.objects.filter(organisation_id=organisation_id)
    if len(wanted) <= _IDS_AT_ONCE:
        parties = parties.filter(pk__in=wanted)
    users = (
        User.objects.filter(organisation_id=organisation_id, role=Role.COLLECTOR, is_active=True)
        .filter(speech_profile__isnull=False)
        .select_related("speech_profile")
        .order_by("pk")
    )
    collectors = [
        Candidate(
            id=u.pk,
            name=u.username,
            localities=_localities(u.speech_profile.localities),
            dialects=_dialects(u.speech_profile.dialects),
            specialities=frozenset(),
            capacity=1,
            open_cases=0,
        )
        for u in users
    ]
    ranked: dict[tuple[Locality | None, Dialect | None], DebtorSpeech | None] = {}
    out: dict[int, DebtorSpeech] = {}
    rows = parties.values_list(
        "pk", "district", "address", "mediation_profile__locality", "mediation_profile__dialect"
    )
    for pid, district, address, place, spoken in rows:
        if pid not in wanted:
            continue
        locality = next(iter(_localities([place])), None) if place else None
        if locality is None:
            locality = locality_from_address(district, address)
        dialect = Dialect(spoken) if spoken else None
        key = (locality, dialect)
        if key not in ranked:  # debtors of one place and speech share their speakers
            need = Need(locality=locality, dialect=dialect, speciality="")
            want = need.wanted_dialect
            ranked[key] = (
                None
                if want is None
                else DebtorSpeech(
                    dialect=want.value,
                    speakers=tuple(
                        m.candidate.id for m in rank(need, collectors) if m.dialect_matched
                    ),
                    label_zh=DIALECT_LABELS[want][0],
                    label_en=DIALECT_LABELS[want][1],
                    preferred=dialect is not None,
                )
            )
        speech = ranked[key]
        if speech is not None:
            out[pid] = speech
    return out


def collector_profiles(organisation: Organisation) -> list[SpeechProfile]:
    """The active collectors' places and dialects (the day plan gives their calls by them)."""
    return list(
        SpeechProfile.objects.filter(
            user__organisation=organisation, user__role=Role.COLLECTOR, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )


def speech_profile(user: User) -> SpeechProfile | None:
    return SpeechProfile.objects.filter(user=user).first()


def case_mediations(case: Case) -> list[Mediation]:
    return list(
        Mediation.objects.filter(case=case)
        .select_related("mediator")
        .prefetch_related("sessions", "proposals")
        .order_by("-requested_at", "-pk")
    )


# --------------------------------------------------------------------------- figures


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def mediation_figures(organisation: Organisation) -> dict[str, Any]:
    """The reporting page's figures.

    - **agreement rate** (the court platform's definition): mediations that ended in a
      signed agreement ÷ mediations that ended (agreed + failed); open ones are not counted;
    - **success rate per mediator / per dialect match**: the same ratio grouped by the
      assigned mediator, and by whether the mediator spoke the debtor's dialect;
    - **median days** from the mediation request to a signed agreement *with a complete
      judicial-confirmation application filed* (goal ≤ 10 days; the court platform reports
      an average of 23.33 days per mediation);
    - **time to agreement**: median days from the mediation request to the agreement taking
      effect (its last signature), confirmation or not;
    - **confirmation rate**: applications ruled valid ÷ applications ruled.
    """
    ended = list(
        Mediation.objects.filter(
            case__organisation=organisation,
            state__in=[MediationState.AGREED, MediationState.FAILED],
        )
        .select_related("mediator", "agreement__confirmation")
        .order_by("pk")
    )
    agreed = [m for m in ended if m.state == MediationState.AGREED]
    per_mediator: dict[int, dict[str, Any]] = {}
    by_match = {True: [0, 0], False: [0, 0]}
    for m in ended:
        ok = m.state == MediationState.AGREED
        if m.mediator is not None:
            row = per_mediator.setdefault(
                m.mediator.pk,
                {
                    "mediator": m.mediator,
                    "kind": m.mediator.get_kind_display(),
                    "ended": 0,
                    "agreed": 0,
                },
            )
            row["ended"] += 1
            row["agreed"] += int(ok)
        by_match[m.dialect_matched][0] += 1
        by_match[m.dialect_matched][1] += int(ok)
    for row in per_mediator.values():
        row["rate"] = _rate(row["agreed"], row["ended"])
    days: list[float] = []
    to_agreement: list[float] = []
    ruled = confirmed = 0
    for m in agreed:
        agreement = getattr(m, "agreement", None)
        if agreement is None or agreement.state != AgreementState.SIGNED:
            continue
        if agreement.mediator_signed_at is not None:
            to_agreement.append(
                (agreement.mediator_signed_at - m.requested_at).total_seconds() / 86400
            )
        app = getattr(agreement, "confirmation", None)
        if app is None:
            continue
        filed_at = dt.datetime.combine(app.filed_on, dt.time(), tzinfo=m.requested_at.tzinfo)
        end = max(filed_at, agreement.mediator_signed_at or filed_at)
        days.append((end - m.requested_at).total_seconds() / 86400)
        if app.state != ConfirmationState.FILED:
            ruled += 1
            confirmed += int(app.state == ConfirmationState.CONFIRMED)
    return {
        "ended": len(ended),
        "agreed": len(agreed),
        "agreement_rate": _rate(len(agreed), len(ended)),
        "per_mediator": sorted(
            per_mediator.values(), key=lambda r: (-(r["rate"] or 0), r["mediator"].name)
        ),
        "matched": {
            "ended": by_match[True][0],
            "agreed": by_match[True][1],
            "rate": _rate(by_match[True][1], by_match[True][0]),
        },
        "unmatched": {
            "ended": by_match[False][0],
            "agreed": by_match[False][1],
            "rate": _rate(by_match[False][1], by_match[False][0]),
        },
        "median_days": _median(days),
        "timed": len(days),
        "agreement_days": _median(to_agreement),
        "agreement_timed": len(to_agreement),
        "confirmation_ruled": ruled,
        "confirmation_rate": _rate(confirmed, ruled),
        "open": Mediation.objects.filter(
            case__organisation=organisation, state__in=OPEN_STATES
        ).count(),
    }
