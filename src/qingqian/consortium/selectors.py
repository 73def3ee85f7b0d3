"""Reads of the consortium: this firm's shared list, the facts it may give about one of its
debtors, the members, and the answers received for a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet

from qingqian.cases.models import Case, CaseParty
from qingqian.cases.selectors import case_party_links
from qingqian.consortium.models import (
    Answer,
    AnswerStatus,
    GivenAnswer,
    Member,
    MemberListVersion,
    Query,
    Withdrawal,
)
from qingqian.litigation.models import Proceeding
from qingqian.parties.models import Party

#: A debtor is "in default" here while one of its cases is open: any state but these.
NOT_IN_DEFAULT = ("closed", "rejected")
#: Credit codes of individual businesses (个体工商户: registration authority 9, kind 2). Such a
#: business is one natural person trading under a name, so its default is that person's
#: information (PIPL): never shared, like any natural person.
INDIVIDUAL_BUSINESS_PREFIX = "92"


def shareable(party: Party) -> bool:
    """A company debtor with a credit code that is not an individual business."""
    code = party.credit_code
    return (
        party.kind == "company" and bool(code) and not code.startswith(INDIVIDUAL_BUSINESS_PREFIX)
    )


def _in_default() -> QuerySet[CaseParty]:
    """Company debtors with a credit code on open cases, not withdrawn. Natural persons and
    individual businesses are never shared (docs/consortium-threat-model.md)."""
    withdrawn = Withdrawal.objects.values("party_id")
    return (
        CaseParty.objects.filter(role="debtor", party__kind="company")
        .exclude(party__credit_code="")
        .exclude(party__credit_code__startswith=INDIVIDUAL_BUSINESS_PREFIX)
        .exclude(case__state__in=NOT_IN_DEFAULT)
        .exclude(party_id__in=withdrawn)
    )


def shared_codes() -> list[str]:
    """The credit codes this firm puts into a PSI answer (distinct, sorted)."""
    return sorted(set(_in_default().values_list("party__credit_code", flat=True)))


def facts_for_code(code: str) -> tuple[Party, dict[str, Any]] | None:
    """The facts this firm gives about ``code`` if it holds it in default, else None:
    since when (month of the oldest unpaid due date), how many open cases, and the public
    court facts recorded on them (judgments and rulings, 失信 and 限高 flags)."""
    rows = _in_default().filter(party__credit_code=code)
    first = rows.select_related("party").first()
    if first is None:
        return None
    case_ids = list(rows.values_list("case_id", flat=True).distinct())
    cases = Case.objects.filter(pk__in=case_ids)
    due = cases.aggregate(
        oldest=Min("oldest_due_date"), due=Min("due_date"), opened=Min("created_at")
    )
    since = due["oldest"] or due["due"] or (due["opened"].date() if due["opened"] else None)
    proceedings = Proceeding.objects.filter(case_id__in=case_ids).order_by("judgment_on", "pk")
    judgments = [
        {
            "on": p.judgment_on.isoformat(),
            "ruling": p.is_ruling,
            "court": p.court,
            "number": p.case_number,
            "kind": p.kind,
        }
        for p in proceedings
        if p.judgment_on is not None
    ]
    facts = {
        "since": since.strftime("%Y-%m") if since else "",
        "open_cases": len(case_ids),
        "judgments": judgments,
        "dishonest": any(p.debtor_dishonest for p in proceedings),
        "restricted": any(p.debtor_restricted for p in proceedings),
    }
    return first.party, facts


def member_self() -> Member | None:
    return Member.objects.filter(is_self=True, active=True).first()


def members_active() -> QuerySet[Member]:
    return Member.objects.filter(active=True).order_by("name")


def member_list_current() -> MemberListVersion | None:
    return MemberListVersion.objects.order_by("-version").first()


def case_company_debtors(case: Case) -> list[Party]:
    return [
        cp.party for cp in case_party_links(case) if cp.role == "debtor" and shareable(cp.party)
    ]


def case_queries(case: Case) -> QuerySet[Query]:
    return (
        Query.objects.filter(case=case)
        .select_related("party", "asked_by")
        .prefetch_related("answers__member")
    )


@dataclass(frozen=True)
class SharedFact:
    """One member's standing answer about one debtor of a case (the source is named)."""

    party: Party
    member: Member
    facts: dict[str, Any]
    received_at: Any


def case_shared_facts(case: Case) -> list[SharedFact]:
    """The latest answer of each member about each company debtor of the case that says the
    debtor is in default there and has not been withdrawn."""
    parties = case_company_debtors(case)
    found: dict[tuple[int, int], SharedFact] = {}
    answers = (
        Answer.objects.filter(query__party__in=parties, query__case__organisation=case.organisation)
        .select_related("member", "query__party")
        .order_by("-received_at", "-pk")
    )
    for a in answers:
        key = (a.query.party_id, a.member_id)
        if key in found:
            continue
        if a.status == AnswerStatus.HELD and a.withdrawn_at is None:
            found[key] = SharedFact(a.query.party, a.member, a.facts, a.received_at)
        else:
            found[key] = None  # type: ignore[assignment]  # a newer "no" or a withdrawal wins
    return [f for f in found.values() if f is not None]


def given_answers() -> QuerySet[GivenAnswer]:
    return GivenAnswer.objects.select_related("member", "party", "withdrawn_by")


def recent_count(member: Member, kinds: tuple[str, ...], since: Any) -> int:
    return member.messages.filter(Q(direction="in") & Q(kind__in=kinds) & Q(at__gte=since)).count()
