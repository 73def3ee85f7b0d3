"""The case lifecycle as an explicit transition table (pure: no Django).

::

    intake → evidence_review → accepted | rejected
    accepted → negotiation | mediation | litigation
    negotiation ⇄ payment_plan, → mediation → litigation → enforcement
    any open state → closed (paid_in_full | settled | uncollectable | withdrawn)

A move not in the table raises :class:`IllegalTransition`; closing needs an outcome and only
closing takes one.
"""

from __future__ import annotations

from enum import StrEnum

from qingqian.common.exceptions import ApplicationError


class State(StrEnum):
    INTAKE = "intake"
    EVIDENCE_REVIEW = "evidence_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEGOTIATION = "negotiation"
    PAYMENT_PLAN = "payment_plan"
    MEDIATION = "mediation"
    LITIGATION = "litigation"
    ENFORCEMENT = "enforcement"
    CLOSED = "closed"


class Outcome(StrEnum):
    PAID_IN_FULL = "paid_in_full"
    SETTLED = "settled"
    UNCOLLECTABLE = "uncollectable"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[State, tuple[str, str]] = {
    State.INTAKE: ("受理", "Intake"),
    State.EVIDENCE_REVIEW: ("证据审查", "Evidence review"),
    State.ACCEPTED: ("已接案", "Accepted"),
    State.REJECTED: ("不予接案", "Rejected"),
    State.NEGOTIATION: ("协商", "Negotiation"),
    State.PAYMENT_PLAN: ("分期还款", "Payment plan"),
    State.MEDIATION: ("调解", "Mediation"),
    State.LITIGATION: ("诉讼", "Litigation"),
    State.ENFORCEMENT: ("执行", "Enforcement"),
    State.CLOSED: ("结案", "Closed"),
}

OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.PAID_IN_FULL: ("全额回款", "Paid in full"),
    Outcome.SETTLED: ("和解结案", "Settled"),
    Outcome.UNCOLLECTABLE: ("无法收回", "Uncollectable"),
    Outcome.WITHDRAWN: ("撤回委托", "Withdrawn"),
}

TRANSITIONS: dict[State, frozenset[State]] = {
    State.INTAKE: frozenset({State.EVIDENCE_REVIEW, State.REJECTED, State.CLOSED}),
    State.EVIDENCE_REVIEW: frozenset({State.ACCEPTED, State.REJECTED, State.INTAKE, State.CLOSED}),
    State.ACCEPTED: frozenset({State.NEGOTIATION, State.MEDIATION, State.LITIGATION, State.CLOSED}),
    State.REJECTED: frozenset({State.EVIDENCE_REVIEW, State.CLOSED}),
    State.NEGOTIATION: frozenset(
        {State.PAYMENT_PLAN, State.MEDIATION, State.LITIGATION, State.CLOSED}
    ),
    State.PAYMENT_PLAN: frozenset(
        {State.NEGOTIATION, State.MEDIATION, State.LITIGATION, State.CLOSED}
    ),
    State.MEDIATION: frozenset(
        {State.NEGOTIATION, State.PAYMENT_PLAN, State.LITIGATION, State.CLOSED}
    ),
    State.LITIGATION: frozenset(
        {State.MEDIATION, State.PAYMENT_PLAN, State.ENFORCEMENT, State.CLOSED}
    ),
    State.ENFORCEMENT: frozenset({State.PAYMENT_PLAN, State.CLOSED}),
    State.CLOSED: frozenset(),
}

OPEN_STATES: frozenset[State] = frozenset(s for s in State if s is not State.CLOSED)
# Outcomes that make sense from a state that has not been accepted yet.
_PRE_ACCEPTANCE_OUTCOMES = frozenset({Outcome.WITHDRAWN})
_PRE_ACCEPTANCE = frozenset({State.INTAKE, State.EVIDENCE_REVIEW, State.REJECTED})


class IllegalTransition(ApplicationError):
    status = 409
    code = "illegal_transition"


def allowed_targets(current: State) -> frozenset[State]:
    return TRANSITIONS[current]


def check_transition(
    current: str, target: str, outcome: str | None = None
) -> tuple[State, Outcome | None]:
    """Validate a move; return the typed target state and outcome or raise ``IllegalTransition``."""
    try:
        cur = State(current)
        tgt = State(target)
    except ValueError:
        raise IllegalTransition(
            f"未知的案件状态：{target}",
            f"Unknown case state: {target}",
            code="unknown_state",
            details={"from": current, "to": target},
        ) from None
    if tgt not in TRANSITIONS[cur]:
        raise IllegalTransition(
            f"案件不能从“{STATE_LABELS[cur][0]}”转到“{STATE_LABELS[tgt][0]}”。",
            f"A case cannot move from {STATE_LABELS[cur][1]} to {STATE_LABELS[tgt][1]}.",
            details={"from": cur.value, "to": tgt.value, "allowed": sorted(TRANSITIONS[cur])},
        )
    if tgt is State.CLOSED:
        try:
            out = Outcome(outcome or "")
        except ValueError:
            raise IllegalTransition(
                "结案必须注明结果（全额回款、和解、无法收回或撤回）。",
                "Closing a case needs an outcome: "
                "paid_in_full, settled, uncollectable or withdrawn.",
                code="outcome_required",
                details={"from": cur.value, "allowed_outcomes": [o.value for o in Outcome]},
            ) from None
        if cur in _PRE_ACCEPTANCE and out not in _PRE_ACCEPTANCE_OUTCOMES:
            raise IllegalTransition(
                "尚未接案的案件只能以“撤回委托”结案。",
                "A case that was never accepted can only close as withdrawn.",
                code="outcome_not_allowed",
                details={"from": cur.value, "outcome": out.value},
            )
        return tgt, out
    if outcome:
        raise IllegalTransition(
            "只有结案时才填写结果。",
            "Only closing a case takes an outcome.",
            code="outcome_not_allowed",
            details={"from": cur.value, "to": tgt.value},
        )
    return tgt, None
