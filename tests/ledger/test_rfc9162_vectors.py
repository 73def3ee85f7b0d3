"""Every RFC 9162 proof vector of transparency-dev/merkle, read in place.

Happy paths must verify; every other case (flipped bits, truncated or padded proofs,
wrong roots, wrong sizes) must be rejected with a LedgerError.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from qingqian.ledger.errors import LedgerError
from qingqian.ledger.merkle import verify_consistency, verify_inclusion

from .support import shared_data

VECTORS = shared_data() / "rfc9162-vectors"


def _cases(kind: str) -> list[Any]:
    folder = VECTORS / kind
    if not folder.is_dir():
        return [pytest.param(None, id=f"{kind}-absent")]
    files = sorted(folder.rglob("*.json"))
    return [pytest.param(path, id=str(path.relative_to(folder))) for path in files]


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        pytest.skip("shared/data/rfc9162-vectors is absent")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(item) for item in value or []]


def test_vector_folder_is_complete() -> None:
    if not VECTORS.is_dir():
        pytest.skip("shared/data/rfc9162-vectors is absent")
    inclusion = list((VECTORS / "inclusion").rglob("*.json"))
    consistency = list((VECTORS / "consistency").rglob("*.json"))
    assert len(inclusion) + len(consistency) == 196
    happy = [p for p in [*inclusion, *consistency] if '"wantErr": false' in p.read_text()]
    assert len(happy) == 12


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector(path: Path | None) -> None:
    case = _load(path)
    arguments = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case["proof"]),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(LedgerError):
            verify_inclusion(*arguments)
    else:
        verify_inclusion(*arguments)


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector(path: Path | None) -> None:
    case = _load(path)
    arguments = (
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        _proof(case["proof"]),
    )
    if case["wantErr"]:
        with pytest.raises(LedgerError):
            verify_consistency(*arguments)
    else:
        verify_consistency(*arguments)
