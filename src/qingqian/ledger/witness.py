"""What an independent witness runs (``qingqian witness``): no database, no Django.

Fetch the log's latest checkpoint (from a tlog-tiles URL, or from a JSON file written by
``qingqian ledger checkpoint --json --since M``), check its signature, check consistency with
the last checkpoint this witness cosigned (kept in a small state file), cosign with the
witness's own key and remember the new checkpoint.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qingqian.ledger.checkpoint import Checkpoint, open_checkpoint, witness_cosign
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import SignerKey, VerifierKey
from qingqian.ledger.proofs import ConsistencyProof
from qingqian.ledger.tiles import TileId, consistency_proof_from_tiles, tile_at

Fetch = Callable[[str], bytes]


def http_get(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise _bad("the source URL must be http(s)")
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - scheme checked
        data: bytes = response.read()
        return data


class HttpTileReader:
    """A kernel ``TileReader`` over a tlog-tiles URL prefix, for the tree of ``size``."""

    def __init__(self, base: str, size: int, fetch: Fetch) -> None:
        self.base = base.rstrip("/") + "/"
        self.size = size
        self.fetch = fetch

    def read_tiles(self, tiles: Sequence[TileId]) -> list[bytes]:
        out = []
        for tile in tiles:
            exact = tile_at(tile.level, tile.index, self.size) or tile
            out.append(self.fetch(self.base + exact.path))
        return out


@dataclass(frozen=True)
class WitnessResult:
    checkpoint: Checkpoint
    previous_size: int | None
    line: str


def load_state(path: Path) -> Checkpoint | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Checkpoint(data["origin"], int(data["size"]), base64.b64decode(data["root_hash"]))


def save_state(path: Path, checkpoint: Checkpoint) -> None:
    data = {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
    }
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def witness_run(
    *,
    log_key: VerifierKey,
    witness_key: SignerKey,
    source: str,
    state: Path,
    timestamp: int,
    fetch: Fetch = http_get,
) -> WitnessResult:
    previous = load_state(state)
    consistency: list[bytes] = []
    if source.startswith(("https://", "http://")):
        note = fetch(source.rstrip("/") + "/checkpoint").decode("utf-8")
        current = open_checkpoint(note, log_key).checkpoint
        if previous is not None and 0 < previous.size < current.size:
            reader = HttpTileReader(source, current.size, fetch)
            consistency = consistency_proof_from_tiles(previous.size, current.size, reader)
    else:
        document = json.loads(Path(source).read_text(encoding="utf-8"))
        note = document["note"]
        current = open_checkpoint(note, log_key).checkpoint
        if previous is not None and 0 < previous.size < current.size:
            if not document.get("consistency"):
                raise _bad(f"the file holds no consistency proof from size {previous.size}")
            proof = ConsistencyProof.from_json(document["consistency"])
            if (proof.old_size, proof.new_size) != (previous.size, current.size):
                raise _bad(
                    f"the consistency proof is from {proof.old_size} to {proof.new_size}, "
                    f"expected {previous.size} to {current.size}"
                )
            consistency = list(proof.proof)
    signature = witness_cosign(
        note=note,
        log_key=log_key,
        witness_key=witness_key,
        previous=previous,
        consistency=consistency,
        timestamp=timestamp,
    )
    save_state(state, current)
    return WitnessResult(current, previous.size if previous else None, signature.line())


def _bad(reason: str) -> LedgerError:
    return LedgerError(
        "witness_input_invalid",
        "见证人输入不完整或不一致。",
        f"Witness input is incomplete or inconsistent: {reason}.",
        {"reason": reason},
    )
