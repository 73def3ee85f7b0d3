"""The day plan from the database: queue order, due steps, holds, caps, learned hours,
collectors and capacity; planning writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qingqian.cases.models import Case
from qingqian.cases.services import case_open
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed
from qingqian.contact.models import ContactAttempt
from qingqian.contact.services import (
    contact_attempt_authorize,
    contact_hold_place,
    contact_outcome_record,
    contact_system_actor,
)
from qingqian.desk.dayplan import Capacity, day_plan
from qingqian.parties.services import party_create
from qingqian.scoring.models import CaseScore
from qingqian.strategy.models import StrategyRun, StrategyStep
from tests.support import make_uscc

pytestmark = pytest.mark.django_db
SH = clock.BUSINESS_TZ


def tomorrow() -> dt.date:
    return clock.today() + dt.timedelta(days=1)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


class World:
    def __init__(self, org: Any, users: dict[str, Any], creditor: Any) -> None:
        self.org, self.users, self.creditor = org, users, creditor
        self.n = 200

    def debtor(self, name: str, *, phone: bool = True, address: str = "苏州市姑苏区人民路 1 号"):  # type: ignore[no-untyped-def]
        self.n += 1
        return party_create(
            organisation=self.org,
            actor=None,
            kind="company",
            name=name,
            credit_code=make_uscc(self.n),
            phone=f"1391234{self.n:04d}" if phone else "",
            address=address,
        )

    def case(
        self,
        debtor: Any,
        principal: str = "10000.00",
        state: str = "negotiation",
        due: dt.date = dt.date(2026, 1, 15),
    ) -> Case:
        case = case_open(
            organisation=self.org,
            actor=None,
            creditor=self.creditor,
            debtors=[debtor],
            debt_type="trade",
            channel="web",
            principal=principal,
            handler=self.users["collector"],
            due_date=due,
        )
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        CaseScore.objects.create(
            case=case,
            score=50,
            model_version="test",
            feature_digest="0" * 64,
            features_at=clock.today(),
            scored_at=clock.now(),
        )
        return case


@pytest.fixture
def world(org: Any, users: dict[str, Any], creditor: Any) -> World:
    return World(org, users, creditor)


def plan(world: World, **cap: Any) -> Any:
    return day_plan(world.org, tomorrow(), capacity=Capacity.from_settings(**cap))


def by_party(view: Any) -> dict[int, Any]:
    return {s.party_id: s for s in view.slots}


def test_one_treatment_per_debtor_across_cases_and_no_attempt_written(world: World) -> None:
    a = world.debtor("甲公司")
    a1, a2 = world.case(a, "5000.00"), world.case(a, "8000.00")
    b = world.debtor("乙公司")
    world.case(b)
    before = ContactAttempt.objects.count()
    view = plan(world)
    assert ContactAttempt.objects.count() == before  # a forecast, not a decision
    slots = by_party(view)
    assert set(slots) == {a.pk, b.pk}
    assert {c for c, _ in slots[a.pk].cases} == {a1.pk, a2.pk}
    assert [x.party_id for x in view.slots].count(a.pk) == 1
    # the certified collector (the handler) calls the most valuable debtors first
    assert slots[a.pk].channel == "voice" and slots[a.pk].collector == "collector"
    assert view.collectors == {"collector": 80}


def test_holds_caps_and_reached_debtors_are_left_out_with_the_reason(world: World) -> None:
    held = world.debtor("丙公司（争议）")
    held_case = world.case(held)
    contact_hold_place(case=held_case, party=held, kind="dispute", actor=None, reason="对账")
    reached = world.debtor("丁公司（已接通）")
    reached_case = world.case(reached)
    robot = contact_system_actor(organisation=world.org)
    day = tomorrow()
    attempt = contact_attempt_authorize(
        case=reached_case, party=reached, channel="robot", actor=robot, at=local(day, 8, 30)
    )
    assert attempt.allowed
    contact_outcome_record(attempt=attempt, outcome="connected", at=local(day, 8, 35))
    capped = world.debtor("戊公司（三次通话）")
    capped_case = world.case(capped)
    for minute in (0, 10, 20):  # three conversations in flight (no outcome yet) that day
        contact_attempt_authorize(
            case=capped_case, party=capped, channel="robot", actor=robot, at=local(day, 9, minute)
        )
    view = plan(world, sms=0)  # no SMS either: the cap leaves the debtor out
    out = {x.party_id: x for x in view.left_out}
    assert out[held.pk].category == "hold" and out[held.pk].code == "hold_dispute"
    assert out[reached.pk].code == "already_reached_today"
    assert out[capped.pk].category == "cap"
    assert out[capped.pk].code == "voice_conversations_per_day"
    assert not view.slots
    # with SMS allowed, the capped debtor gets one SMS instead of a fourth call
    view = plan(world)
    assert {s.party_id: s.channel for s in view.slots} == {capped.pk: "sms"}


def test_best_hour_is_learned_from_past_connections(world: World) -> None:
    night = world.debtor("己公司（晚上接电话）")
    night_case = world.case(night, "50000.00")
    other = world.debtor("庚公司")
    world.case(other, "1000.00")
    robot = contact_system_actor(organisation=world.org)
    today = clock.today()
    for back in range(1, 5):
        day = today - dt.timedelta(days=back)
        for hour, outcome in ((9, "no_answer"), (19, "connected")):
            a = contact_attempt_authorize(
                case=night_case, party=night, channel="robot", actor=robot, at=local(day, hour)
            )
            contact_outcome_record(attempt=a, outcome=outcome, at=local(day, hour, 1))
    view = plan(world, collector_capacity=0)  # no calls by people: robots
    slots = by_party(view)
    assert slots[night.pk].channel == "robot" and slots[night.pk].at.hour == 19
    # the other debtor has no history: the portfolio's best hour (19:00 too)
    assert slots[other.pk].at.hour == 19
    assert view.learned_from == 8


def test_robot_capacity_and_missing_collectors(world: World, users: dict[str, Any]) -> None:
    debtors = [world.debtor(f"辛公司{i}") for i in range(4)]
    for i, d in enumerate(debtors):
        world.case(d, f"{1000 * (i + 1)}.00")
    users["collector"].cert_expires = dt.date(2020, 1, 1)  # lapsed: no calls by people
    users["collector"].save(update_fields=["cert_expires"])
    view = plan(world, robots=1, robot_capacity=2)
    assert view.collectors == {}
    assert view.totals == {"robot": 2, "sms": 2}
    # the two largest balances (best value per hour) got the robot
    robot = {s.party_id for s in view.slots if s.channel == "robot"}
    assert robot == {debtors[3].pk, debtors[2].pk}
    view = plan(world, robots=0, sms=1)
    assert view.totals == {"sms": 1}
    assert view.left_out_by_category() == {"capacity": 3}


def test_due_strategy_step_comes_first_on_its_channels(world: World) -> None:
    small = world.debtor("壬公司（策略）")
    small_case = world.case(small, "500.00")
    big = world.debtor("癸公司")
    world.case(big, "90000.00")
    run = StrategyRun.objects.create(
        organisation=world.org,
        debtor=small,
        case=small_case,
        playbook_key="trade-small",
        started_on=clock.today(),
        assigned_amount=Decimal("500.00"),
        steps=[],
        reason={"zh": "", "en": ""},
        created_at=clock.now(),
    )
    StrategyStep.objects.create(
        run=run, index=0, kind="sms_reminder", channels=["sms", "email"], due_on=tomorrow()
    )
    view = plan(world, collector_capacity=1)
    slots = by_party(view)
    assert slots[small.pk].channel == "sms"
    assert slots[small.pk].reason_code == "step_sms_reminder"
    assert slots[big.pk].channel == "voice"  # the one call goes to the queue's best debtor
    data = view.as_dict()
    assert data["totals"]["per_channel"] == {"sms": 1, "voice": 1}


def test_written_actions_and_missing_contact_details(world: World) -> None:
    no_phone = world.debtor("子公司（无电话）", phone=False, address="")
    world.case(no_phone)
    view = plan(world)
    (x,) = view.left_out
    assert x.party_id == no_phone.pk and x.code == "no_contact_details"


def test_query_count_does_not_grow_with_the_portfolio(world: World) -> None:
    for i in range(2):
        world.case(world.debtor(f"丑公司{i}"))
    with CaptureQueriesContext(connection) as small:
        plan(world)
    for i in range(6):
        world.case(world.debtor(f"寅公司{i}"))
    with CaptureQueriesContext(connection) as big:
        view = plan(world)
    assert len(view.slots) == 8
    assert len(big.captured_queries) == len(small.captured_queries) <= 20


def test_a_past_day_and_bad_capacity_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        day_plan(world.org, clock.today() - dt.timedelta(days=1))
    assert err.value.code == "plan_day_past"
    with pytest.raises(ValidationFailed):
        Capacity.from_settings(robots=-1)


def test_today_plans_only_the_hours_left(world: World) -> None:
    world.case(world.debtor("卯公司"))
    today = clock.today()
    late = day_plan(world.org, now=local(today, 22, 30))
    assert late.slots == () and late.left_out[0].code == "outside_window"
    assert late.left_out[0].category == "window"
    noon = day_plan(world.org, now=local(today, 12, 10))
    assert noon.slots[0].at >= local(today, 12, 10)


def test_a_written_demand_is_sent_once_then_followed_up_by_phone(world: World) -> None:
    # the limitation period (3 years from the due date) ends in about ten days
    today = clock.today()
    due = dt.date(today.year - 3, today.month, min(today.day, 28)) + dt.timedelta(days=10)
    debtor = world.debtor("辰公司（时效将届满）")
    case = world.case(debtor, due=due)
    (slot,) = plan(world).slots
    assert (slot.channel, slot.reason_code) == ("letter", "interrupt_limitation")
    robot = contact_system_actor(organisation=world.org)
    sent = clock.now() - dt.timedelta(days=3)
    letter = contact_attempt_authorize(
        case=case, party=debtor, channel="letter", actor=robot, number=debtor.address, at=sent
    )
    assert letter.allowed
    (slot,) = plan(world).slots
    assert (slot.channel, slot.reason_code) == ("voice", "letter_follow_up")
    assert sent.astimezone(SH).date().isoformat() in slot.reason_zh


def test_a_debtor_abroad_is_planned_in_their_own_time_zone(world: World) -> None:
    from zoneinfo import ZoneInfo

    from qingqian.parties.models import Party

    ny = world.debtor("纽约贸易公司")
    Party.objects.filter(pk=ny.pk).update(timezone="America/New_York")
    world.case(ny)
    slot = by_party(plan(world, collector_capacity=0))[ny.pk]
    zone = ZoneInfo("America/New_York")
    local_at = slot.at.astimezone(zone)
    assert slot.at.utcoffset() == local_at.utcoffset()  # shown in the debtor's own time
    assert 8 <= local_at.hour < 22  # inside the window where the debtor lives


def test_a_collector_who_speaks_the_debtors_dialect_gets_the_call(
    world: World, users: dict[str, Any]
) -> None:
    from qingqian.accounts.models import User
    from qingqian.mediation.models import DebtorProfile, SpeechProfile

    gu = User.objects.create_user(
        username="gu", password="pw-for-tests-only", organisation=world.org, role="collector",
        cert_number="SZ-CERT-0002", cert_issuer="苏州市商务调解协会",
        cert_expires=dt.date(2099, 12, 31),
    )  # fmt: skip
    SpeechProfile.objects.create(
        user=gu, localities=["昆山市"], dialects=[{"dialect": "kunshan", "level": "native"}]
    )
    SpeechProfile.objects.create(
        user=users["collector"], dialects=[{"dialect": "mandarin", "level": "native"}]
    )
    # registered in Kunshan: Kunshan Wu is assumed; the handler speaks only Mandarin
    ks = world.debtor("昆山巴城五金厂", address="江苏省昆山市巴城镇湖滨路 8 号")
    world.case(ks, "20000.00")
    # a Gusu debtor who said they prefer Mandarin: the handler keeps the call
    gs = world.debtor("姑苏茶庄")
    world.case(gs, "9000.00")
    DebtorProfile.objects.create(party=gs, dialect="mandarin")
    view = plan(world)
    slots = by_party(view)
    assert slots[ks.pk].collector == "gu" and slots[ks.pk].dialect_matched
    assert slots[ks.pk].as_dict()["dialect"] == "kunshan"
    assert slots[gs.pk].collector == "collector" and slots[gs.pk].dialect_matched
    assert slots[gs.pk].dialect_zh == "普通话"


def test_the_day_plan_page_says_who_speaks_the_debtors_dialect(
    world: World, users: dict[str, Any], client: Any
) -> None:
    from qingqian.mediation.models import SpeechProfile

    SpeechProfile.objects.create(
        user=users["collector"], dialects=[{"dialect": "suzhou", "level": "native"}]
    )
    world.case(world.debtor("观前街绸布店"))  # registered in Gusu: Suzhou Wu assumed
    client.force_login(users["admin"])
    day = tomorrow().isoformat()
    page = client.get(f"/contact/plan/?date={day}").content.decode()
    assert 'data-dialect="suzhou">会讲苏州话</span>' in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/contact/plan/?date={day}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "speaks Suzhou Wu" in page
