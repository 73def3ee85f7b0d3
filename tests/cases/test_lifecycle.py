import itertools

import pytest

from qingqian.cases.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    Outcome,
    State,
    check_transition,
)

LEGAL = [
    (a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets) if b is not State.CLOSED
]
ILLEGAL = [(a, b) for a in State for b in State if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_every_listed_move_is_allowed(current: State, target: State) -> None:
    assert check_transition(current, target) == (target, None)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_unlisted_move_is_refused(current: State, target: State) -> None:
    with pytest.raises(IllegalTransition) as exc:
        check_transition(current, target, "paid_in_full")
    assert exc.value.code == "illegal_transition"
    assert exc.value.status == 409
    assert exc.value.details["from"] == current.value


def test_the_issue_path_exists() -> None:
    path = [
        "intake",
        "evidence_review",
        "accepted",
        "negotiation",
        "payment_plan",
        "mediation",
        "litigation",
        "enforcement",
    ]
    for a, b in itertools.pairwise(path):
        check_transition(a, b)
    assert check_transition("enforcement", "closed", "paid_in_full") == (
        State.CLOSED,
        Outcome.PAID_IN_FULL,
    )


def test_closed_is_terminal() -> None:
    assert TRANSITIONS[State.CLOSED] == frozenset()


def test_closing_needs_an_outcome() -> None:
    with pytest.raises(IllegalTransition) as exc:
        check_transition("negotiation", "closed")
    assert exc.value.code == "outcome_required"


def test_only_closing_takes_an_outcome() -> None:
    with pytest.raises(IllegalTransition) as exc:
        check_transition("negotiation", "payment_plan", "settled")
    assert exc.value.code == "outcome_not_allowed"


def test_unaccepted_case_closes_only_as_withdrawn() -> None:
    assert check_transition("intake", "closed", "withdrawn")[1] is Outcome.WITHDRAWN
    with pytest.raises(IllegalTransition) as exc:
        check_transition("intake", "closed", "paid_in_full")
    assert exc.value.code == "outcome_not_allowed"


def test_unknown_state_is_a_typed_error() -> None:
    with pytest.raises(IllegalTransition) as exc:
        check_transition("intake", "flying")
    assert exc.value.code == "unknown_state"
    assert "Unknown case state" in exc.value.message
