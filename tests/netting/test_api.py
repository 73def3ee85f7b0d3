"""``POST /api/v1/netting/solve``: the CLI's result object over JSON; bad rows are 422s
naming the row in both languages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.netting.chain import CHAIN

pytestmark = pytest.mark.django_db
URL = "/api/v1/netting/solve"


@pytest.fixture
def client(users: dict[str, Any]) -> Client:
    from qingqian.accounts.services import api_token_create

    token = api_token_create(user=users["creditor"])
    return Client(headers={"Authorization": f"Bearer {token}"})


def _body(rows: list[dict[str, Any]], **options: Any) -> str:
    body: dict[str, Any] = {"obligations": rows}
    if options:
        body["options"] = options
    return json.dumps(body)


def _chain_rows() -> list[dict[str, Any]]:
    return [
        {"id": i, "debtor": d, "creditor": c, "amount": a, "due": due}
        for i, d, c, a, due, _ in CHAIN
    ]


def test_same_result_object_as_the_cli(client: Client, tmp_path: Path) -> None:
    import io

    from django.core.management import call_command

    path = tmp_path / "chain.csv"
    path.write_text(
        "id,debtor,creditor,amount,due\n"
        + "".join(f"{i},{d},{c},{a},{due}\n" for i, d, c, a, due, _ in CHAIN),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("netting", "solve", str(path), "--json", stdout=out)
    resp = client.post(URL, _body(_chain_rows()), content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert resp.json() == json.loads(out.getvalue())
    assert resp.json()["cleared"] == "32000000.00"
    assert {s["id"]: s["amount"] for s in resp.json()["setoffs"]} == {i: s for i, *_, s in CHAIN}


def test_options_reach_the_solver(client: Client) -> None:
    rows = [
        {"id": "1", "debtor": "A", "creditor": "B", "amount": "100"},
        {"id": "2", "debtor": "B", "creditor": "A", "amount": "80.50", "status": "disputed"},
    ]
    assert (
        client.post(URL, _body(rows), content_type="application/json").json()["cleared"] == "0.00"
    )
    both = client.post(URL, _body(rows, exclude_disputed=False), content_type="application/json")
    assert both.json()["cleared"] == "161.00"
    capped = client.post(
        URL, _body(rows, exclude_disputed=False, caps={"A": "30"}), content_type="application/json"
    )
    assert capped.json()["cleared"] == "60.00"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"id": "x", "debtor": "A", "creditor": "B", "amount": "-5"}, "amount_not_positive"),
        ({"id": "x", "debtor": "A", "creditor": "B", "amount": "1.005"}, "amount_too_precise"),
        ({"id": "x", "debtor": "A", "creditor": "B", "amount": 1.5}, "amount_invalid"),
        ({"id": "x", "debtor": "A", "creditor": "A", "amount": "5"}, "self_loop"),
        ({"id": "x", "debtor": "A", "amount": "5"}, "missing_column"),
        ({"id": "1", "debtor": "A", "creditor": "B", "amount": "5"}, "duplicate_id"),
    ],
)
def test_bad_rows_are_422_naming_the_row(client: Client, row: dict[str, Any], code: str) -> None:
    rows = [{"id": "1", "debtor": "B", "creditor": "A", "amount": "5"}, row]
    resp = client.post(URL, _body(rows), content_type="application/json")
    assert resp.status_code == 422, resp.content
    data = resp.json()
    assert data["code"] == code
    assert data["details"]["index"] == 1
    assert "obligations[1]" in data["message"]
    assert " / " in data["message"]  # Chinese / English


def test_needs_authentication() -> None:
    resp = Client().post(URL, _body([]), content_type="application/json")
    assert resp.status_code == 401
