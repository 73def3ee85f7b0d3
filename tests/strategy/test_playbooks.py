"""Playbooks: validation, one treatment per debtor, champion/challenger."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingqian.strategy.errors import StrategyError
from qingqian.strategy.playbooks import (
    DEFAULT_PLAYBOOK_DATA,
    ArmOutcome,
    DebtorView,
    InvoiceView,
    Progress,
    StepKind,
    assign_arm,
    compare_arms,
    default_playbooks,
    dump_playbooks,
    load_playbooks,
    plan,
    plan_all,
    validate_playbooks,
)

D = Decimal
TODAY = dt.date(2026, 7, 20)
BOOKS = default_playbooks()


def inv(invoice_id: str, amount: str, days: int, *, disputed: bool = False) -> InvoiceView:
    return InvoiceView(invoice_id, D(amount), TODAY - dt.timedelta(days=days), disputed=disputed)


@pytest.mark.parametrize(
    ("days", "playbook", "step"),
    [
        (5, "fresh", StepKind.SMS_REMINDER),
        (45, "early", StepKind.SMS_REMINDER),
        (120, "late", StepKind.FORMAL_DEMAND),
        (181, "judicial", StepKind.LAWYER_LETTER),
        (400, "judicial", StepKind.LAWYER_LETTER),
    ],
)
def test_default_playbook_by_aging(days: int, playbook: str, step: StepKind) -> None:
    treatment = plan(BOOKS, DebtorView("d1", (inv("i1", "1000", days),)), today=TODAY)
    assert (treatment.playbook_key, treatment.next_step and treatment.next_step.kind) == (
        playbook,
        step,
    )


def test_180_days_is_not_yet_judicial_and_181_is() -> None:
    keys = [
        plan(BOOKS, DebtorView("d", (inv("i", "1", d),)), today=TODAY).playbook_key
        for d in (180, 181)
    ]
    assert keys == ["late", "judicial"]


def test_one_treatment_across_invoices_with_disputed_excluded() -> None:
    view = DebtorView(
        "acme",
        (
            inv("i1", "50000.00", 20),
            inv("i2", "70000.00", 200, disputed=True),
            inv("i3", "30000.00", 95),
        ),
    )
    treatment = plan(BOOKS, view, today=TODAY)
    assert treatment.to_dict() == {
        "debtor_id": "acme",
        "status": "active",
        "playbook": "late",
        "arm": "champion",
        "experiment": None,
        "invoice_ids": ["i1", "i3"],
        "excluded_invoice_ids": ["i2"],
        "amount": "80000.00",
        "days_overdue": 95,
        "aging_bucket": "91_180",
        "step_index": 0,
        "next_step": {"kind": "formal_demand", "channels": ["letter", "email"], "wait_days": 0},
        "next_date": "2026-07-20",
        "reason": {
            "zh": "2 张未结发票合计 80,000.00 元，最久逾期 95 天（91–180天）（已排除 1 张争议发票，"
            "待解决后再纳入）；适用策略“正式催告与调解（91–180 天）”；下一步：正式催款函"
            "（第 1/4 步，渠道：信函、电子邮件），2026-07-20",
            "en": "2 open invoice(s) totalling ¥80,000.00, the oldest 95 days overdue (91–180 days)"
            " (1 disputed invoice(s) left out until resolved); playbook 'Formal demand and"
            " mediation (91-180 days)'; next: formal demand letter (step 1 of 4, channels:"
            " letter, e-mail) on 2026-07-20",
        },
    }


def test_all_disputed_puts_the_debtor_on_hold() -> None:
    view = DebtorView("d", (inv("i1", "100", 300, disputed=True),))
    treatment = plan(BOOKS, view, today=TODAY)
    assert (treatment.status, treatment.next_step) == ("on_hold", None)


def test_nothing_overdue() -> None:
    treatment = plan(BOOKS, DebtorView("d", (inv("i1", "100", -3),)), today=TODAY)
    assert (treatment.status, treatment.playbook_key) == ("not_due", None)


def test_progress_waits_between_steps() -> None:
    progress = Progress("late", "champion", 1, dt.date(2026, 7, 18))
    view = DebtorView("d", (inv("i1", "100", 120),), progress=progress)
    treatment = plan(BOOKS, view, today=TODAY)
    assert (treatment.next_step and treatment.next_step.kind, treatment.next_date) == (
        StepKind.CALL,
        dt.date(2026, 7, 25),
    )


def test_overdue_wait_is_scheduled_today_not_in_the_past() -> None:
    progress = Progress("late", "champion", 1, dt.date(2026, 1, 1))
    view = DebtorView("d", (inv("i1", "100", 120),), progress=progress)
    assert plan(BOOKS, view, today=TODAY).next_date == TODAY


def test_moving_into_a_new_bucket_restarts_at_its_first_step() -> None:
    progress = Progress("late", "champion", 3, dt.date(2026, 7, 1))
    view = DebtorView("d", (inv("i1", "100", 190),), progress=progress)
    treatment = plan(BOOKS, view, today=TODAY)
    assert (treatment.playbook_key, treatment.step_index) == ("judicial", 0)
    assert "over 180 days overdue" in treatment.reason_en


def test_completed_playbook() -> None:
    progress = Progress("fresh", "champion", 2, dt.date(2026, 7, 1))
    view = DebtorView("d", (inv("i1", "100", 10),), progress=progress)
    assert plan(BOOKS, view, today=TODAY).status == "completed"


def test_no_matching_playbook() -> None:
    books = load_playbooks([{**DEFAULT_PLAYBOOK_DATA[0]}])
    treatment = plan(books, DebtorView("d", (inv("i1", "100", 10),)), today=TODAY)
    assert treatment.status == "no_playbook"


def test_conditions_on_amount_score_evidence_and_kind() -> None:
    data = [
        {
            "key": "big-strong",
            "name_zh": "大额",
            "name_en": "Large",
            "conditions": {
                "amount": {"min": "100000", "max": None},
                "score": {"min": "0.5", "max": "1"},
                "evidence_strength": {"min": "medium", "max": "strong"},
                "debtor_kinds": ["company"],
                "debt_types": ["trade"],
            },
            "steps": [{"kind": "call", "channels": ["call"], "wait_days": 0}],
        },
        {
            "key": "rest",
            "name_zh": "其他",
            "name_en": "Rest",
            "steps": [{"kind": "sms_reminder", "channels": ["sms"], "wait_days": 0}],
        },
    ]
    books = load_playbooks(data)
    base = {"debtor_kind": "company", "score": D("0.6"), "evidence_strength": "strong"}
    big = DebtorView("d", (inv("i", "150000", 40),), **base)  # type: ignore[arg-type]
    small = DebtorView("d", (inv("i", "1500", 40),), **base)  # type: ignore[arg-type]
    no_score = DebtorView("d", (inv("i", "150000", 40),), debtor_kind="company")
    assert [plan(books, v, today=TODAY).playbook_key for v in (big, small, no_score)] == [
        "big-strong",
        "rest",
        "rest",
    ]


def test_round_trip_of_the_default_set() -> None:
    assert dump_playbooks(BOOKS) == DEFAULT_PLAYBOOK_DATA


# --- validation ----------------------------------------------------------------------------


def _broken(path: list[Any], value: Any) -> list[dict[str, Any]]:
    data = copy.deepcopy(DEFAULT_PLAYBOOK_DATA)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ([0, "steps", 0, "kind"], "fax", "playbooks[0].steps[0].kind"),
        ([0, "steps", 0, "channels"], [], "playbooks[0].steps[0].channels"),
        ([0, "steps", 1, "channels"], ["sms"], "playbooks[0].steps[1].channels"),
        ([1, "steps", 0, "channels"], ["court"], "playbooks[1].steps[0].channels"),
        ([0, "steps", 0, "wait_days"], -1, "playbooks[0].steps[0].wait_days"),
        (
            [0, "conditions", "aging_buckets"],
            ["200_days"],
            "playbooks[0].conditions.aging_buckets[0]",
        ),
        ([0, "conditions", "amount"], {"min": 5.0}, "playbooks[0].conditions.amount.min"),
        ([0, "conditions", "score"], {"min": "0.9", "max": "0.1"}, "playbooks[0].conditions.score"),
        ([0, "conditions", "score"], {"max": "2"}, "playbooks[0].conditions.score.max"),
        (
            [0, "conditions", "evidence_strength"],
            {"min": "great"},
            "playbooks[0].conditions.evidence_strength.min",
        ),
        ([1, "key"], "judicial", "playbooks[1].key"),
        ([0, "name_en"], "", "playbooks[0].name_en"),
        ([0, "steps"], [], "playbooks[0].steps"),
    ],
)
def test_validation_names_the_path(path: list[Any], value: Any, where: str) -> None:
    problems = validate_playbooks(_broken(path, value))
    assert [p["path"] for p in problems] == [where]
    with pytest.raises(StrategyError) as err:
        load_playbooks(_broken(path, value))
    assert (err.value.code, err.value.details["errors"]) == ("playbook_invalid", problems)


def test_validation_reports_every_problem() -> None:
    data = _broken([0, "steps", 0, "kind"], "fax")
    data[1]["steps"][0]["wait_days"] = "7"
    assert len(validate_playbooks(data)) == 2


@pytest.mark.parametrize("data", [[], {}, None, ["x"]])
def test_validation_of_the_outer_shape(data: Any) -> None:
    assert validate_playbooks(data)


def test_duplicate_invoice_ids_are_refused() -> None:
    with pytest.raises(StrategyError) as err:
        plan(BOOKS, DebtorView("d", (inv("i", "1", 5), inv("i", "2", 6))), today=TODAY)
    assert err.value.code == "invoice_duplicate"


def test_debtor_listed_twice_is_refused() -> None:
    view = DebtorView("d", (inv("i", "1", 5),))
    with pytest.raises(StrategyError) as err:
        plan_all(BOOKS, [view, view], today=TODAY)
    assert err.value.code == "debtor_duplicate"


# --- champion / challenger -----------------------------------------------------------------

AB = [
    {
        **DEFAULT_PLAYBOOK_DATA[0],
        "challenger": {
            "experiment": "judicial-2026",
            "share": "0.5",
            "steps": [
                {"kind": "mediation", "channels": ["call", "in_person"], "wait_days": 0},
                {"kind": "litigation", "channels": ["court"], "wait_days": 20},
            ],
        },
    },
    *DEFAULT_PLAYBOOK_DATA[1:],
]


def test_assignment_is_stable_and_known() -> None:
    arms = [assign_arm(f"debtor-{n}", "judicial-2026") for n in range(6)]
    assert arms == [assign_arm(f"debtor-{n}", "judicial-2026") for n in range(6)]
    assert set(arms) <= {"champion", "challenger"}


def test_assignment_is_roughly_balanced() -> None:
    arms = [assign_arm(f"debtor-{n}", "exp") for n in range(4000)]
    assert 1850 <= arms.count("challenger") <= 2150


def test_challenger_arm_follows_its_own_steps() -> None:
    books = load_playbooks(AB)
    treatments = [
        plan(books, DebtorView(f"debtor-{n}", (inv("i", "100", 200),)), today=TODAY)
        for n in range(40)
    ]
    firsts = {(t.arm, t.next_step.kind if t.next_step else None) for t in treatments}
    assert firsts == {
        ("champion", StepKind.LAWYER_LETTER),
        ("challenger", StepKind.MEDIATION),
    }


def test_compare_arms() -> None:
    outcomes = [
        ArmOutcome("e", "champion", "a", D("1000"), D("400"), D("50")),
        ArmOutcome("e", "champion", "b", D("1000"), D("0"), D("30")),
        ArmOutcome("e", "challenger", "c", D("2000"), D("1000"), D("100")),
    ]
    assert compare_arms(outcomes) == {
        "e": {
            "arms": {
                "champion": {
                    "debtors": 2,
                    "assigned": "2000.00",
                    "recovered": "400.00",
                    "cost": "80.00",
                    "net": "320.00",
                    "recovery_rate": "0.2000",
                    "cost_per_yuan_recovered": "0.2000",
                },
                "challenger": {
                    "debtors": 1,
                    "assigned": "2000.00",
                    "recovered": "1000.00",
                    "cost": "100.00",
                    "net": "900.00",
                    "recovery_rate": "0.5000",
                    "cost_per_yuan_recovered": "0.1000",
                },
            },
            "challenger_minus_champion": {"recovery_rate": "0.3000", "net_per_debtor": "740.00"},
        }
    }


@pytest.mark.parametrize(
    "outcome",
    [
        ArmOutcome("e", "treatment", "a", D("1"), D("1"), D("1")),
        ArmOutcome("e", "champion", "a", D("1"), D("-1"), D("1")),
    ],
)
def test_compare_arms_refuses_bad_outcomes(outcome: ArmOutcome) -> None:
    with pytest.raises(StrategyError):
        compare_arms([outcome])


# --- properties ----------------------------------------------------------------------------

invoices = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**8),
        st.integers(min_value=-60, max_value=900),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=100, deadline=None)
@given(rows=invoices, seed=st.randoms(use_true_random=False))
def test_one_treatment_whatever_the_invoice_order(rows: list[Any], seed: Any) -> None:
    items = [
        InvoiceView(f"i{n}", D(a) / 100, TODAY - dt.timedelta(days=d), disputed=disp)
        for n, (a, d, disp) in enumerate(rows)
    ]
    shuffled = list(items)
    seed.shuffle(shuffled)
    first = plan(BOOKS, DebtorView("x", tuple(items)), today=TODAY)
    second = plan(BOOKS, DebtorView("x", tuple(shuffled)), today=TODAY)
    assert first == second
    assert set(first.invoice_ids).isdisjoint(first.excluded_invoice_ids)


@settings(max_examples=100, deadline=None)
@given(debtor=st.text(min_size=1, max_size=20), experiment=st.text(min_size=1, max_size=20))
def test_assignment_is_deterministic(debtor: str, experiment: str) -> None:
    assert assign_arm(debtor, experiment) == assign_arm(debtor, experiment)


@pytest.mark.django_db
def test_playbooks_data_reads_the_organisations_own_set_else_the_shared_one(
    org: Any, other_org: Any, django_assert_num_queries: Any
) -> None:
    """In one query: an organisation with active rows of its own gets those (in position
    order), one without gets the shared set; inactive rows are never in force."""
    from qingqian.strategy.models import PlaybookRow
    from qingqian.strategy.selectors import playbooks_data

    PlaybookRow.objects.all().delete()
    at = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)

    def row(owner: Any, key: str, position: int, *, active: bool = True) -> None:
        PlaybookRow.objects.create(
            organisation=owner, key=key, position=position, data={"key": key},
            active=active, updated_at=at,
        )  # fmt: skip

    row(None, "shared-b", 2)
    row(None, "shared-a", 1)
    row(None, "shared-off", 0, active=False)
    row(org, "own-b", 5)
    row(org, "own-a", 3)
    row(org, "own-off", 1, active=False)
    row(other_org, "other-off", 1, active=False)  # only inactive rows: the shared set
    with django_assert_num_queries(1):
        assert [d["key"] for d in playbooks_data(org)] == ["own-a", "own-b"]
    with django_assert_num_queries(1):
        assert [d["key"] for d in playbooks_data(other_org)] == ["shared-a", "shared-b"]
    assert [d["key"] for d in playbooks_data(None)] == ["shared-a", "shared-b"]
