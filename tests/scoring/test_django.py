"""The debt radar's Django layer: features from the database, stored scores with history,
the model registry's promotion rule, the work queue page and the case panel."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import Case
from qingqian.scoring import selectors, services
from qingqian.scoring.features import compute_features
from qingqian.scoring.models import CaseScore, ModelKind, ScoringModel

pytestmark = pytest.mark.django_db

AT = dt.date(2026, 12, 15)
_CODES = itertools.count(500)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _activate(*cases: Any) -> None:
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="negotiation")


def _more_cases(
    org: Any, users: dict[str, Any], creditor: Any, n: int, debtor: Any = None
) -> list[Any]:
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    out = []
    for i in range(n):
        k = next(_CODES)
        d = debtor or party_create(
            organisation=org,
            actor=None,
            kind="company",
            name=f"测试债务人{k}有限公司",
            credit_code=make_uscc(k),
        )
        out.append(
            case_open(
                organisation=org,
                actor=users["lawyer"],
                creditor=creditor,
                debtors=[d],
                debt_type="trade",
                channel="web",
                handler=users["collector"],
                invoices=[
                    InvoiceInput(
                        f"Q-{k}",
                        Decimal(10000 + 1000 * i),
                        dt.date(2025, 1, 1),
                        dt.date(2025, 3, 1),
                    )
                ],
            )
        )
    _activate(*out)
    return out


def test_case_inputs_read_profile_payments_and_limitation(
    case: Any, debtor: Any, users: dict[str, Any]
) -> None:
    services.debtor_profile_save(
        party_id=debtor.pk,
        data={
            "registry_status": "abnormal",
            "judgments": 2,
            "last_judgment_on": dt.date(2025, 12, 1),
            "dishonest_listed_on": dt.date(2026, 1, 5),
            "checked_on": dt.date(2026, 1, 10),
            "source_note": "公示系统截图",
        },
        actor=users["lawyer"],
    )
    Case.objects.filter(pk=case.pk).update(
        outstanding=Decimal("15000.50"), last_payment_date=dt.date(2026, 2, 1)
    )
    [inputs] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    f = compute_features(inputs.facts, AT)
    assert f.registry_status == "abnormal"
    assert f.judgments == 2 and f.dishonest_debtor
    assert f.paid == Decimal("5000.00") and f.balance == Decimal("15000.50")
    assert f.debtor_kind == "company"
    # 3 years from the last payment (an acknowledgement restarts the period)
    assert inputs.facts.limitation_expires_on == dt.date(2029, 2, 1)
    assert f.contact_attempts == 0  # nobody has been contacted yet
    assert AuditEvent.objects.filter(action="scoring.debtor_profile_save").count() == 1


def test_rescore_keeps_history_and_one_latest(case: Any) -> None:
    _activate(case)
    r1 = services.rescore(Case.objects.all(), at=AT)
    r2 = services.rescore(Case.objects.all(), at=AT + dt.timedelta(days=30))
    assert r1 == {"scored": 1, "refused": 0, "cases": 1} and r2["scored"] == 1
    rows = list(CaseScore.objects.filter(case=case).order_by("scored_at", "id"))
    assert len(rows) == 2
    assert [r.is_latest for r in rows] == [False, True]
    latest = rows[1]
    [inputs] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    assert latest.feature_digest == compute_features(inputs.facts, latest.features_at).digest()
    assert 0 <= latest.score <= 100
    assert len([r for r in latest.reasons if r["direction"] in "+-"]) == 3
    assert not any(r["code"] == "contact.unavailable" for r in latest.reasons)
    assert latest.model_version.startswith("expert")
    assert AuditEvent.objects.filter(action="scoring.rescore").count() == 2


def test_rescore_counts_refused_cases_and_leaves_them(case: Any) -> None:
    _activate(case)
    # accepted after the scoring date: the kernel refuses, nothing half-written
    services.rescore(Case.objects.all(), at=AT)
    assert services.rescore(Case.objects.all(), at=dt.date(2000, 1, 1)) == {
        "scored": 0,
        "refused": 1,
        "cases": 1,
    }
    assert CaseScore.objects.filter(case=case).count() == 1


def test_task_rescores_one_organisation(case: Any, org: Any) -> None:
    from qingqian.scoring.tasks import rescore_organisation_task

    _activate(case)
    result = rescore_organisation_task.enqueue(org.pk, AT.isoformat())
    assert result.return_value == {"scored": 1, "refused": 0, "cases": 1}


def _model(
    version: str, auc: float | None, window: str = "w1", current: bool = False, org: Any = None
) -> ScoringModel:
    return ScoringModel.objects.create(
        organisation=org,
        version=version,
        kind=ModelKind.WOE_LR,
        card={"promotion": {"promoted": True}},
        holdout_metrics={"auc": auc, "window": window},
        is_current=current,
    )


def test_promotion_refuses_a_worse_model_on_the_same_window(users: dict[str, Any]) -> None:
    org = users["lawyer"].organisation
    old = _model("radar-a", 0.80, current=True, org=org)
    worse = _model("radar-b", 0.78, org=org)
    with pytest.raises(services.ModelNotPromoted) as exc:
        services.scoring_model_promote(model=worse, actor=users["lawyer"])
    assert "拒绝启用" in exc.value.message_zh and "refused" in exc.value.message_en
    assert exc.value.status == 409
    old.refresh_from_db()
    assert old.is_current
    better = _model("radar-c", 0.81, org=org)
    services.scoring_model_promote(model=better, actor=users["lawyer"])
    old.refresh_from_db()
    better.refresh_from_db()
    assert better.is_current and not old.is_current and better.promoted_by == users["lawyer"]


def test_expert_card_is_registered_once_and_current() -> None:
    row = services.expert_model_ensure()
    assert row.is_current and row.kind == "expert"
    assert services.expert_model_ensure().pk == row.pk
    assert row.card["factors"]


def _closed_history(org: Any, users: dict[str, Any], creditor: Any, n: int) -> None:
    """n closed cases over two years; construction debts pay far more often within 90 days
    (a regularity the expert card, which gives debt type no points, cannot see)."""
    import random

    from qingqian.evidence.models import EvidenceItem

    rng = random.Random(7)
    cases = _more_cases(org, users, creditor, n)
    for i, c in enumerate(cases):
        accepted = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i * 700 // n)
        strong = rng.random() < 0.5
        construction = rng.random() < 0.5
        pays = rng.random() < (0.85 if construction else 0.1)
        if strong:
            EvidenceItem.objects.filter(case=c).delete()
        Case.objects.filter(pk=c.pk).update(
            debt_type="construction" if construction else "trade",
            created_at=accepted,
            state="closed",
            outcome="settled" if pays else "uncollectable",
            outstanding=c.principal / 2 if pays else c.principal,
            last_payment_date=(accepted + dt.timedelta(days=30)).date() if pays else None,
            oldest_due_date=(accepted - dt.timedelta(days=60 if strong else 400)).date(),
        )


def test_train_from_db_registers_and_promotes(
    org: Any, users: dict[str, Any], creditor: Any
) -> None:
    _closed_history(org, users, creditor, 120)
    frame = services.training_frame(target_days=90)
    assert len(frame) == 120 and set(frame["paid_within"]) == {0, 1}
    assert not any(c in frame.columns for c in ("gender", "age"))
    row = services.scoring_model_train(
        actor=users["lawyer"], audit_columns=("debtor_kind",), estimators=30
    )
    assert row.is_current and row.kind == {"scorecard": "woe_lr", "logistic": "logit"}.get(
        row.card["primary"], "lgbm"
    )
    # judged against the expert card (what scores when nothing learned is live)
    promo = row.card["promotion"]
    assert promo["current_version"] == "expert-card-1"
    assert promo["lift"] >= promo["min_lift"] == 0.02
    assert row.card["data"]["window"]
    assert row.holdout_metrics["auc"] is not None
    # the registered learned model now scores open cases, with its own reasons
    [c] = _more_cases(org, users, creditor, 1)
    services.rescore(Case.objects.filter(pk=c.pk), at=AT)
    stored = CaseScore.objects.get(case=c, is_latest=True)
    assert stored.model_version == row.version
    assert all(r["text_zh"] and r["text_en"] for r in stored.reasons)
    # its model card page: window, held-out metrics, fairness by the named audit column
    html = _client(users["lawyer"]).get(f"/scoring/models/{row.version}/").content.decode()
    assert "数据窗口" in html and "公平性审计" in html and "debtor_kind" in html
    assert str(row.holdout_metrics["auc"]) in html
    # the same data again: not better than the current model on the held-out window
    with pytest.raises(services.ModelNotPromoted):
        services.scoring_model_train(actor=users["lawyer"], min_gain=0.01, estimators=30)


def test_cli_rescore_and_train_refusal(case: Any, org: Any) -> None:
    from io import StringIO

    _activate(case)
    out = StringIO()
    call_command(
        "scoring",
        "rescore",
        "--at",
        AT.isoformat(),
        "--organisation",
        org.short_code,
        "--json",
        stdout=out,
    )
    assert '"scored": 1' in out.getvalue()
    with pytest.raises(CommandError) as exc:
        call_command("scoring", "train")
    assert exc.value.returncode == 2 and "Not enough closed cases" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("scoring", "rescore", "--at", "2026-13-01")
    assert exc.value.returncode == 2


def test_queue_one_row_per_debtor_and_constant_queries(
    org: Any, users: dict[str, Any], creditor: Any, debtor: Any
) -> None:
    few = _more_cases(org, users, creditor, 3)
    shared = _more_cases(org, users, creditor, 2, debtor=debtor)
    services.rescore(Case.objects.all(), at=AT)
    client = _client(users["collector"])
    client.get("/queue/")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        r = client.get("/queue/")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('data-debtor="') == 4  # 3 debtors + the shared debtor once
    assert shared[0].reference in html and shared[1].reference in html
    assert few[0].reference in html
    _more_cases(org, users, creditor, 12)
    services.rescore(Case.objects.all(), at=AT)
    with CaptureQueriesContext(connection) as large:
        r = client.get("/queue/")
    assert r.content.decode().count('data-debtor="') == 16
    assert len(large) == len(small)


def test_queue_threshold_setting(users: dict[str, Any], org: Any) -> None:
    r = _client(users["collector"]).post("/queue/threshold/", {"threshold": "70"})
    assert r.status_code == 403
    r = _client(users["lawyer"]).post("/queue/threshold/", {"threshold": "70"})
    assert r.status_code == 302
    assert selectors.threshold_for(org.pk) == 70
    _client(users["lawyer"]).post("/queue/threshold/", {"threshold": "170"})
    assert selectors.threshold_for(org.pk) == 70


def test_case_panel_and_model_page(case: Any, users: dict[str, Any]) -> None:
    services.expert_model_ensure()
    _activate(case)
    services.rescore(Case.objects.all(), at=AT)
    latest = CaseScore.objects.get(case=case, is_latest=True)
    client = _client(users["lawyer"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="radar-panel"' in html and f'data-score="{latest.score}"' in html
    assert latest.model_version in html
    page = client.get(f"/scoring/models/{latest.model_version}/")
    assert page.status_code == 200 and "模型卡" in page.content.decode()
    assert client.get("/scoring/models/nope/").status_code == 404
    # the client's own users see the case, not the firm's score
    seen = _client(users["creditor"]).get(f"/cases/{case.pk}/")
    assert seen.status_code == 200
    assert 'id="feasibility-panel"' in seen.content.decode()
    assert 'id="radar-panel"' not in seen.content.decode()


def test_cli_enqueue_runs_the_task_per_organisation(case: Any) -> None:
    from io import StringIO

    _activate(case)
    out = StringIO()
    call_command("scoring", "rescore", "--enqueue", "--at", AT.isoformat(), stdout=out)
    assert "queued 1" in out.getvalue()
    assert CaseScore.objects.filter(case=case, is_latest=True).exists()  # immediate backend


def test_debtor_profile_form(case: Any, users: dict[str, Any], debtor: Any) -> None:
    client = _client(users["lawyer"])
    assert client.get(f"/cases/{case.pk}/debtor-profile/").status_code == 200
    r = client.post(
        f"/cases/{case.pk}/debtor-profile/",
        {"registry_status": "deregistered", "judgments": "1", "checked_on": "2026-05-01"},
    )
    assert r.status_code == 302
    assert debtor.scoring_profile.registry_status == "deregistered"
    # a creditor user of another creditor cannot see the case
    assert (
        _client(users["creditor_other"]).get(f"/cases/{case.pk}/debtor-profile/").status_code == 404
    )


def test_contact_outcomes_from_the_gate_become_features(case: Any, users: Any) -> None:
    """Allowed attempts with an outcome count; denied ones and pending ones never happened;
    a call answered and refused is reached but not connected."""
    from qingqian.contact.models import ContactAttempt
    from qingqian.contact.services import contact_policy_current

    policy, _ = contact_policy_current()
    debtor = case.case_parties.get(role="debtor").party
    base = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    rows = [
        (True, "connected", 0),
        (True, "refused", 1),
        (True, "no_answer", 2),
        (True, "", 3),  # decided, outcome not yet recorded
        (False, "", 4),  # denied by the gate
        (True, "connected", 30),  # after the scoring date
    ]
    for allowed, outcome, day in rows:
        ContactAttempt.objects.create(
            organisation=case.organisation, case=case, party=debtor, party_role="debtor",
            channel="voice", purpose="collection", actor=users["collector"],
            actor_label="collector", at=base + dt.timedelta(days=day), allowed=allowed,
            rule="test", reasons=[], policy=policy, policy_version=str(policy.version),
            outcome=outcome,
        )  # fmt: skip
    [inputs] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    f = compute_features(inputs.facts, AT)
    assert (f.contact_attempts, f.contacts_reached, f.contacts_connected) == (3, 2, 1)
    assert f.days_since_last_contact == (AT - dt.date(2026, 12, 3)).days


def test_recorded_payments_become_features_and_reversals_do_not(case: Any, users: Any) -> None:
    """Payment rows count on their dates; a reversed payment and its reversal count for
    nothing; what was paid before intake (principal − outstanding) is kept as one payment."""
    from qingqian.payments.services import payment_record, payment_reverse

    [before] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    prior = sum((p.amount for p in before.facts.payments), Decimal(0))
    day = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    kept, _ = payment_record(
        case=case, amount=Decimal("300.00"), kind="bank_transfer", idempotency_key="s1",
        actor=users["lawyer"], received_at=day,
    )  # fmt: skip
    bounced, _ = payment_record(
        case=case, amount=Decimal("200.00"), kind="bank_transfer", idempotency_key="s2",
        actor=users["lawyer"], received_at=day + dt.timedelta(days=3),
    )  # fmt: skip
    payment_reverse(payment=bounced, actor=users["lawyer"], reason="退票")
    [after] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    f = compute_features(after.facts, AT)
    assert f.paid == prior + Decimal("300.00")
    assert f.payments_count == (2 if prior else 1)
    assert f.days_since_last_payment == (AT - dt.date(2026, 12, 2)).days
    assert kept.pk


def test_a_payment_that_went_to_costs_does_not_hide_what_was_paid_before(
    case: Any, users: Any
) -> None:
    """Art. 561: 1,000 paid with 400 of costs open reduces the principal by only 600, so the
    amount paid before intake (principal − outstanding − principal paid here) is unchanged."""
    from qingqian.payments.services import charge_add, payment_record

    Case.objects.filter(pk=case.pk).update(outstanding=case.principal - Decimal("2000.00"))
    case.refresh_from_db()
    invoice = case.invoices.order_by("pk").first()
    if invoice is not None:  # keep the invoices consistent with the case
        from qingqian.cases.models import Invoice

        Invoice.objects.filter(pk=invoice.pk).update(outstanding=invoice.amount - Decimal("2000"))
    [before] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    prior = sum((p.amount for p in before.facts.payments), Decimal(0))
    assert prior == Decimal("2000.00")
    charge_add(case=case, kind="court_fee", amount="400.00", actor=users["lawyer"], invoice=invoice)
    payment_record(
        case=case, amount=Decimal("1000.00"), kind="bank_transfer", idempotency_key="c1",
        actor=users["lawyer"], received_at=dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    [after] = selectors.case_inputs(Case.objects.filter(pk=case.pk))
    amounts = [p.amount for p in after.facts.payments]
    assert amounts == [Decimal("2000.00"), Decimal("1000.00")]


def _closed_coin_flips(org: Any, users: dict[str, Any], creditor: Any, n: int) -> None:
    """n closed cases whose payment owes nothing to any feature: a learned model is noise."""
    import random

    rng = random.Random(11)
    cases = _more_cases(org, users, creditor, n)
    for i, c in enumerate(cases):
        accepted = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i * 700 // n)
        pays = rng.random() < 0.45
        Case.objects.filter(pk=c.pk).update(
            created_at=accepted,
            state="closed",
            outcome="settled" if pays else "uncollectable",
            outstanding=c.principal / 2 if pays else c.principal,
            last_payment_date=(accepted + dt.timedelta(days=30)).date() if pays else None,
            oldest_due_date=(accepted - dt.timedelta(days=30 + rng.randrange(400))).date(),
        )


def test_a_weak_learned_model_is_refused_against_the_live_expert_card(
    org: Any, users: dict[str, Any], creditor: Any
) -> None:
    expert = services.expert_model_ensure()
    _closed_coin_flips(org, users, creditor, 150)
    # nothing dated after acceptance leaks into the features (the limitation deadline
    # restarts at a later payment: as at acceptance, that payment has not happened)
    frame = services.training_frame()
    assert frame.groupby("paid_within")["days_to_limitation"].mean().diff().abs().iloc[1] < 60
    with pytest.raises(services.ModelNotPromoted) as exc:
        services.scoring_model_train(actor=users["lawyer"], estimators=30)
    details = exc.value.details
    assert details["current_version"] == "expert-card-1" and details["min_lift"] == 0.02
    # on 30 held-out cases chance alone can show a lift; its interval reaches 0
    assert details["lift"] < 0.02 or details["lift_low"] <= 0
    assert str(details["new_auc"]) in exc.value.message_en
    assert str(details["current_auc"]) in exc.value.message_zh
    expert.refresh_from_db()
    assert expert.is_current
    refused = ScoringModel.objects.get(version=details["version"])
    assert not refused.is_current
    # a refused version cannot be promoted by hand either
    with pytest.raises(services.ModelNotPromoted):
        services.scoring_model_promote(model=refused, actor=users["lawyer"])
    # its card page shows the refusal with both models' numbers and the candidates
    html = _client(users["lawyer"]).get(f"/scoring/models/{refused.version}/").content.decode()
    assert "未通过" in html and "expert-card-1" in html
    assert str(details["new_auc"]) in html and str(details["current_auc"]) in html
    assert "候选模型" in html
    # the CLI: exit 3 with the numbers
    with pytest.raises(CommandError) as cli:
        call_command("scoring", "train", "--estimators", "30")
    assert cli.value.returncode == 3 and "expert-card-1" in str(cli.value)


def _learned_current() -> ScoringModel:
    from qingqian.scoring.pipeline import Config, train
    from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, closed_cases

    art = train(
        closed_cases(1500, seed=3),
        Config(target=TARGET, date_column=DATE_COLUMN, primary="scorecard", challenger=False),
    )
    art.card["target"]["days"] = 90
    return ScoringModel.objects.create(
        version=art.version,
        kind=ModelKind.WOE_LR,
        artefact=art.model_json(),
        card=art.card,
        holdout_metrics=art.card["models"]["scorecard"]["holdout"],
        is_current=True,
    )


def test_monitoring_measures_drift_and_calibration_on_arrived_outcomes(
    org: Any, users: dict[str, Any], creditor: Any, settings: Any
) -> None:
    from qingqian.payments.services import payment_record
    from qingqian.scoring.models import ModelMonitor
    from qingqian.scoring.tasks import monitor_model_task

    assert services.monitor_current_model(today=AT) is None  # nothing learned is live
    model = _learned_current()
    paid, unpaid, fresh = _more_cases(org, users, creditor, 3)
    scored_on = AT - dt.timedelta(days=120)
    accepted = dt.datetime.combine(scored_on - dt.timedelta(days=5), dt.time(9), dt.UTC)
    Case.objects.filter(pk__in=[paid.pk, unpaid.pk, fresh.pk]).update(created_at=accepted)
    for c, score, on in ((paid, 80, scored_on), (unpaid, 20, scored_on), (fresh, 50, AT)):
        CaseScore.objects.create(
            case=c, score=score, model_version=model.version, feature_digest="0" * 64,
            features_at=on, scored_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), is_latest=True,
        )  # fmt: skip
    payment_record(
        case=paid, amount=Decimal("100.00"), kind="bank_transfer", idempotency_key="m1",
        actor=users["lawyer"],
        received_at=dt.datetime.combine(scored_on + dt.timedelta(days=40), dt.time(10), dt.UTC),
    )  # fmt: skip
    settings.QINGQIAN_SCORING_DRIFT = {"psi_score": 0.25, "psi_feature": 0.25, "min_outcomes": 2}
    monitor = services.monitor_current_model(today=AT)
    assert monitor is not None and monitor.model == model
    drift, cal = monitor.report["drift"], monitor.report["calibration"]
    assert drift["rows"] == Case.objects.exclude(state__in=selectors.INACTIVE_STATES).count()
    assert set(drift["psi_features"]) <= set(model.card["reference"]["features"])
    # only the two matured scores count; one paid within 90 days of its score
    assert cal["n"] == 2 and cal["observed_rate"] == 0.5 and cal["mean_predicted"] == 0.5
    # a synthetic reference of gamma(2, 45)-day-old debts against these ~650-day-old cases
    assert {"kind": "psi_feature", "subject": "days_overdue"}.items() <= next(
        a for a in monitor.alerts if a["subject"] == "days_overdue"
    ).items()
    # once a day: the task recomputes the same row
    assert monitor_model_task.enqueue(AT.isoformat()).return_value == len(monitor.alerts)
    assert ModelMonitor.objects.filter(model=model).count() == 1
    html = _client(users["lawyer"]).get(f"/scoring/models/{model.version}/").content.decode()
    assert "监控" in html and "特征分布漂移" in html and "days_overdue" in html


def test_queue_experiment_orders_arms_and_reports_them(
    org: Any, users: dict[str, Any], creditor: Any
) -> None:
    from qingqian.payments.services import payment_record
    from qingqian.scoring.experiment import arm_of

    cases = _more_cases(org, users, creditor, 12)
    start = dt.date(2026, 6, 1)
    for k, c in enumerate(cases):
        accepted = dt.datetime.combine(start + dt.timedelta(days=k), dt.time(9), dt.UTC)
        Case.objects.filter(pk=c.pk).update(created_at=accepted)
        # later cases score higher: the radar's order is the reverse of FIFO
        CaseScore.objects.create(
            case=c, score=40 + 4 * k, model_version="expert-card-1", feature_digest="0" * 64,
            features_at=AT, scored_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )  # fmt: skip
    plain = selectors.work_queue(users["collector"], today=AT)
    assert plain["experiment"] is None
    client = _client(users["lawyer"])
    resp = client.post(
        "/scoring/experiment/settings/",
        {"fifo_share": "0.5", "salt": "trial-1", "started_on": "2026-06-01"},
    )
    assert resp.status_code == 302
    data = selectors.work_queue(users["collector"], today=AT)
    assert data["experiment"].fifo_share == 0.5
    order = [int(r.entry.case_ids[0]) for r in data["rows"]]
    assert sorted(order) == sorted(c.pk for c in cases)
    assert [r.entry.rank for r in data["rows"]] == list(range(1, 13))
    arm = {c.pk: arm_of(c.pk, "trial-1", 0.5) for c in cases}
    assert set(arm.values()) == {"fifo", "score"}
    fifo_seen = [pk for pk in order if arm[pk] == "fifo"]
    score_seen = [pk for pk in order if arm[pk] == "score"]
    assert fifo_seen == sorted(fifo_seen)  # first accepted first
    assert score_seen == sorted(score_seen, reverse=True)  # highest score first
    # payments after acceptance: days to the first one and amounts, per arm
    for k, c in enumerate(cases[:6]):
        payment_record(
            case=c, amount=Decimal("1000.00"), kind="bank_transfer", idempotency_key=f"x{k}",
            actor=users["lawyer"],
            received_at=dt.datetime.combine(start + dt.timedelta(days=k + 10), dt.time(10), dt.UTC),
        )  # fmt: skip
    report = selectors.experiment_report(org.pk, today=AT)
    assert report is not None
    assert report["cases"] == {
        "fifo": sum(1 for a in arm.values() if a == "fifo"),
        "score": sum(1 for a in arm.values() if a == "score"),
    }
    days = report["days_to_first_payment"]
    paid_arms = [arm[c.pk] for c in cases[:6]]
    assert days["fifo"]["n"] == paid_arms.count("fifo") and days["score"]["n"] == paid_arms.count(
        "score"
    )
    for a in ("fifo", "score"):
        if days[a]["n"]:
            assert days[a]["mean"] == 10.0
    html = _client(users["collector"]).get("/scoring/experiment/").content.decode()
    assert "先进先出组" in html and "¥" in html and "[" in html
    assert "实验设置" not in html  # the form is for managers only
    # bad settings: a bilingual error, nothing changed
    resp = client.post("/scoring/experiment/settings/", {"fifo_share": "0.5", "salt": ""})
    assert resp.status_code == 302
    assert selectors.experiment_settings(org.pk).salt == "trial-1"  # type: ignore[union-attr]
    from qingqian.common.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        services.experiment_set(
            organisation=org, fifo_share=Decimal("0.95"), salt="x", started_on=None, actor=None
        )
    assert exc.value.code == "experiment_share_out_of_range"
    assert AuditEvent.objects.filter(action="scoring.experiment_set").count() == 1
