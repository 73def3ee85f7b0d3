"""The menu per role (issue 19, dead end 7): every item a role sees answers 200 for that
role, items it may not open are not shown, and each item's permission is its route's line in
``qingqian.access`` or a stricter one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qingqian import access
from qingqian.accounts.roles import MENU, PERMISSIONS, Role, menu_for_role

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


@pytest.mark.parametrize("item", MENU, ids=[i.route for i in MENU])
def test_a_menu_item_is_never_laxer_than_its_route(item: Any) -> None:
    if item.staff_site:
        assert item.route.startswith("admin:")
        return
    spec = access.ROUTES[item.route]
    if item.perm is None:
        assert isinstance(spec, access.Public), item.route
        return
    assert isinstance(spec, type(item.perm)), item.route
    for role in Role:
        if item.perm in PERMISSIONS[role]:
            assert spec in PERMISSIONS[role], (item.route, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_menu_item_of_every_role_answers_200(
    role: Role, users: dict[str, Any], case: Any
) -> None:
    user = users[ROLE_USERS[role]]
    client = Client()
    client.force_login(user)
    html = client.get(reverse("web:dashboard")).content.decode()
    items = menu_for_role(role, staff_site=user.is_staff)
    assert items, role
    for item in items:
        url = reverse(item.route)
        assert f'href="{url}"' in html, (role, item.route)
        response = client.get(url)
        assert response.status_code == 200, (role, item.route, response.status_code)
    for item in MENU:
        if item not in items and item.route not in ("web:dashboard",):
            assert f'href="{reverse(item.route)}"' not in html.split("</nav>")[0], (
                role,
                item.route,
            )


def test_the_menus_differ_by_role() -> None:
    collector = {i.route for i in menu_for_role(Role.COLLECTOR)}
    creditor = {i.route for i in menu_for_role(Role.CREDITOR)}
    compliance = {i.route for i in menu_for_role(Role.COMPLIANCE)}
    assert "scoring:queue" in collector and "web:hotline" not in collector
    assert "web:import_new" in creditor and "contact:holds" not in creditor
    assert "strategy:dashboard" not in creditor and "scoring:queue" not in creditor
    assert {"compliance:audit", "compliance:records", "contact:holds"} <= compliance
    assert "compliance:audit" not in collector


@pytest.mark.django_db
def test_the_403_page_explains_in_words_never_the_code(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["collector"])
    response = client.get(reverse("web:import_new"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "import.run" not in html
    assert "导入应收台账" in html and "催收员" in html
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("web:import_new")).content.decode()
    assert "import ledgers" in html.lower() or "receivables ledgers" in html
    assert "import.run" not in html


@pytest.mark.django_db
def test_a_view_level_refusal_names_no_code(users: dict[str, Any]) -> None:
    """Views that refuse by themselves (with a code that is not a permission) say it in words."""
    client = Client()
    client.force_login(users["creditor"])
    response = client.get(reverse("desk:day_plan"))
    assert response.status_code == 403
    assert "contact.plan" not in response.content.decode()
