"""Read side of the strategy engine: what happens next on a case, playbook previews, and the
champion/challenger comparison."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from qingqian.accounts.models import Organisation, User
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, CaseParty, Invoice, PartyRole
from qingqian.cases.selectors import case_party_links, cases_visible_to
from qingqian.common import clock
from qingqian.parties.models import Party
from qingqian.strategy.errors import StrategyError
from qingqian.strategy.models import (
    InvoiceDispute,
    PlaybookRow,
    RunStatus,
    StepState,
    StrategyRun,
    StrategyStep,
)
from qingqian.strategy.playbooks import (
    CHANNEL_LABELS,
    EVIDENCE_ORDER,
    STEP_LABELS,
    ArmOutcome,
    DebtorView,
    InvoiceView,
    Progress,
    StepKind,
    compare_arms,
    load_playbooks,
    plan,
    validate_playbooks,
)

ARM_LABELS: dict[str, tuple[str, str]] = {
    "champion": ("主策略", "champion"),
    "challenger": ("挑战策略", "challenger"),
}

#: Cases whose debts the engine works on (after a lawyer accepted the case).
WORKING_STATES = frozenset(
    {State.ACCEPTED, State.NEGOTIATION, State.PAYMENT_PLAN, State.MEDIATION, State.LITIGATION}
)


def playbooks_data(organisation: Organisation | None) -> list[dict[str, Any]]:
    """The set in force for the organisation: its own rows if any, else the shared ones."""
    mine = Q(organisation__isnull=True)
    if organisation is not None:
        mine |= Q(organisation=organisation)
    rows = list(PlaybookRow.objects.filter(mine, active=True).order_by("position", "key"))
    own = [r for r in rows if r.organisation_id is not None]  # one query for both sets
    return [r.data for r in (own or rows)]


# --- debtor views -----------------------------------------------------------------------------


def debtor_view(
    party: Party, *, organisation: Organisation, progress: Progress | None = None
) -> DebtorView:
    """All open invoices of ``party`` as a debtor in the organisation's working cases, pooled;
    invoices with an unresolved dispute are flagged (the kernel leaves them out)."""
    case_ids = CaseParty.objects.filter(
        party=party,
        role=PartyRole.DEBTOR,
        case__organisation=organisation,
        case__state__in=[s.value for s in WORKING_STATES],
    ).values_list("case_id", flat=True)
    cases = Case.objects.filter(pk__in=list(case_ids))
    disputed = set(
        InvoiceDispute.objects.filter(
            invoice__case__in=cases, resolved_at__isnull=True
        ).values_list("invoice_id", flat=True)
    )
    views: list[InvoiceView] = []
    with_invoices: set[int] = set()
    for inv in Invoice.objects.filter(case__in=cases, outstanding__gt=0).select_related("case"):
        with_invoices.add(inv.case_id)
        due = inv.due_date or inv.case.due_date or inv.case.oldest_due_date
        if due is None:
            continue
        views.append(
            InvoiceView(
                invoice_id=f"{inv.case.reference}/{inv.number}",
                amount=inv.outstanding,
                due_date=due,
                debt_type=inv.case.debt_type,
                disputed=inv.pk in disputed,
            )
        )
    for case in cases:
        due = case.due_date or case.oldest_due_date
        if case.pk not in with_invoices and case.outstanding > 0 and due is not None:
            views.append(
                InvoiceView(
                    invoice_id=case.reference,
                    amount=case.outstanding,
                    due_date=due,
                    debt_type=case.debt_type,
                )
            )
    score, strength = _radar(cases)
    return DebtorView(
        debtor_id=str(party.pk),
        invoices=tuple(views),
        debtor_kind=party.kind if party.kind in ("person", "company") else None,
        score=score,
        evidence_strength=strength,
        progress=progress,
    )


def _radar(cases: QuerySet[Case]) -> tuple[Decimal | None, str | None]:
    """The debtor's best latest propensity score (0–1) across their working cases, and the
    strongest evidence on file for any of them; ``None`` where nothing is known yet (a
    playbook condition on it then does not match)."""
    from qingqian.scoring.selectors import case_inputs, latest_scores

    ids = list(cases.values_list("pk", flat=True))
    if not ids:
        return None, None
    scores = [s.score for s in latest_scores(ids).values()]
    score = (Decimal(max(scores)) / 100).quantize(Decimal("0.01")) if scores else None
    levels = [i.facts.evidence_strength for i in case_inputs(Case.objects.filter(pk__in=ids))]
    known = [lv for lv in levels if lv in EVIDENCE_ORDER]
    strength = max(known, key=EVIDENCE_ORDER.index) if known else None
    return score, strength


def case_next_steps(case: Case, *, en: bool = False) -> list[dict[str, Any]]:
    """Per debtor of the case: the run in force, its next scheduled step and why."""
    out: list[dict[str, Any]] = []
    debtor_ids = [cp.party_id for cp in case_party_links(case) if cp.role == PartyRole.DEBTOR]
    runs = StrategyRun.objects.filter(debtor_id__in=debtor_ids).select_related("debtor")
    lang = 1 if en else 0
    names = {
        d.get("key"): d.get("name_en" if en else "name_zh") or d.get("key")
        for d in playbooks_data(case.organisation)
    }
    for run in runs.order_by("-status", "-created_at"):
        if any(o["run"].debtor_id == run.debtor_id for o in out):
            continue
        step = (
            StrategyStep.objects.filter(run=run, state=StepState.SCHEDULED)
            .order_by("index")
            .first()
        )
        last = StrategyStep.objects.filter(run=run).exclude(state=StepState.SCHEDULED)
        label = STEP_LABELS[StepKind(step.kind)][1 if en else 0] if step else ""
        out.append(
            {
                "run": run,
                "step": step,
                "step_label": label,
                "playbook_name": names.get(run.playbook_key, run.playbook_key),
                "arm_label": ARM_LABELS.get(run.arm, (run.arm, run.arm))[lang],
                "channel_labels": [
                    CHANNEL_LABELS.get(c, (c, c))[lang] for c in (step.channels if step else [])
                ],
                "done": [
                    {"step": s, "label": STEP_LABELS[StepKind(s.kind)][1 if en else 0]}
                    for s in last.order_by("index")
                ],
                "reason": run.reason["en" if en else "zh"],
                "other_case": run.case_id != case.pk,
            }
        )
    return out


def playbook_preview(*, actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """What the organisation's set would do with ``data`` put in (replacing the playbook of
    the same key, else first): validation errors, and for each debtor of the visible working
    cases the playbook, arm, next step and reason. Writes nothing."""
    current = playbooks_data(actor.organisation)
    key = data.get("key") if isinstance(data, dict) else None
    merged = [data if d.get("key") == key else d for d in current]
    if not any(d.get("key") == key for d in current):
        merged.insert(0, data)
    errors = validate_playbooks(merged)
    if errors:
        return {"errors": errors, "matches": []}
    try:
        books = load_playbooks(merged)
    except StrategyError as exc:  # pragma: no cover - validate_playbooks found nothing
        return {"errors": [{"path": "", "zh": exc.message_zh, "en": exc.message_en}], "matches": []}
    cases = cases_visible_to(actor).filter(state__in=[s.value for s in WORKING_STATES])
    seen: set[int] = set()
    matches = []
    today = clock.today()
    for cp in (
        CaseParty.objects.filter(case__in=cases, role=PartyRole.DEBTOR)
        .select_related("party", "case")
        .order_by("party_id", "case_id")[:200]
    ):
        if cp.party_id in seen or actor.organisation is None:
            continue
        seen.add(cp.party_id)
        t = plan(books, debtor_view(cp.party, organisation=actor.organisation), today=today)
        matches.append(
            {
                "case": cp.case.reference,
                "debtor_id": cp.party_id,
                "debtor": cp.party.name,
                "playbook": t.playbook_key,
                "arm": t.arm,
                "status": t.status,
                "next_step": t.next_step.to_dict() if t.next_step else None,
                "next_date": t.next_date.isoformat() if t.next_date else None,
                "reason_zh": t.reason_zh,
                "reason_en": t.reason_en,
                "changed": key is not None and t.playbook_key == key,
            }
        )
    return {"errors": [], "matches": matches}


def _outstanding_now(run: StrategyRun) -> Decimal:
    total = Decimal("0")
    for ident in run.invoice_ids:
        ref, _sep, number = str(ident).partition("/")
        if number:
            inv = Invoice.objects.filter(case__reference=ref, number=number).first()
            total += inv.outstanding if inv else Decimal("0")
        else:
            case = Case.objects.filter(reference=ref).first()
            total += case.outstanding if case else Decimal("0")
    return total


def arm_comparison(organisation: Organisation | None) -> dict[str, Any]:
    """Per experiment (or playbook, when not split) and arm: debtors, assigned, recovered
    (assigned less what is still outstanding on the run's invoices), cost of the steps run."""
    outcomes = []
    runs = StrategyRun.objects.filter(organisation=organisation).exclude(
        status=RunStatus.STOPPED, step_rows__isnull=True
    )
    for run in runs.distinct():
        cost = sum((s.cost for s in run.step_rows.all()), Decimal("0"))
        recovered = max(Decimal("0"), run.assigned_amount - _outstanding_now(run))
        outcomes.append(
            ArmOutcome(
                experiment=run.experiment or run.playbook_key,
                arm=run.arm,
                debtor_id=str(run.debtor_id),
                assigned=run.assigned_amount,
                recovered=recovered,
                cost=cost,
            )
        )
    return compare_arms(outcomes)
