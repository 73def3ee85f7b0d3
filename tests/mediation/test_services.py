"""Mediation end to end at the service level: match, assign, session, proposals, the
agreement's element check and three signatures, the plan it becomes, judicial confirmation
tracked as a proceeding, and failure handing the case to the judicial route."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from qingqian.audit.models import AuditEvent
from qingqian.cases.models import Case, TimelineEvent
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.evidence.models import SignedDocument
from qingqian.litigation.models import Proceeding
from qingqian.mediation import documents, services
from qingqian.mediation.models import Mediation
from qingqian.negotiation.models import InstallmentPlan, VersionState

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


def _sign_all(a: Any, actor: Any, mediator_name: str) -> Any:
    codes: dict[str, str] = {}
    for side in ("creditor", "debtor"):
        services.agreement_code_send(
            agreement=a, actor=actor, side=side, deliver=lambda c, s=side: codes.__setitem__(s, c)
        )
        a = services.agreement_sign_party(
            agreement=a, actor=actor, side=side, typed_name=f"{side}-签署人", code=codes[side]
        )
    return services.agreement_sign_mediator(agreement=a, actor=actor, typed_name=mediator_name)


def _to_agreement(mcase: Any, roster: Any, actor: Any, months: int = 6) -> Any:
    m = services.mediation_request(case=mcase, actor=actor)
    m = services.mediation_assign(mediation=m, actor=actor, mediator=roster["elder"])
    services.session_add(
        mediation=m,
        actor=actor,
        mode="in_person",
        at=dt.datetime(2026, 11, 20, 14, 0),
        place="周市镇人民调解委员会",
        participants="双方代表、顾老师",
        minutes="双方陈述。",
    )
    first = services.proposal_add(
        mediation=m,
        actor=actor,
        side="creditor",
        amount=Decimal("20000.50"),
        pay_by=D("2026-12-31"),
    )
    counter = services.proposal_add(
        mediation=m,
        actor=actor,
        side="debtor",
        amount=Decimal("18000"),
        months=months,
        start="2027-01",
        counter_to=first,
    )
    services.proposal_accept(proposal=counter, actor=actor)
    return services.agreement_draft(
        mediation=m,
        actor=actor,
        facts="被申请人拖欠货款。",
        disputed="货款金额与付款期限",
        method="银行转账至申请人账户",
        place="江苏省昆山市",
    )


def test_match_excludes_conflicts_and_unsworn_and_ranks_dialect_first(mcase, roster):
    ranked = services.mediation_match(mcase)
    ids = [m.candidate.id for m in ranked]
    assert ids[0] == roster["elder"].pk
    assert roster["cadre"].pk not in ids  # the debtor is on their conflicts list
    assert roster["unsworn"].pk not in ids  # no consent / undertaking recorded
    assert roster["staff"].pk in ids
    top = ranked[0]
    assert top.dialect_matched
    assert any("昆山话" in r.zh for r in top.reasons)
    assert any("Kunshan" in r.en for r in top.reasons)
    assert 0 <= top.score <= 100 and top.score > ranked[1].score


def test_full_diary_is_excluded(mcase, roster, users):
    roster["elder"].capacity = 1
    roster["elder"].save()
    m = services.mediation_request(case=mcase, actor=users["mediator"])
    services.mediation_assign(mediation=m, actor=users["mediator"], mediator=roster["elder"])
    assert roster["elder"].pk not in [x.candidate.id for x in services.mediation_match(mcase)]


def test_journey_agreement_plan_confirmation(mcase, roster, users):
    actor = users["mediator"]
    a = _to_agreement(mcase, roster, actor)
    assert a.state == "signing"
    a = _sign_all(a, actor, "顾老师")
    assert a.state == "signed" and a.effective_on == D("2026-11-20")
    assert SignedDocument.objects.filter(case=mcase, kind="mediation_agreement").count() == 1
    plan = InstallmentPlan.objects.get(active_case=mcase)
    assert a.plan_version.plan_id == plan.pk and a.plan_version.state == VersionState.ACTIVE
    assert Case.objects.get(pk=mcase.pk).state == "payment_plan"
    assert Mediation.objects.get(pk=a.mediation_id).state == "agreed"
    app = services.confirmation_file(
        agreement=a, actor=actor, court="昆山市人民法院", filed_on=D("2026-11-23")
    )
    assert app.due_by == D("2026-12-21")  # 30 days from 2026-11-20 = 12-20, a Sunday → Monday
    assert "第二百零五条" in app.rule
    assert app.proceeding.kind == "judicial_confirmation"
    app = services.confirmation_ruling(
        application=app,
        actor=actor,
        ruling_on=D("2026-11-26"),
        confirmed=True,
        case_number="(2026)苏0583民特88号",
    )
    p = Proceeding.objects.get(pk=app.proceeding_id)
    assert p.outcome == "confirmed" and p.case_number == "(2026)苏0583民特88号"
    kinds = set(TimelineEvent.objects.filter(case=mcase).values_list("kind", flat=True))
    assert {"mediation.agreement_signed", "mediation.confirmation_filed"} <= kinds
    assert AuditEvent.objects.filter(action="mediation.confirmation_ruling").exists()
    assert documents.agreement_docx(a)[:2] == b"PK"
    assert documents.confirmation_pdf(a)[:4] == b"%PDF"


def test_late_confirmation_refused(mcase, roster, users):
    a = _sign_all(_to_agreement(mcase, roster, users["mediator"]), users["mediator"], "顾老师")
    with pytest.raises(ValidationFailed) as exc:
        services.confirmation_file(
            agreement=a, actor=users["mediator"], court="昆山市人民法院", filed_on=D("2026-12-22")
        )
    assert exc.value.code == "confirmation_late"


def test_missing_elements_refused_before_signing(mcase, roster, users):
    actor = users["mediator"]
    m = services.mediation_request(case=mcase, actor=actor)
    services.mediation_assign(mediation=m, actor=actor, mediator=roster["staff"])
    p = services.proposal_add(
        mediation=m, actor=actor, side="mediator", amount=Decimal("1000"), pay_by=D("2026-12-01")
    )
    services.proposal_accept(proposal=p, actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        services.agreement_draft(
            mediation=m, actor=actor, facts="", disputed="金额", method="转账", place=""
        )
    assert exc.value.code == "agreement_elements_missing"
    assert set(exc.value.details["missing"]) == {"the main facts", "where it is performed"}


def test_wrong_code_does_not_sign(mcase, roster, users):
    a = _to_agreement(mcase, roster, users["mediator"])
    services.agreement_code_send(
        agreement=a, actor=users["mediator"], side="debtor", deliver=lambda c: None
    )
    with pytest.raises(ValidationFailed):
        services.agreement_sign_party(
            agreement=a, actor=users["mediator"], side="debtor", typed_name="王五", code="000000"
        )
    a.refresh_from_db()
    assert a.debtor_signed_at is None


def test_failure_hands_over_to_litigation(mcase, roster, users):
    actor = users["mediator"]
    m = services.mediation_request(case=mcase, actor=actor)
    services.mediation_assign(mediation=m, actor=actor, mediator=roster["staff"])
    services.mediation_fail(mediation=m, actor=actor, reason="债务人拒绝任何方案")
    case = Case.objects.get(pk=mcase.pk)
    assert case.state == "litigation"
    ev = TimelineEvent.objects.filter(case=case, kind="mediation.failed").get()
    assert "债务人拒绝任何方案" in ev.note


def test_community_mediator_sees_only_own_cases(mcase, roster, users, org, creditor):
    from qingqian.cases.selectors import cases_visible_to

    elder = roster["elder_user"]
    assert not cases_visible_to(elder).exists()
    m = services.mediation_request(case=mcase, actor=users["mediator"])
    services.mediation_assign(mediation=m, actor=users["mediator"], mediator=roster["staff"])
    assert not cases_visible_to(elder).exists()
    with pytest.raises(PermissionDenied):
        services.session_add(
            mediation=m,
            actor=elder,
            mode="video",
            at=dt.datetime(2026, 11, 21, 10),
            place="线上",
            participants="双方",
        )
    services.mediation_fail(mediation=m, actor=users["mediator"], reason="改派")
    Case.objects.filter(pk=mcase.pk).update(state="negotiation")
    m2 = services.mediation_request(case=mcase, actor=users["mediator"])
    services.mediation_assign(mediation=m2, actor=users["mediator"], mediator=roster["elder"])
    assert list(cases_visible_to(elder)) == [mcase]


def test_second_open_mediation_refused(mcase, users):
    services.mediation_request(case=mcase, actor=users["mediator"])
    with pytest.raises(Conflict):
        services.mediation_request(case=mcase, actor=users["mediator"])


def test_existing_active_plan_gets_a_new_version_not_a_second_plan(mcase, roster, users):
    from qingqian.negotiation import services as neg

    schedule = neg.plan_schedule(kind="equal", total=Decimal("6000"), months=3, start="2027-01")
    v = neg.plan_propose(
        case=mcase,
        actor=users["lawyer"],
        schedule=schedule,
        grace_days=5,
        consequence="acceleration",
    )
    neg.plan_agree_by_mediation(
        version=v,
        actor=users["lawyer"],
        debtor=v.plan.case.case_parties.get().party,
        agreement_sha256="x",
    )
    a = _sign_all(_to_agreement(mcase, roster, users["mediator"]), users["mediator"], "顾老师")
    assert InstallmentPlan.objects.filter(case=mcase).count() == 1
    assert a.plan_version.plan_id == v.plan_id and a.plan_version.version == 2


def test_cli_match_json_exact_shape(mcase, roster):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("mediation", "match", str(mcase.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"case", "candidates"} and data["case"] == mcase.pk
    first = data["candidates"][0]
    assert set(first) == {"mediator", "name", "score", "reasons"}
    assert first["mediator"] == roster["elder"].pk and first["name"] == "顾老师"
    scores = [c["score"] for c in data["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert roster["cadre"].pk not in [c["mediator"] for c in data["candidates"]]
    out = io.StringIO()
    call_command("mediation", "match", str(mcase.pk), "--json", "--lang", "en", stdout=out)
    assert "Kunshan" in json.loads(out.getvalue())["candidates"][0]["reasons"][0]


def test_figures_time_to_agreement_and_with_confirmation(mcase, roster, users):
    from qingqian.mediation.selectors import mediation_figures

    actor = users["mediator"]
    a = _sign_all(_to_agreement(mcase, roster, actor), actor, "顾老师")
    requested = a.mediation.requested_at - dt.timedelta(days=4)
    Mediation.objects.filter(pk=a.mediation_id).update(requested_at=requested)
    f = mediation_figures(mcase.organisation)
    assert (f["agreement_days"], f["agreement_timed"]) == (4.0, 1)
    assert f["median_days"] is None and f["timed"] == 0  # no application yet
    services.confirmation_file(
        agreement=a, actor=actor, court="昆山市人民法院", filed_on=D("2026-11-26")
    )
    f = mediation_figures(mcase.organisation)
    assert f["agreement_days"] == 4.0 and f["timed"] == 1
    assert 9.5 < f["median_days"] < 10.6  # to the day the complete application was filed


def test_collector_candidates_count_each_collectors_open_cases(org, users, creditor, debtor):
    """The collector load shown on the mediation panel: each collector's cases not closed,
    counted per handler (three open and one closed for one collector, none for another), and
    collectors without a speech profile left out."""
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.mediation.models import SpeechProfile
    from qingqian.mediation.selectors import collector_candidates

    busy, idle = (
        users["collector"],
        User.objects.create_user(
            username="collector2", password="pw-for-tests-only", organisation=org, role="collector"
        ),
    )
    User.objects.create_user(  # a collector without a speech profile: not a candidate
        username="collector3", password="pw-for-tests-only", organisation=org, role="collector"
    )
    for user in (busy, idle):
        SpeechProfile.objects.create(
            user=user, localities=["昆山市"], dialects=[{"dialect": "kunshan", "level": "native"}]
        )
    invoice = InvoiceInput("INV-C", Decimal("100.00"), dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    opened = [
        case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            handler=busy,
            invoices=[dataclasses.replace(invoice, number=f"INV-C{i}")],
        )
        for i in range(4)
    ]
    Case.objects.filter(pk=opened[0].pk).update(state="closed", outcome="paid_in_full")
    Case.objects.filter(pk=opened[1].pk).update(state="negotiation")
    by_name = {c.name: c for c in collector_candidates(org)}
    assert set(by_name) == {busy.get_full_name() or busy.username, "collector2"}
    assert by_name[busy.get_full_name() or busy.username].open_cases == 3
    assert by_name["collector2"].open_cases == 0
    assert by_name["collector2"].capacity == 200
    # The counts are a load hint kept for a minute: a case closed now shows after it.
    Case.objects.filter(pk=opened[1].pk).update(state="closed", outcome="paid_in_full")
    assert {c.name: c.open_cases for c in collector_candidates(org)}["collector2"] == 0
    busy_name = busy.get_full_name() or busy.username
    assert {c.name: c.open_cases for c in collector_candidates(org)}[busy_name] == 3
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        assert {c.name: c.open_cases for c in collector_candidates(org)}[busy_name] == 2
