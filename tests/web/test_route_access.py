"""The access matrix, generated: every HTML route (from the URL resolver) and every API
operation (from the OpenAPI schema) is declared in ``qingqian.access``, and every role that
lacks the declared permission is refused, before any view runs.

A route added without a line in ``qingqian.access`` fails ``test_every_route_is_declared``
(and is refused at run time: the middleware fails closed). The hand-written
``test_access_matrix.py`` still checks scope (another creditor, an unassigned collector) and
that the roles that may use a route get through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from qingqian import access
from qingqian.accounts.roles import PERMISSIONS, Perm, Role
from qingqian.accounts.services import api_token_create
from qingqian.api.router import api

ROLE_USERS = {
    Role.INTAKE_AGENT: "intake_agent",
    Role.COLLECTOR: "collector",
    Role.LAWYER: "lawyer",
    Role.MEDIATOR: "mediator",
    Role.COMPLIANCE: "compliance",
    Role.ADMIN: "admin",
    Role.CREDITOR: "creditor",
    Role.COMMUNITY_MEDIATOR: "community_mediator",  # h18
}


def _walk(patterns: list[Any], namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django's admin checks staff status itself
            yield from _walk(p.url_patterns, p.namespace or namespace)
        else:
            name = f"{namespace}:{p.name}" if namespace else str(p.name)
            yield name, p


def _html_routes() -> dict[str, URLPattern]:
    return {
        name: p for name, p in _walk(get_resolver().url_patterns) if not name.startswith("api:")
    }


def _api_documents() -> set[str]:
    every = {name for name, _ in _walk(get_resolver().url_patterns) if name.startswith("api:")}
    operations = {  # ninja names an operation's route after its function
        name for name in every if name not in {"api:openapi-json", "api:openapi-view"}
    }
    return every - operations


def _api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {access.api_key(m, p) for p, ops in schema["paths"].items() for m in ops}


def test_every_route_is_declared() -> None:
    routes = set(_html_routes())
    assert routes - set(access.ROUTES) == set(), "routes without a line in qingqian.access"
    assert set(access.ROUTES) - routes == set(), "lines in qingqian.access without a route"


def test_the_api_documents_are_declared() -> None:
    assert _api_documents() == set(access.API_DOCUMENTS)
    assert Client().get("/api/v1/openapi.json").status_code == 200


def test_every_api_operation_is_declared() -> None:
    ops = _api_operations()
    assert ops - set(access.API) == set(), "API operations without a line in qingqian.access"
    assert set(access.API) - ops == set(), "lines in qingqian.access without an operation"


def test_the_counts_are_what_the_note_reports() -> None:
    """Not a fixed number: the two tables cover what the resolver and the schema list."""
    assert len(access.ROUTES) == len(_html_routes()) >= 79
    assert len(access.API) == len(_api_operations()) >= 33


def _dummy_kwargs(pattern: URLPattern) -> dict[str, Any]:
    """Values of the right type for a route's parameters: the middleware refuses before any
    object is looked up, so no real object is needed to test a refusal."""
    converters = getattr(pattern.pattern, "converters", {})
    values: dict[str, Any] = {}
    for name, conv in converters.items():
        values[name] = 1 if conv.regex == "[0-9]+" else "x"
    return values


def _perm_routes() -> list[tuple[str, Perm]]:
    return sorted((n, s) for n, s in access.ROUTES.items() if isinstance(s, Perm))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "perm"), _perm_routes(), ids=[n for n, _ in _perm_routes()])
def test_every_route_refuses_every_role_without_its_permission(
    name: str, perm: Perm, users: dict[str, Any]
) -> None:
    pattern = _html_routes()[name]
    url = reverse(name, kwargs=_dummy_kwargs(pattern))
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    lacking = [r for r in Role if perm not in PERMISSIONS[r]]
    for role in lacking:
        client = Client()
        client.force_login(users[ROLE_USERS[role]])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (name, role, method, response.status_code)
            assert perm.value not in response.content.decode()  # words, never the code


def _api_perm_ops() -> list[tuple[str, Perm]]:
    return sorted((k, s) for k, s in access.API.items() if isinstance(s, Perm))


_PARAM = re.compile(r"\{(\w+)\}")


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "perm"), _api_perm_ops(), ids=[k for k, _ in _api_perm_ops()])
def test_every_api_operation_refuses_every_role_without_its_permission(
    key: str, perm: Perm, users: dict[str, Any]
) -> None:
    method, template = key.split(" ", 1)
    url = _PARAM.sub("1", template)
    call = getattr(Client(), method.lower())
    assert call(url).status_code == 401
    for role in (r for r in Role if perm not in PERMISSIONS[r]):
        token = api_token_create(user=users[ROLE_USERS[role]])
        response = call(
            url,
            data={},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403, (key, role, response.status_code)
        body = response.json()
        assert body["code"] == "permission_denied" and " / " in body["message"]


def _undeclared(request: Any) -> HttpResponse:
    return HttpResponse("should never be served")


urlpatterns = [
    path("undeclared/", _undeclared, name="undeclared"),
    *get_resolver().url_patterns,
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_undeclared_route_is_refused_whoever_asks(users: dict[str, Any]) -> None:
    client = Client()
    assert client.get("/undeclared/").status_code == 403
    client.force_login(users["admin"])
    response = client.get("/undeclared/")
    assert response.status_code == 403 and "should never" not in response.content.decode()


@pytest.mark.django_db
def test_the_refusal_names_the_permission_in_words(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["collector"])
    html = client.get("/hotline/").content.decode()
    assert "接听热线" in html and "hotline.use" not in html


def _api_schema_classes() -> dict[str, set[type]]:
    from ninja import Schema

    found: dict[str, set[type]] = {}
    stack: list[type] = [Schema]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("qingqian."):
                found.setdefault(sub.__name__, set()).add(sub)
    return found


def _shape(cls: Any) -> str:
    import json

    schema = cls.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    return json.dumps(schema, sort_keys=True)


def test_api_schema_names_are_unique() -> None:
    """Two different models under one name overwrite each other in the OpenAPI components and
    break generated clients (two ``VersionOut`` did, on the evidence list)."""
    components = set(api.get_openapi_schema()["components"]["schemas"])
    clashes = {
        name: sorted(f"{c.__module__}.{c.__name__}" for c in classes)
        for name, classes in _api_schema_classes().items()
        if name in components and len({_shape(c) for c in classes}) > 1
    }
    assert clashes == {}
