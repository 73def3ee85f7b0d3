"""The strategy engine's Django layer: playbook rows, one run per debtor, gated steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import TimelineEvent
from qingqian.cases.services import case_transition
from qingqian.common import clock
from qingqian.common.exceptions import PermissionDenied
from qingqian.strategy.errors import StrategyError
from qingqian.strategy.models import PlaybookRow, StrategyRun, StrategyStep
from qingqian.strategy.playbooks import DEFAULT_PLAYBOOK_DATA, assign_arm, default_playbooks
from qingqian.strategy.selectors import arm_comparison, case_next_steps, playbook_preview
from qingqian.strategy.services import (
    active_playbooks,
    invoice_dispute_open,
    playbook_save,
    strategy_start,
    strategy_step_execute,
    strategy_steps_due,
)

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # a Monday, 10:00 in Suzhou


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(clock, "now", lambda: NOON)
    monkeypatch.setattr(clock, "today", lambda: NOON.date())
    return NOON


@pytest.fixture
def accepted_case(case: Any, users: dict[str, Any]) -> Any:
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review")
    return case_transition(case=case, actor=users["lawyer"], to_state="accepted")


def test_default_playbooks_are_seeded_as_rows() -> None:
    keys = list(PlaybookRow.objects.filter(organisation__isnull=True).values_list("key", flat=True))
    assert keys == [d["key"] for d in DEFAULT_PLAYBOOK_DATA]
    assert active_playbooks(None) == default_playbooks()


def test_over_180_days_starts_the_judicial_route(accepted_case: Any, users: dict[str, Any]) -> None:
    [run] = strategy_start(case=accepted_case, actor=users["lawyer"])
    assert run.playbook_key == "judicial"
    assert run.assigned_amount == Decimal("20000.50")
    [step] = StrategyStep.objects.filter(run=run)
    assert (step.index, step.kind, step.state) == (0, "lawyer_letter", "scheduled")
    assert step.due_on == NOON.date()
    assert "司法途径" in run.reason["zh"]
    assert TimelineEvent.objects.filter(case=accepted_case, kind="strategy_started").exists()
    assert AuditEvent.objects.filter(action="strategy.start", object_id=str(run.pk)).exists()
    nxt = case_next_steps(accepted_case)
    assert nxt[0]["step"].kind == "lawyer_letter" and "180" in nxt[0]["reason"]


def test_one_treatment_per_debtor(accepted_case: Any, users: dict[str, Any]) -> None:
    first = strategy_start(case=accepted_case, actor=None)
    again = strategy_start(case=accepted_case, actor=None)
    assert [r.pk for r in first] == [r.pk for r in again]
    assert StrategyRun.objects.count() == 1


def test_disputed_invoices_are_left_out(accepted_case: Any, users: dict[str, Any]) -> None:
    invoice = accepted_case.invoices.get(number="INV-001")
    invoice_dispute_open(invoice=invoice, actor=users["lawyer"], note="质量异议")
    [run] = strategy_start(case=accepted_case, actor=None)
    assert run.assigned_amount == Decimal("8000.00")
    assert run.excluded_invoice_ids == [f"{accepted_case.reference}/INV-001"]


def test_steps_pass_the_contact_gate_or_are_skipped_with_its_reasons(
    accepted_case: Any, users: dict[str, Any], debtor: Any
) -> None:
    from qingqian.contact.services import contact_hold_place

    [run] = strategy_start(case=accepted_case, actor=None)
    [step_id] = strategy_steps_due()
    done = strategy_step_execute(step_id=step_id)
    assert done.state == "authorized" and done.cost == Decimal("300.00")
    nxt = StrategyStep.objects.get(run=run, index=1)
    assert (nxt.kind, nxt.due_on) == ("payment_order", NOON.date() + dt.timedelta(days=15))
    # A contact hold on the debtor: the next contact step is refused by the gate.
    contact_hold_place(
        case=accepted_case,
        party=debtor,
        kind="cease",
        actor=users["lawyer"],
        reason="债务人要求停止联系",
    )
    StrategyStep.objects.filter(pk=nxt.pk).update(
        kind="formal_demand", channels=["letter", "email"], due_on=NOON.date()
    )
    skipped = strategy_step_execute(step_id=nxt.pk)
    assert skipped.state == "skipped" and skipped.cost == Decimal("0")
    assert {r["channel"] for r in skipped.reasons} == {"letter", "email"}
    assert all(r["reasons"] for r in skipped.reasons)
    steps_log = TimelineEvent.objects.filter(case=accepted_case, kind="strategy_step")
    note = steps_log.order_by("pk").last().note
    assert "已跳过" in note
    # Running a step twice changes nothing.
    assert strategy_step_execute(step_id=nxt.pk).state == "skipped"


def test_a_future_step_waits_for_its_day(accepted_case: Any) -> None:
    [run] = strategy_start(case=accepted_case, actor=None)
    StrategyStep.objects.filter(run=run).update(due_on=NOON.date() + dt.timedelta(days=3))
    step = StrategyStep.objects.get(run=run)
    assert strategy_steps_due() == []
    assert strategy_step_execute(step_id=step.pk).state == "scheduled"


def test_playbook_edits_are_validated_and_previewed(
    accepted_case: Any, users: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        playbook_save(actor=users["collector"], data=DEFAULT_PLAYBOOK_DATA[0])
    bad = dict(
        DEFAULT_PLAYBOOK_DATA[0], steps=[{"kind": "harass", "channels": [], "wait_days": -1}]
    )
    with pytest.raises(StrategyError) as err:
        playbook_save(actor=users["lawyer"], data=bad)
    assert err.value.code == "playbook_invalid"
    assert not PlaybookRow.objects.filter(organisation=accepted_case.organisation).exists()
    edited = dict(
        DEFAULT_PLAYBOOK_DATA[0],
        challenger={
            "experiment": "judicial-ab",
            "share": "0.5",
            "steps": [{"kind": "payment_order", "channels": ["court"], "wait_days": 0}],
        },
    )
    preview = playbook_preview(actor=users["lawyer"], data=edited)
    assert preview["errors"] == []
    [row] = preview["matches"]
    assert row["case"] == accepted_case.reference and row["playbook"] == "judicial"
    assert row["arm"] == assign_arm(str(row["debtor_id"]), "judicial-ab", Decimal("0.5"))
    playbook_save(actor=users["lawyer"], data=edited)
    own = PlaybookRow.objects.filter(organisation=accepted_case.organisation)
    assert own.count() == len(DEFAULT_PLAYBOOK_DATA)
    assert active_playbooks(accepted_case.organisation)[0].challenger is not None


def test_arm_comparison_sums_recovery_and_cost(accepted_case: Any, users: dict[str, Any]) -> None:
    strategy_start(case=accepted_case, actor=None)
    strategy_step_execute(step_id=strategy_steps_due()[0])
    accepted_case.invoices.filter(number="INV-002").update(outstanding=Decimal("0.00"))
    table = arm_comparison(accepted_case.organisation)
    arm = table["judicial"]["arms"]["champion"]
    assert arm["recovered"] == "8000.00" and arm["cost"] == "300.00" and arm["debtors"] == 1


def test_pages(accepted_case: Any, users: dict[str, Any], client: Any) -> None:
    import json

    strategy_start(case=accepted_case, actor=None)
    client.force_login(users["lawyer"])
    page = client.get(f"/cases/{accepted_case.pk}/").content.decode()
    assert 'id="strategy-panel"' in page and "律师函" in page and "180" in page
    dash = client.get("/strategy/").content.decode()
    # The run's playbook and arm in words, not their keys.
    assert "司法途径" in dash and "主策略" in dash
    assert ">judicial<" not in dash and ">champion<" not in dash
    # The recovery rate as a percentage; nothing recovered yet: no cost per yuan.
    assert '<td class="num">0.0%</td><td class="num">—</td>' in dash and "0.0000" not in dash
    client.cookies["django_language"] = "en"
    dash = client.get("/strategy/").content.decode()
    assert "totalling ¥20,000.50" in dash and "channels: letter, e-mail" in dash
    del client.cookies["django_language"]
    edit = client.get("/strategy/playbooks/judicial/")
    assert edit.status_code == 200
    bad = json.dumps(dict(DEFAULT_PLAYBOOK_DATA[0], steps=[]))
    shown = client.post(
        "/strategy/playbooks/judicial/", {"data": bad, "action": "preview"}
    ).content.decode()
    assert 'id="preview-result"' in shown and "steps" in shown
    good = json.dumps(DEFAULT_PLAYBOOK_DATA[0], ensure_ascii=False)
    shown = client.post(
        "/strategy/playbooks/judicial/", {"data": good, "action": "preview"}
    ).content.decode()
    assert accepted_case.reference in shown and "lawyer_letter" in shown
    client.force_login(users["collector"])
    assert client.get("/strategy/playbooks/judicial/").status_code == 403
    client.force_login(users["creditor"])
    assert client.get("/strategy/").status_code == 403


def test_an_sms_step_is_sent_on_the_gates_decision(accepted_case: Any, debtor: Any) -> None:
    """A step's SMS goes out through the channel on the very attempt the gate allowed; a
    debtor with no number on file gets nothing, and the step says why."""
    from qingqian.contact.channels.base import Delivery, use_adapter
    from qingqian.contact.models import ContactAttempt

    sent: list[Any] = []

    class Fake:
        def send(self, attempt: Any, message: Any) -> Delivery:
            sent.append(message)
            return Delivery(channel="sms", provider_ref=f"fake-{len(sent)}")

    [run] = strategy_start(case=accepted_case, actor=None)
    step = StrategyStep.objects.get(run=run, index=0)
    StrategyStep.objects.filter(pk=step.pk).update(kind="sms_reminder", channels=["sms"])
    with use_adapter("sms", Fake()):
        done = strategy_step_execute(step_id=step.pk)
    assert done.state == "sent", done.reasons
    [message] = sent
    assert accepted_case.reference in message.body
    attempt = ContactAttempt.objects.get(case=accepted_case, channel="sms")
    assert attempt.allowed and attempt.sent_at is not None and attempt.provider_ref == "fake-1"
    assert "已发送" in TimelineEvent.objects.filter(kind="strategy_step").last().note
    # No number on file: nothing is sent, and the step is skipped saying why.
    type(debtor).objects.filter(pk=debtor.pk).update(phone_enc="", phone_hash="")
    nxt = StrategyStep.objects.get(run=run, index=1)
    StrategyStep.objects.filter(pk=nxt.pk).update(
        kind="sms_reminder", channels=["sms"], due_on=NOON.date()
    )
    with use_adapter("sms", Fake()):
        skipped = strategy_step_execute(step_id=nxt.pk)
    assert skipped.state == "skipped"
    assert skipped.reasons[0]["reasons"][0]["code"] == "no_recipient"
    assert len(sent) == 1


def test_the_case_panel_names_playbook_arm_and_channels(accepted_case: Any) -> None:
    strategy_start(case=accepted_case, actor=None)
    [row] = case_next_steps(accepted_case)
    assert row["playbook_name"] != row["run"].playbook_key  # its name, not its key
    assert row["arm_label"] in ("主策略", "挑战策略")
    labels = {"短信", "电话", "电子邮件", "信函", "上门", "法院"}
    assert row["channel_labels"] and set(row["channel_labels"]) <= labels
    [en] = case_next_steps(accepted_case, en=True)
    assert en["arm_label"] in ("champion", "challenger")


def test_timeline_notes_name_channels_in_words(accepted_case: Any, users: dict[str, Any]) -> None:
    strategy_start(case=accepted_case, actor=None)
    strategy_step_execute(step_id=strategy_steps_due()[0])
    note = accepted_case.timeline.filter(kind="strategy_step").latest("at").note
    assert "信函" in note or "电子邮件" in note or "短信" in note
    for code in ("letter", "email", "sms", "voice"):
        assert code not in note
