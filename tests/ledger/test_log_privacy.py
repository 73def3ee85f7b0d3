"""The public log proves order and integrity without disclosing case contents
(docs/log-privacy.md): nothing served under /tlog/ or by the log API names a case, a party,
an event type, a note or a salt; an evidence package still proves every statement."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from qingqian.cases.services import case_transition
from qingqian.evidence.package import package_build
from qingqian.ledger import selectors, services
from qingqian.ledger.canonical import parse_canonical, statement_commitment
from qingqian.ledger.models import LogBundle, LogTile
from qingqian.ledger.tiles import decode_entry_bundle
from qingqian.ledger.verify_cli import verify_package

pytestmark = pytest.mark.django_db

NOTE = "承诺 2025-03-15 还款 12000.00 元，张三 13912345678"


def _served(client: Client, size: int) -> bytes:
    """Every byte a member of the public can fetch about the log at this size."""
    out = [client.get("/tlog/checkpoint").content]
    for tile in LogTile.objects.all():
        path = f"/tlog/tile/{tile.level}/{tile.index:03d}"
        if tile.width < 256:
            path += f".p/{tile.width}"
        out.append(client.get(path).content)
    for bundle in LogBundle.objects.all():
        path = f"/tlog/tile/entries/{bundle.index:03d}"
        if bundle.width < 256:
            path += f".p/{bundle.width}"
        served = client.get(path)
        assert served.status_code == 200
        out.append(served.content)
    out.append(client.get("/api/v1/ledger/checkpoint").content)
    for index in range(size):
        entry = client.get(f"/api/v1/ledger/entries/{index}")
        out.append(entry.content)
        out.append(base64.b64decode(entry.json()["entry"]))
    return b"\n".join(out)


def test_nothing_of_a_case_is_served_yet_a_package_proves_it(
    case: Any, users: dict[str, Any], client: Client
) -> None:
    case_transition(case=case, actor=users["lawyer"], to_state="evidence_review", note=NOTE)
    checkpoint = services.ledger_integrate()
    assert checkpoint is not None
    entries = selectors.entries_for_case(case.pk)
    statements = [parse_canonical(e.private_statement) for e in entries]
    served = _served(client, checkpoint.size)
    secrets = [case.reference, str(case.reference).encode().hex(), "evidence_review"]
    secrets += ["张三", "13912345678", "12000.00", "case.opened", "case.state_changed"]
    secrets += [s["salt"] for s in statements] + [s["note_sha256"] for s in statements[1:]]
    text = served.decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in text, secret
        assert secret.encode() not in served, secret
    # Every public entry is exactly the commitment to its private statement.
    bundle = LogBundle.objects.get(index=0)
    public = decode_entry_bundle(bytes(bundle.data))
    for entry in entries:
        assert entry.index is not None
        assert public[entry.index] == statement_commitment(entry.private_statement)
        assert len(public[entry.index]) == 32
    # The package reveals the statements to its holder, and proves them.
    package = package_build(user=users["lawyer"], case_id=case.pk)
    assert case.reference.encode() in package
    assert verify_package(package, selectors.log_verifier_key()).passed


def test_a_statement_without_salt_gets_one() -> None:
    one = services.ledger_append(kind="t", case_id=None, statement={"amount": "1.00"})
    two = services.ledger_append(kind="t", case_id=None, statement={"amount": "1.00"})
    assert one.statement != two.statement  # equal contents, unlinkable entries
    assert len(parse_canonical(one.private_statement)["salt"]) == 32
