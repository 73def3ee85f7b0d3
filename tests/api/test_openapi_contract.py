"""Every API operation declares its error responses with the one error body, and every
schema name in the document is one schema (ADR 0008)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ninja import Schema

from qingqian.api.router import api


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def test_every_operation_declares_its_errors_with_the_one_body() -> None:
    missing = []
    for method, path, op in _operations():
        errors = {code: r for code, r in op["responses"].items() if str(code).startswith("4")}
        refs = {
            r["content"]["application/json"]["schema"].get("$ref", "")
            for r in errors.values()
            if "content" in r
        }
        if not errors or refs != {"#/components/schemas/ErrorOut"}:
            missing.append(f"{method} {path}")
    assert missing == []
    assert len(_operations()) >= 50


def test_no_two_schemas_share_a_name() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for _mount, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for wrapper in operation.response_models.values():
                    fields = getattr(wrapper, "model_fields", {})
                    model = fields["response"].annotation if "response" in fields else None
                    if isinstance(model, type) and issubclass(model, Schema):
                        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert len(by_name) > 20  # the walk reached the routers' response schemas
    clashes = {name: where for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}
