"""What a user may see of netting rounds: the organisation's managers see every round and
line; a creditor user sees the rounds its firm takes part in, and only its own lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.cases.models import CaseParty, Invoice, PartyRole
from qingqian.common.exceptions import NotFound
from qingqian.netting.models import NettingRound, Obligation, Participant
from qingqian.parties.models import Party, PartyKind

ZERO = Decimal("0.00")


def can_manage(user: User) -> bool:
    """Staff who run rounds (lawyers, mediators, administrators)."""
    return user.has_perm_code(Perm.NETTING_MANAGE)


def _debtor_links(organisation: Organisation, party_ids: Iterable[int]) -> dict[int, int]:
    """case id → debtor party id, for cases with exactly one debtor among ``party_ids``."""
    wanted = set(party_ids)
    debtor_links = CaseParty.objects.filter(case__organisation=organisation, role=PartyRole.DEBTOR)
    case_ids = debtor_links.filter(party_id__in=wanted).values("case_id")
    links: dict[int, list[int]] = {}
    for case_id, party_id in debtor_links.filter(case_id__in=case_ids).values_list(
        "case_id", "party_id"
    ):
        links.setdefault(case_id, []).append(party_id)
    return {c: ps[0] for c, ps in links.items() if len(ps) == 1 and ps[0] in wanted}


def rounds_visible_to(user: User) -> QuerySet[NettingRound]:
    qs = NettingRound.objects.filter(organisation=user.organisation)
    if user.is_creditor_user:
        return qs.filter(participants__party=user.creditor).distinct()
    if not can_manage(user):
        return qs.none()
    return qs


def round_get_for_user(user: User, round_id: int) -> NettingRound:
    """404 both for a missing round and for one out of scope."""
    round_ = rounds_visible_to(user).filter(pk=round_id).first()
    if round_ is None:
        raise NotFound("清欠轮次不存在。", "Netting round not found.", code="round_not_found")
    return round_


def own_participant(user: User, round_: NettingRound) -> Participant | None:
    if not user.is_creditor_user:
        return None
    return round_.participants.filter(party=user.creditor).first()


def lines_for(user: User, round_: NettingRound) -> QuerySet[Obligation]:
    qs = round_.obligations.select_related(
        "debtor__party", "creditor__party", "setoff", "invoice__case"
    ).order_by("debtor__party__name", "creditor__party__name", "due_date", "pk")
    if user.is_creditor_user:
        qs = qs.filter(
            Q(debtor__party_id=user.creditor_id) | Q(creditor__party_id=user.creditor_id)
        )
    return qs


@dataclass
class FirmRow:
    participant: Participant
    payables: Decimal = ZERO
    receivables: Decimal = ZERO
    setoff_payable: Decimal = ZERO
    setoff_receivable: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Receivables less payables: the same before and after the set-off."""
        return self.receivables - self.payables


def firm_table(user: User, round_: NettingRound) -> list[FirmRow]:
    """Per firm: what it owes and is owed in the round, and what is set off. A creditor user
    gets its own firm's row only."""
    rows = {p.pk: FirmRow(p) for p in round_.participants.select_related("party")}
    for ob in round_.obligations.select_related("setoff"):
        s = ob.setoff.amount if hasattr(ob, "setoff") else ZERO
        rows[ob.debtor_id].payables += ob.amount
        rows[ob.debtor_id].setoff_payable += s
        rows[ob.creditor_id].receivables += ob.amount
        rows[ob.creditor_id].setoff_receivable += s
    out = list(rows.values())
    if user.is_creditor_user:
        out = [r for r in out if r.participant.party_id == user.creditor_id]
    return out


def graph_edges(user: User, round_: NettingRound) -> dict[tuple[str, str], Decimal]:
    """(debtor name, creditor name) → amount set off, within what the user may see."""
    edges: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for ob in lines_for(user, round_).filter(setoff__isnull=False):
        edges[ob.debtor.party.name, ob.creditor.party.name] += ob.setoff.amount
    return dict(edges)


# h19d: choosing a round's firms from a searchable selection, not one checkbox per firm.


@dataclass(frozen=True)
class FirmChoice:
    """A company that could take part: its open inter-firm debts in the organisation."""

    party_id: int
    name: str
    credit_code: str
    obligations: int


def _companies(user: User) -> QuerySet[Party]:
    return Party.objects.filter(organisation=user.organisation, kind=PartyKind.COMPANY).exclude(
        credit_code=""
    )


def firm_edges(user: User) -> list[tuple[int, int]]:
    """(debtor party, creditor party) per open invoice between two companies of the
    organisation: what a round among them would freeze at invitation."""
    assert user.organisation is not None
    companies = _companies(user)
    debtor_of = _debtor_links(user.organisation, companies.values_list("pk", flat=True))
    rows = Invoice.objects.filter(
        case__organisation=user.organisation,
        case_id__in=list(debtor_of),
        creditor__in=companies,
        outstanding__gt=0,
    ).values_list("case_id", "creditor_id")
    return [(debtor_of[c], cr) for c, cr in rows if debtor_of[c] != cr]


def firm_choices(
    user: User, *, query: str = "", creditor_id: int | None = None, limit: int | None = None
) -> list[FirmChoice]:
    """Companies with at least one open debt to or from another company, busiest first.

    ``query`` matches the name or the credit code; ``creditor_id`` keeps the creditor's group:
    the creditor and every company that owes it or that it owes."""
    counts: dict[int, int] = defaultdict(int)
    for debtor, creditor in firm_edges(user):
        if creditor_id is not None and creditor_id not in (debtor, creditor):
            continue
        counts[debtor] += 1
        counts[creditor] += 1
    qs = _companies(user).filter(pk__in=list(counts))
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(credit_code__icontains=query))
    rows = [
        FirmChoice(p.pk, p.name, p.credit_code, counts[p.pk])
        for p in qs.only("pk", "name", "credit_code")
    ]
    rows.sort(key=lambda r: (-r.obligations, r.name))
    return rows[:limit] if limit is not None else rows


def creditor_groups(user: User) -> list[FirmChoice]:
    """The creditors (firms owed by other firms), each heading a group for a round."""
    counts: dict[int, int] = defaultdict(int)
    for _debtor, creditor in firm_edges(user):
        counts[creditor] += 1
    rows = [
        FirmChoice(p.pk, p.name, p.credit_code, counts[p.pk])
        for p in _companies(user).filter(pk__in=list(counts)).only("pk", "name", "credit_code")
    ]
    rows.sort(key=lambda r: (-r.obligations, r.name))
    return rows
