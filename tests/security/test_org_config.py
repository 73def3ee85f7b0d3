"""Finding 15: contact policies and scoring models belong to an organisation.

Each organisation's gate decides under its own policy in force (else the platform's, the
legal floor), which it may tighten and never loosen; each organisation's queue is scored by
its own current model; no user reads, edits or promotes another organisation's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qingqian.common.exceptions import ApplicationError
from qingqian.contact.models import ContactPolicy
from qingqian.contact.presets import CN_DEFAULT
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_outcome_record,
    contact_policy_current,
    contact_policy_publish,
    contact_system_actor,
)
from qingqian.scoring import services as scoring
from qingqian.scoring.models import CaseScore, ModelKind, ScoringModel

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def at(h: int, m: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, h, m, tzinfo=SH)


@pytest.fixture
def other(other_org: Any) -> dict[str, Any]:
    """A second organisation with a compliance officer, a lawyer and one case."""
    from qingqian.accounts.models import User
    from qingqian.cases.services import InvoiceInput, case_open
    from qingqian.parties.models import Party
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    def user(role: str, name: str) -> Any:
        return User.objects.create_user(
            username=name, password="pw-for-tests-only", organisation=other_org, role=role
        )

    lawyer = user("lawyer", "o-lawyer")
    creditor = Party.objects.create(
        organisation=other_org, kind="company", name="别家债权人有限公司",
        credit_code=make_uscc(7), is_client=True,
    )  # fmt: skip
    debtor = party_create(
        organisation=other_org, actor=None, kind="company", name="别家债务人有限公司",
        credit_code=make_uscc(107), phone="13812345678",
    )  # fmt: skip
    case = case_open(
        organisation=other_org, actor=lawyer, creditor=creditor, debtors=[debtor],
        debt_type="trade", channel="web", handler=lawyer,
        invoices=[
            InvoiceInput("O-1", Decimal("5000.00"), dt.date(2025, 1, 1), dt.date(2025, 2, 1))
        ],
    )  # fmt: skip
    return {
        "org": other_org,
        "compliance": user("compliance", "o-compliance"),
        "lawyer": lawyer,
        "case": case,
        "debtor": debtor,
    }


def _stricter() -> dict[str, Any]:
    data = CN_DEFAULT.to_dict()
    data["caps"][0]["limit"] = 1  # one robot or voice conversation a day, not three
    return data


def _two_conversations(case: Any, debtor: Any) -> list[Any]:
    robot = contact_system_actor(organisation=case.organisation)
    out = []
    for i in range(2):
        a = contact_attempt_authorize(
            case=case, party=debtor, channel="robot", actor=robot, at=at(10, i)
        )
        if a.allowed:
            contact_outcome_record(attempt=a, outcome="connected", at=at(10, i))
        out.append(a)
    return out


def test_the_gate_decides_under_each_organisations_own_policy(
    case: Any, debtor: Any, users: dict[str, Any], other: dict[str, Any]
) -> None:
    row = contact_policy_publish(
        name="cn-default", data=_stricter(), actor=users["compliance"], note="本所更严"
    )
    assert row.organisation_id == case.organisation_id and row.label == "cn-default@2"
    mine = _two_conversations(case, debtor)
    assert [a.allowed for a in mine] == [True, False]
    assert mine[1].policy_version == "cn-default@2"
    assert mine[1].rule == "voice_conversations_per_day"
    # the other organisation is still governed by the platform's preset (three a day)
    theirs = _two_conversations(other["case"], other["debtor"])
    assert [a.allowed for a in theirs] == [True, True]
    assert {a.policy_version for a in theirs} == {"cn-default@1"}
    assert contact_policy_current("cn-default", other["org"])[0].organisation_id is None


def test_an_organisation_cannot_loosen_the_legal_floor(users: dict[str, Any]) -> None:
    looser = CN_DEFAULT.to_dict()
    looser["caps"][0]["limit"] = 5
    looser["windows"] = [{"start": "07:00", "end": "22:00"}]
    with pytest.raises(ApplicationError) as exc:
        contact_policy_publish(name="cn-default", data=looser, actor=users["compliance"])
    assert exc.value.code == "contact_policy_below_floor" and exc.value.status == 422
    assert set(exc.value.details["rules"]) == {"windows", "voice_conversations_per_day"}
    # a new name is held to the same law
    with pytest.raises(ApplicationError) as named:
        contact_policy_publish(name="house-rules", data=looser, actor=users["compliance"])
    assert named.value.code == "contact_policy_below_floor"
    assert ContactPolicy.objects.filter(organisation__isnull=False).count() == 0
    # the web form says so and publishes nothing
    client = Client()
    client.force_login(users["compliance"])
    looser_form = CN_DEFAULT.to_dict()
    looser_form["visit_min_collectors"] = 1
    import json

    response = client.post(
        "/contact/policies/cn-default/",
        {"mode": "json", "data": json.dumps(looser_form), "action": "publish"},
    )
    assert response.status_code == 422
    assert ContactPolicy.objects.filter(organisation__isnull=False).count() == 0


def test_another_organisations_policy_is_neither_seen_nor_edited(
    users: dict[str, Any], other: dict[str, Any]
) -> None:
    contact_policy_publish(
        name="cn-default", data=_stricter(), actor=users["compliance"], note="甲所内部说明"
    )
    contact_policy_publish(name="house-rules", data=_stricter(), actor=users["compliance"])
    client = Client()
    client.force_login(other["compliance"])
    page = client.get("/contact/policies/").content.decode()
    assert "甲所内部说明" not in page and "house-rules" not in page
    # a name only the other organisation has is not found
    assert client.get("/contact/policies/house-rules/").status_code == 404
    # the editor starts from what governs this organisation: the platform's version
    editor = client.get("/contact/policies/cn-default/")
    assert editor.context["row"].organisation_id is None and editor.context["row"].version == 1
    # publishing for another organisation is refused with a code
    with pytest.raises(ApplicationError) as exc:
        contact_policy_publish(
            name="cn-default",
            data=_stricter(),
            actor=other["compliance"],
            organisation=users["compliance"].organisation,
        )
    assert exc.value.code == "contact_policy_forbidden" and exc.value.status == 403
    own = contact_policy_publish(name="cn-default", data=_stricter(), actor=other["compliance"])
    assert own.organisation_id == other["org"].pk
    assert contact_policy_current("cn-default", users["compliance"].organisation)[0].pk != own.pk


def _learned(org: Any, *, current: bool) -> ScoringModel:
    from qingqian.scoring.pipeline import Config, train
    from qingqian.scoring.synthetic import DATE_COLUMN, TARGET, closed_cases

    art = train(
        closed_cases(600, seed=5),
        Config(target=TARGET, date_column=DATE_COLUMN, primary="scorecard", challenger=False),
    )
    return ScoringModel.objects.create(
        organisation=org,
        version=art.version,
        kind=ModelKind.WOE_LR,
        artefact=art.model_json(),
        card=art.card | {"promotion": {"promoted": True}},
        holdout_metrics={"auc": 0.7, "window": "w"},
        is_current=current,
    )


def test_each_queue_is_scored_by_its_own_organisations_model(
    case: Any, users: dict[str, Any], other: dict[str, Any]
) -> None:
    from qingqian.cases.models import Case

    scoring.expert_model_ensure()
    mine = _learned(case.organisation, current=True)
    Case.objects.filter(pk__in=[case.pk, other["case"].pk]).update(state="negotiation")
    result = scoring.rescore(
        Case.objects.filter(pk__in=[case.pk, other["case"].pk]), at=dt.date(2026, 12, 15)
    )
    assert result["scored"] == 2
    versions = dict(
        CaseScore.objects.filter(is_latest=True).values_list("case_id", "model_version")
    )
    assert versions[case.pk] == mine.version
    assert versions[other["case"].pk] == "expert-card-1"


def test_another_organisations_model_is_neither_seen_nor_promoted(
    users: dict[str, Any], other: dict[str, Any]
) -> None:
    scoring.expert_model_ensure()
    theirs = _learned(other["org"], current=False)
    client = Client()
    client.force_login(users["lawyer"])
    assert theirs.version not in client.get("/scoring/models/").content.decode()
    assert client.get(f"/scoring/models/{theirs.version}/").status_code == 404
    assert client.get("/scoring/models/expert-card-1/").status_code == 200
    with pytest.raises(ApplicationError) as exc:
        scoring.scoring_model_promote(model=theirs, actor=users["lawyer"])
    assert exc.value.code == "scoring_model_not_found" and exc.value.status == 404
    theirs.refresh_from_db()
    assert not theirs.is_current
    # its own organisation may promote it; the platform's expert card stays current
    scoring.scoring_model_promote(model=theirs, actor=other["lawyer"])
    theirs.refresh_from_db()
    assert theirs.is_current
    assert ScoringModel.objects.get(version="expert-card-1").is_current


def _migration(app: str, name: str) -> Any:
    import importlib

    return importlib.import_module(f"qingqian.{app}.migrations.{name}")


def test_existing_rows_go_to_their_organisations(
    users: dict[str, Any], other: dict[str, Any]
) -> None:
    """The data migrations, run on rows as they stood when everything was global."""
    from django.apps import apps

    mine, theirs = users["compliance"].organisation, other["org"]
    body = CN_DEFAULT.to_dict()
    by_me = ContactPolicy.objects.create(
        name="cn-default", version=2, data=body | {"version": 2}, created_by=users["compliance"]
    )
    by_them = ContactPolicy.objects.create(
        name="cn-default", version=3, data=body | {"version": 3}, created_by=other["compliance"]
    )
    by_system = ContactPolicy.objects.create(
        name="cn-default", version=4, data=body | {"version": 4}
    )
    _migration("contact", "0008_h15_policy_per_organisation").assign(apps, None)
    for row in (by_me, by_them, by_system):
        row.refresh_from_db()
    assert (by_me.organisation, by_them.organisation, by_system.organisation) == (
        mine,
        theirs,
        None,
    )
    assert ContactPolicy.objects.get(version=1, name="cn-default").organisation is None
    # scoring: the expert card stays the platform's (and current when the platform has no
    # current model left); a learned model goes to whoever promoted it
    expert = scoring.expert_model_ensure()
    learned = _learned(None, current=False)
    ScoringModel.objects.filter(pk=expert.pk).update(is_current=False)
    ScoringModel.objects.filter(pk=learned.pk).update(is_current=True, promoted_by=other["lawyer"])
    _migration("scoring", "0003_h15_models_per_organisation").assign(apps, None)
    learned.refresh_from_db()
    expert.refresh_from_db()
    assert learned.organisation == theirs and learned.is_current
    assert expert.organisation is None and expert.is_current


def test_a_system_job_names_the_organisation_it_trains_for(
    users: dict[str, Any], other: dict[str, Any]
) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(ApplicationError) as exc:
        scoring.scoring_model_train(actor=None)
    assert exc.value.code == "scoring_organisation_required" and exc.value.status == 422
    with pytest.raises(CommandError) as cli:
        call_command("scoring", "train", "--estimators", "30")
    assert "--organisation" in str(cli.value)
    # a user names another organisation: not found
    with pytest.raises(ApplicationError) as foreign:
        scoring.scoring_model_train(actor=users["lawyer"], organisation_id=other["org"].pk)
    assert foreign.value.code == "scoring_organisation_not_found"
