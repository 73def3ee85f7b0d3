"""Reads for the debt radar: the kernel's :class:`CaseFacts` for many cases in a few queries,
the latest stored scores, the handler's work queue and the model registry.

Contact history comes from the contact gate's allowed attempts with a recorded outcome:
reached = someone answered (``connected`` or ``refused``); connected = the debtor or a
guarantor engaged in a conversation (``connected``). Denied attempts never happened.

Payments so far are the payment rows (reversed ones and reversals left out), plus what was
paid before the case came to Qingqian (principal − outstanding not explained by the rows) as
one payment on the last payment date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from qingqian.accounts.models import User
from qingqian.calculators.limitation import limitation_deadline
from qingqian.cases.models import Case, CaseParty, PartyRole
from qingqian.cases.selectors import cases_visible_to
from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact.models import ContactAttempt
from qingqian.evidence.models import EvidenceItem
from qingqian.evidence.strength import evidence_strength, strength_level
from qingqian.payments.models import Payment as PaymentRow
from qingqian.scoring.features import CaseFacts, Payment
from qingqian.scoring.features import ContactAttempt as ContactFact
from qingqian.scoring.models import (
    CaseScore,
    DebtorProfile,
    ModelKind,
    ScoringModel,
    ScoringSettings,
)
from qingqian.scoring.queue import QueueConfig, QueueEntry, QueueItem, order_queue

CONTACT_HISTORY_AVAILABLE = True

#: Outcomes in which a person answered, and those in which a conversation took place.
REACHED_OUTCOMES = frozenset({"connected", "refused"})
CONNECTED_OUTCOMES = frozenset({"connected"})

#: Case states in which nobody works the debt (closed, refused, or not yet accepted).
INACTIVE_STATES: tuple[str, ...] = ("closed", "rejected", "intake")


@lru_cache(maxsize=8192)
def limitation_expiry(start: dt.date) -> dt.date:
    """Last day of the 3-year period (Civil Code art. 188) from ``start``, via the calculator."""
    deadline: dt.date = limitation_deadline(start).figures["deadline"]
    return deadline


@dataclass(frozen=True)
class CaseInputs:
    """The kernel's facts for one case, plus the ids the Django layer needs around them."""

    case_id: int
    debtor_id: str
    facts: CaseFacts
    handler_id: int | None


_CASE_FIELDS = (
    "id",
    "debt_type",
    "principal",
    "outstanding",
    "created_at",
    "due_date",
    "oldest_due_date",
    "last_payment_date",
    "debtor_name",
    "handler_id",
)


def _payments(
    row: dict[str, Any],
    recorded: Sequence[Payment],
    accepted: dt.date,
    to_principal: Decimal | None = None,
) -> tuple[Payment, ...]:
    """The payment rows recorded in Qingqian, plus what was paid before (principal −
    outstanding not explained by those rows) as one payment on the last payment date; never
    more in total than the principal (a surplus is refunded, not a payment of the debt).

    ``to_principal`` is how much of the recorded rows went to principal: a payment that
    first paid costs or interest (Art. 561) reduced the outstanding principal by less than
    its amount, so only that share explains the difference."""
    out: list[Payment] = []
    if to_principal is None:
        to_principal = sum((p.amount for p in recorded), Decimal(0))
    before = row["principal"] - row["outstanding"] - to_principal
    if before > 0:
        out.append(Payment(row["last_payment_date"] or accepted, before))
    room = row["principal"] - sum((p.amount for p in out), Decimal(0))
    for p in recorded:
        amount = min(p.amount, room)
        if amount <= 0:
            break
        out.append(Payment(max(p.on, accepted), amount))
        room -= amount
    return tuple(out)


def case_inputs(cases: QuerySet[Case]) -> list[CaseInputs]:
    """:class:`CaseInputs` for every case of ``cases`` — six queries however many cases."""
    rows = list(cases.order_by("id").values(*_CASE_FIELDS))
    ids = [r["id"] for r in rows]
    debtors: dict[int, dict[str, Any]] = {}
    for link in (
        CaseParty.objects.filter(case_id__in=ids, role=PartyRole.DEBTOR)
        .order_by("case_id", "id")
        .values("case_id", "party_id", "party__kind", "party__credit_code", "party__id_number_hash")
    ):
        debtors.setdefault(link["case_id"], dict(link))
    types: dict[int, set[str]] = defaultdict(set)
    for case_id, kind in EvidenceItem.objects.filter(case_id__in=ids).values_list(
        "case_id", "evidence_type"
    ):
        types[case_id].add(kind)
    party_ids = {d["party_id"] for d in debtors.values()}
    profiles = {p.party_id: p for p in DebtorProfile.objects.filter(party_id__in=party_ids)}
    contacts: dict[int, list[ContactFact]] = defaultdict(list)
    for case_id, at, outcome, role in (
        ContactAttempt.objects.filter(case_id__in=ids, allowed=True)
        .exclude(outcome="")
        .order_by("case_id", "at", "id")
        .values_list("case_id", "at", "outcome", "party_role")
    ):
        reached = outcome in REACHED_OUTCOMES
        contacts[case_id].append(
            ContactFact(
                on=timezone.localtime(at).date(),
                reached=reached,
                connected=reached and outcome in CONNECTED_OUTCOMES and role != "third_party",
            )
        )
    paid_rows: dict[int, list[Payment]] = defaultdict(list)
    to_principal: dict[int, Decimal] = defaultdict(Decimal)
    for case_id, at, amount, principal_part in (
        PaymentRow.objects.filter(case_id__in=ids, reversed_by__isnull=True)
        .exclude(kind="reversal")
        .annotate(
            principal_part=Sum("allocations__amount", filter=Q(allocations__component="principal"))
        )
        .order_by("case_id", "received_at", "id")
        .values_list("case_id", "received_at", "amount", "principal_part")
    ):
        paid_rows[case_id].append(Payment(timezone.localtime(at).date(), amount))
        to_principal[case_id] += principal_part or Decimal(0)
    return [
        _inputs(
            r,
            debtors.get(r["id"]),
            types.get(r["id"], set()),
            profiles,
            contacts[r["id"]],
            paid_rows[r["id"]],
            to_principal.get(r["id"]),
        )
        for r in rows
    ]


def _inputs(
    row: dict[str, Any],
    debtor: dict[str, Any] | None,
    types: set[str],
    profiles: dict[int, DebtorProfile],
    contacts: Sequence[ContactFact] = (),
    recorded: Sequence[Payment] = (),
    to_principal: Decimal | None = None,
) -> CaseInputs:
    kind = (
        debtor["party__kind"]
        if debtor and debtor["party__kind"] in ("person", "company")
        else "company"
    )
    accepted = row["created_at"].date()
    due = row["oldest_due_date"] or row["due_date"] or accepted
    if types:
        result = evidence_strength(
            types,
            debt_type=row["debt_type"],
            debtor_has_credit_code=bool(
                debtor and kind == "company" and debtor["party__credit_code"]
            ),
        )
        strength = strength_level(result.score)
    else:
        strength = "none"
    payments = _payments(row, recorded, accepted, to_principal)
    last_paid = max((p.on for p in payments), default=row["last_payment_date"])
    profile = profiles.get(debtor["party_id"]) if debtor else None
    registry: str | None = None
    judgments: tuple[dt.date, ...] = ()
    dishonest = None
    if profile is not None:
        registry = None if kind == "person" else profile.registry_status
        on = profile.last_judgment_on or profile.checked_on
        judgments = (on,) * profile.judgments
        dishonest = profile.dishonest_listed_on
    start = max(d for d in (due, last_paid) if d is not None)
    debtor_key = f"p{debtor['party_id']}" if debtor else f"n{row['debtor_name']}"
    return CaseInputs(
        case_id=row["id"],
        debtor_id=debtor_key,
        handler_id=row["handler_id"],
        facts=CaseFacts(
            debtor_kind=kind,
            debt_type=row["debt_type"],
            principal=row["principal"],
            accepted_on=accepted,
            oldest_due_on=due,
            evidence_strength=strength,
            registry_status=registry,
            judgments_on=judgments,
            dishonest_listed_on=dishonest,
            contacts=tuple(contacts),
            payments=payments,
            limitation_expires_on=limitation_expiry(start),
        ),
    )


def current_model(organisation_id: int | None = None) -> ScoringModel | None:
    """The model ordering ``organisation_id``'s queue: its own current model, else the
    platform's (``None``: the platform's)."""
    if organisation_id is not None:
        own = ScoringModel.objects.filter(organisation_id=organisation_id, is_current=True).first()
        if own is not None:
            return own
    return ScoringModel.objects.filter(organisation__isnull=True, is_current=True).first()


def latest_scores(case_ids: Iterable[int]) -> dict[int, CaseScore]:
    return {
        s.case_id: s for s in CaseScore.objects.filter(case_id__in=list(case_ids), is_latest=True)
    }


def case_score_history(case: Case, limit: int = 10) -> list[CaseScore]:
    return list(CaseScore.objects.filter(case=case).order_by("-scored_at", "-id")[:limit])


@dataclass(frozen=True)
class Experiment:
    fifo_share: float
    salt: str
    started_on: dt.date | None


def experiment_settings(organisation_id: int | None) -> Experiment | None:
    """The organisation's running queue experiment, or None (share 0 or no settings)."""
    if organisation_id is None:
        return None
    row = ScoringSettings.objects.filter(organisation_id=organisation_id).first()
    if row is None or row.experiment_fifo_share <= 0:
        return None
    return Experiment(
        float(row.experiment_fifo_share), row.experiment_salt, row.experiment_started_on
    )


def experiment_order(
    entries: list[QueueEntry], accepted: dict[str, dt.date], experiment: Experiment
) -> list[QueueEntry]:
    """Deadlines first and contact-not-allowed last, as always; in between, the FIFO arm (by
    acceptance date) and the score arm (the radar's order) interleaved by the FIFO share.
    A debtor's entry takes the arm of its lowest case id."""
    from dataclasses import replace

    from qingqian.scoring.experiment import arm_of, interleave

    def arm(e: QueueEntry) -> str:
        return arm_of(min(e.case_ids, key=int), experiment.salt, experiment.fifo_share)

    head = [e for e in entries if e.tier == 0]
    tail = [e for e in entries if e.tier == 3]
    middle = [e for e in entries if e.tier in (1, 2)]
    fifo = sorted(
        (e for e in middle if arm(e) == "fifo"),
        key=lambda e: (min(accepted[c] for c in e.case_ids), min(int(c) for c in e.case_ids)),
    )
    score = [e for e in middle if arm(e) == "score"]
    merged = [*head, *interleave(fifo, score, experiment.fifo_share), *tail]
    return [replace(e, rank=k + 1) for k, e in enumerate(merged)]


def experiment_report(organisation_id: int, *, today: dt.date) -> dict[str, Any] | None:
    """Per arm, for the organisation's cases accepted since the experiment started: the
    share paid, days from acceptance to the first payment and the amount recovered, with
    bootstrap intervals (``scoring.experiment.arm_report``)."""
    from qingqian.scoring.experiment import Outcome, arm_of, arm_report

    experiment = experiment_settings(organisation_id)
    if experiment is None:
        return None
    cases = Case.objects.filter(organisation_id=organisation_id).exclude(
        state__in=("intake", "rejected")
    )
    if experiment.started_on is not None:
        cases = cases.filter(created_at__date__gte=experiment.started_on)
    outcomes = []
    for i in case_inputs(cases):
        after = [p for p in i.facts.payments if i.facts.accepted_on <= p.on <= today]
        first = min((p.on for p in after), default=None)
        outcomes.append(
            Outcome(
                arm=arm_of(i.case_id, experiment.salt, experiment.fifo_share),
                days_to_first_payment=None if first is None else (first - i.facts.accepted_on).days,
                recovered=sum((p.amount for p in after), Decimal(0)),
            )
        )
    return {"experiment": experiment, **arm_report(outcomes)}


def threshold_for(organisation_id: int | None) -> int:
    if organisation_id is None:
        return 60
    row = ScoringSettings.objects.filter(organisation_id=organisation_id).first()
    return 60 if row is None else row.threshold


@dataclass(frozen=True)
class QueueRow:
    entry: QueueEntry
    debtor_name: str
    cases: Sequence[Case]
    reasons: Sequence[dict[str, Any]]
    unscored: int
    # h19a: the next agreed callback on any of the debtor's cases (``None``: none agreed)
    callback_at: dt.datetime | None = None
    callback_due: bool = False


#: h19a: how the desk may order the queue (the radar's own order is ``rank``).
QUEUE_SORTS: dict[str, Any] = {
    "rank": lambda r: r.entry.rank,
    "callback": lambda r: (
        r.callback_at is None,
        r.callback_at or dt.datetime.max.replace(tzinfo=dt.UTC),
        r.entry.rank,
    ),
    "balance": lambda r: (-r.entry.balance, r.entry.rank),
    "score": lambda r: (-r.entry.score, r.entry.rank),
    "value": lambda r: (-r.entry.value_per_hour, r.entry.rank),
    "deadline": lambda r: (r.entry.deadline is None, r.entry.deadline or dt.date.max, r.entry.rank),
}
QUEUE_TIERS = ("0", "1", "2", "3")
QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueQuery:
    """What the collector asked of the queue: a page, an order and filters (all optional)."""

    page: int = 1
    sort: str = "rank"
    q: str = ""  # part of the debtor's name or a case reference
    tier: str = ""  # one of QUEUE_TIERS, or "" for all
    callbacks: bool = False  # only debtors with a callback due by the end of today
    per_page: int = QUEUE_PAGE_SIZE


def _callbacks(case_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Per case, the callback agreed on its latest call that recorded a result, if that
    result set one (a later call without a callback ends the earlier agreement)."""
    out: dict[int, dt.datetime] = {}
    rows = (
        ContactAttempt.objects.filter(case_id__in=case_ids, channel="voice", allowed=True)
        .exclude(disposition="")
        .order_by("case_id", "-at")
        .values_list("case_id", "callback_at")
    )
    seen: set[int] = set()
    for case_id, callback_at in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        if callback_at is not None:
            out[case_id] = callback_at
    return out


def work_queue(
    user: User | None,
    *,
    today: dt.date,
    limit: int | None = None,
    query: QueueQuery | None = None,
) -> dict[str, Any]:
    """The user's own open cases as a queue, one row per debtor (constant query count);
    filtered, ordered and cut to one page as ``query`` asks."""
    query = query or QueueQuery()
    visible = cases_visible_to(user)
    if user is None or not user.is_authenticated:
        mine = visible
    else:
        mine = visible.filter(handler_id=user.pk)
    mine = mine.exclude(state__in=INACTIVE_STATES)
    inputs = case_inputs(mine)
    scores = latest_scores(i.case_id for i in inputs)
    threshold = threshold_for(getattr(user, "organisation_id", None))
    items = []
    unscored = 0
    for i in inputs:
        stored = scores.get(i.case_id)
        if stored is None:
            unscored += 1
        facts = i.facts
        items.append(
            QueueItem(
                case_id=str(i.case_id),
                debtor_id=i.debtor_id,
                balance=facts.principal - sum((p.amount for p in facts.payments), Decimal(0)),
                score=stored.score if stored else 0,
                limitation_expires_on=facts.limitation_expires_on,
                dishonest_debtor=facts.dishonest_listed_on is not None,
                registry_status=facts.registry_status or "unknown",
            )
        )
    items = [it for it in items if it.balance > 0]
    entries = order_queue(items, today=today, config=QueueConfig(threshold=threshold))
    experiment = experiment_settings(getattr(user, "organisation_id", None))
    if experiment is not None:
        accepted = {str(i.case_id): i.facts.accepted_on for i in inputs}
        entries = experiment_order(entries, accepted, experiment)
    all_ids = [int(c) for e in entries for c in e.case_ids]
    callbacks = _callbacks(all_ids)
    labels = {
        pk: f"{name} {ref}".lower()
        for pk, name, ref in Case.objects.filter(pk__in=all_ids).values_list(
            "pk", "debtor_name", "reference"
        )
    }
    end_of_day = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=BUSINESS_TZ)
    due_by_debtor: dict[str, dt.datetime | None] = {}
    for e in entries:
        times = [callbacks[int(c)] for c in e.case_ids if int(c) in callbacks]
        due_by_debtor[e.debtor_id] = min(times) if times else None
    needle = query.q.strip().lower()
    picked = []
    for e in entries:
        if query.tier in QUEUE_TIERS and str(e.tier) != query.tier:
            continue
        cb = due_by_debtor[e.debtor_id]
        if query.callbacks and (cb is None or cb >= end_of_day):
            continue
        if needle and not any(needle in labels.get(int(c), "") for c in e.case_ids):
            continue
        picked.append(e)
    sort = query.sort if query.sort in QUEUE_SORTS else "rank"
    light = [
        QueueRow(
            entry=e,
            debtor_name="",
            cases=[],
            reasons=[],
            unscored=0,
            callback_at=due_by_debtor[e.debtor_id],
        )
        for e in picked
    ]
    light.sort(key=QUEUE_SORTS[sort])
    per_page = max(1, min(limit or query.per_page, 200))
    pages = max(1, -(-len(light) // per_page))
    page = min(max(1, query.page), pages)
    shown = light[(page - 1) * per_page : page * per_page]
    wanted = {int(c) for r in shown for c in r.entry.case_ids}
    by_id = {c.pk: c for c in Case.objects.filter(pk__in=wanted).select_related("creditor")}
    rows = []
    for r in shown:
        e = r.entry
        cases = [by_id[int(c)] for c in e.case_ids]
        best = max(
            (scores[c.pk] for c in cases if c.pk in scores), key=lambda s: s.score, default=None
        )
        rows.append(
            QueueRow(
                entry=e,
                debtor_name=cases[0].debtor_name,
                cases=cases,
                reasons=best.reasons if best else [],
                unscored=sum(1 for c in cases if c.pk not in scores),
                callback_at=r.callback_at,
                callback_due=r.callback_at is not None and r.callback_at < end_of_day,
            )
        )
    return {
        "rows": rows,
        "page": page,
        "pages": pages,
        "matching": len(light),
        "query": query,
        "sort": sort,
        "callbacks_due": sum(
            1 for cb in due_by_debtor.values() if cb is not None and cb < end_of_day
        ),
        "threshold": threshold,
        "unscored": unscored,
        "total_debtors": len({it.debtor_id for it in items}),
        "contact_history_available": CONTACT_HISTORY_AVAILABLE,
        "experiment": experiment,
    }


def model_list(organisation_id: int | None = None) -> QuerySet[ScoringModel]:
    """The models an organisation may read: its own and the platform's, never another's."""
    qs = ScoringModel.objects.defer("artefact").select_related("promoted_by")
    return qs.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))


def training_status(organisation_id: int | None) -> dict[str, Any]:
    """What the models page says about learning: the closed cases there are to learn from,
    the fewest a model needs, and the latest learned version that was refused (if it is the
    latest learned one), with its reasons from the model card."""
    closed = Case.objects.filter(state="closed")
    if organisation_id is not None:
        closed = closed.filter(organisation_id=organisation_id)
    learned = (
        model_list(organisation_id).exclude(kind=ModelKind.EXPERT).order_by("-created_at", "-pk")
    )
    latest = learned.first()
    refused = latest if latest is not None and latest.promoted_at is None else None
    return {
        "closed_cases": closed.count(),
        "learned": latest is not None,
        "refused": refused,
        "refusal": (refused.card.get("promotion") or {}) if refused is not None else {},
    }


def model_get(version: str, organisation_id: int | None = None) -> ScoringModel | None:
    """``version`` among the models the organisation may read (its own first)."""
    return (
        model_list(organisation_id)
        .filter(version=version)
        .order_by(F("organisation_id").asc(nulls_last=True))
        .first()
    )
