"""What a user may see of netting rounds: the organisation's managers see every round and
line; a creditor user sees the rounds its firm takes part in, and only its own lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from qingqian.accounts.models import User
from qingqian.common.exceptions import NotFound
from qingqian.netting.models import NettingRound, Obligation, Participant
from qingqian.netting.services import can_manage

ZERO = Decimal("0.00")


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
