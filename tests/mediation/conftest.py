"""A Kunshan roster: a staff mediator (Mandarin, Suzhou), two community mediators (乡贤)
in Kunshan towns, one with the debtor on their conflicts list, one without undertakings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from qingqian.cases.models import Case


@pytest.fixture
def mcase(case: Any, debtor: Any) -> Case:
    Case.objects.filter(pk=case.pk).update(state="negotiation")
    debtor.district = "昆山市"
    debtor.address = "江苏省昆山市周市镇青阳北路 88 号"
    debtor.save(update_fields=["district", "address"])
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def roster(org: Any, users: dict[str, Any], debtor: Any) -> dict[str, Any]:
    from qingqian.accounts.models import User
    from qingqian.mediation import services

    admin = users["admin"]
    staff = services.mediator_add(
        organisation=org,
        actor=admin,
        kind="staff",
        name="陈调解",
        title="专职调解员",
        localities=["姑苏区"],
        dialects=[
            {"dialect": "mandarin", "level": "native"},
            {"dialect": "suzhou", "level": "fluent"},
        ],
        specialities=["trade"],
        capacity=10,
        user=users["mediator"],
    )
    elder_user = User.objects.create_user(
        username="elder",
        password="pw-for-tests-only",
        organisation=org,
        role="community_mediator",
    )
    elder = services.mediator_add(
        organisation=org,
        actor=admin,
        kind="community",
        name="顾老师",
        title="退休教师",
        localities=["昆山市/周市镇"],
        dialects=[
            {"dialect": "kunshan", "level": "native"},
            {"dialect": "mandarin", "level": "fluent"},
        ],
        specialities=["trade", "private_loan"],
        capacity=5,
        user=elder_user,
    )
    services.mediator_undertakings_record(
        mediator=elder, actor=admin, consent=True, confidentiality=True
    )
    cadre = services.mediator_add(
        organisation=org,
        actor=admin,
        kind="community",
        name="沈书记",
        title="村干部",
        localities=["昆山市/周市镇"],
        dialects=[{"dialect": "kunshan", "level": "native"}],
        specialities=["trade"],
        capacity=5,
        conflicts=[debtor],
    )
    services.mediator_undertakings_record(
        mediator=cadre, actor=admin, consent=True, confidentiality=True
    )
    unsworn = services.mediator_add(
        organisation=org,
        actor=admin,
        kind="community",
        name="钱老板",
        title="企业家",
        localities=["昆山市/周市镇"],
        dialects=[{"dialect": "kunshan", "level": "native"}],
        specialities=["trade"],
        capacity=5,
    )
    return {
        "staff": staff,
        "elder": elder,
        "cadre": cadre,
        "unsworn": unsworn,
        "elder_user": elder_user,
    }


D = dt.date.fromisoformat
