"""The case page shows each role only the forms it may submit (issue 19, dead end 7): every
form action and htmx post on the page resolves to a route whose permission
(``qingqian.access``) the role holds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from qingqian import access
from qingqian.accounts.roles import PERMISSIONS, Perm, Role

TARGET = re.compile(r'(?:action|hx-post|hx-get)="(/[^"]*)"')

ROLE_USERS = {
    Role.INTAKE_AGENT: "intake_agent",
    Role.COLLECTOR: "collector",
    Role.LAWYER: "lawyer",
    Role.MEDIATOR: "mediator",
    Role.COMPLIANCE: "compliance",
    Role.ADMIN: "admin",
    Role.CREDITOR: "creditor",
    Role.COMMUNITY_MEDIATOR: "community_mediator",
}


def _denied_targets(html: str, role: Role) -> list[str]:
    bad = []
    for url in set(TARGET.findall(html)):
        try:
            match = resolve(url.split("?")[0])
        except Resolver404:
            continue
        spec = access.ROUTES.get(match.view_name)
        if isinstance(spec, Perm) and spec not in PERMISSIONS[role]:
            bad.append(f"{match.view_name} ({spec.value})")
    return sorted(bad)


def _mediate(case: Any, users: dict[str, Any]) -> None:
    from qingqian.cases.models import Case
    from qingqian.mediation import services

    Case.objects.filter(pk=case.pk).update(state="negotiation")
    elder = services.mediator_add(
        organisation=case.organisation,
        actor=users["admin"],
        kind="community",
        name="顾老师",
        title="退休教师",
        localities=["姑苏区"],
        dialects=[{"dialect": "suzhou", "level": "native"}],
        specialities=["trade"],
        capacity=5,
        user=users["community_mediator"],
    )
    services.mediator_undertakings_record(
        mediator=elder, actor=users["admin"], consent=True, confidentiality=True
    )
    mediation = services.mediation_request(case=case, actor=users["mediator"])
    services.mediation_assign(mediation=mediation, actor=users["mediator"], mediator=elder)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_the_case_page_offers_only_forms_the_role_may_submit(
    role: Role, users: dict[str, Any], case: Any
) -> None:
    if role == Role.COMMUNITY_MEDIATOR:  # a 乡贤 sees only the cases they mediate
        _mediate(case, users)
    client = Client()
    client.force_login(users[ROLE_USERS[role]])
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for panel in re.findall(r'hx-get="(/cases/\d+/[^"]+)"', html):
        html += client.get(panel).content.decode()
    bad = _denied_targets(html, role)
    assert not bad, "\n".join([role.value, *bad])


@pytest.mark.django_db
def test_the_roles_that_may_still_see_the_forms(users: dict[str, Any], case: Any) -> None:
    client = Client()
    client.force_login(users["collector"])
    html = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    for name in ("payments:record", "negotiation:promise_add", "portal_staff:link_send",
                 "contact:case_hold_place", "contact:case_unreachable_flag"):  # fmt: skip
        assert reverse(name, args=[case.pk]) in html, name
