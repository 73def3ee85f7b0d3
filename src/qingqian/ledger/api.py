"""``/api/v1/ledger``: checkpoint, entries, proofs (read-only, public like the tiles) and
witness cosignatures (authenticated by the signature itself against configured keys)."""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status

from qingqian.common.api_errors import PUBLIC_ERRORS
from qingqian.common.exceptions import NotFound
from qingqian.ledger import selectors
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.services import LedgerServiceError, checkpoint_current, cosignature_add

router = Router(tags=["ledger"])


class CheckpointOut(Schema):
    origin: str
    size: int
    root_hash: str
    note: str
    log_key: str
    cosigned_by: list[str]


class EntryOut(Schema):
    index: int
    leaf_hash: str
    entry: str


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class InclusionQuery(Schema):
    index: int
    size: int


class ConsistencyQuery(Schema):
    old: int
    new: int


class TimestampOut(Schema):
    authority: str
    gen_time: str
    note: str
    token: str


class TimestampsOut(Schema):
    size: int
    timestamps: list[TimestampOut]


class CosignatureIn(Schema):
    size: int
    cosignature: str


class CosignatureOut(Schema):
    size: int
    witness: str
    timestamp: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def checkpoint_json() -> dict[str, Any]:
    latest = checkpoint_current()
    if latest is None:
        raise NotFound(
            "尚无检查点。", "No checkpoint has been published yet.", code="no_checkpoint"
        )
    return {
        "origin": selectors.log_verifier_key().name,
        "size": latest.size,
        "root_hash": _b64(bytes(latest.root_hash)),
        "note": selectors.checkpoint_note(latest),
        "log_key": selectors.log_verifier_key().encode(),
        "cosigned_by": [s.name for s in selectors.cosignature_lines(latest)],
    }


def _kernel(call: Any, *args: int) -> Any:
    for value in args:
        if value < 0:
            raise LedgerServiceError(
                "数字必须是非负整数。",
                "Numbers must be non-negative integers.",
                code="number_invalid",
            )
    try:
        return call(*args)
    except LedgerError as exc:
        raise LedgerServiceError.from_kernel(exc) from exc


@router.get("/checkpoint", response={200: CheckpointOut, **PUBLIC_ERRORS}, auth=None)
def checkpoint(request: HttpRequest) -> dict[str, Any]:
    return checkpoint_json()


@router.get("/entries/{index}", response={200: EntryOut, **PUBLIC_ERRORS}, auth=None)
def entry(request: HttpRequest, index: int) -> dict[str, Any]:
    found = selectors.entry_get(index) if index >= 0 else None
    if found is None or found.index is None:
        raise NotFound("条目不存在。", "No such entry.", code="entry_not_found")
    return {
        "index": found.index,
        "leaf_hash": _b64(bytes(found.leaf_hash)),
        # The public entry only: a commitment to the private statement (docs/log-privacy.md).
        "entry": _b64(bytes(found.statement)),
    }


@router.get("/proofs/inclusion", response={200: InclusionOut, **PUBLIC_ERRORS}, auth=None)
def inclusion(request: HttpRequest, query: Query[InclusionQuery]) -> dict[str, Any]:
    proof = _kernel(selectors.inclusion_proof, query.index, query.size)
    result: dict[str, Any] = proof.to_json()
    return result


@router.get("/proofs/consistency", response={200: ConsistencyOut, **PUBLIC_ERRORS}, auth=None)
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> dict[str, Any]:
    proof = _kernel(selectors.consistency_proof, query.old, query.new)
    result: dict[str, Any] = proof.to_json()
    return result


def _checkpoint_of(size: int) -> Any:
    found = selectors.checkpoint_by_size(size) if size >= 0 else None
    if found is None:
        raise NotFound(
            "没有这个大小的检查点。",
            "There is no checkpoint of this size.",
            code="checkpoint_unknown",
        )
    return found


@router.get(
    "/checkpoints/{size}/timestamps", response={200: TimestampsOut, **PUBLIC_ERRORS}, auth=None
)
def timestamps(request: HttpRequest, size: int) -> dict[str, Any]:
    """RFC 3161 tokens (DER ``TimeStampResp``, base64) over the log-signed checkpoint note
    ``note`` (without cosignatures): ``openssl ts -verify -data note -in token``."""
    found = _checkpoint_of(size)
    return {
        "size": found.size,
        "timestamps": [
            {
                "authority": t.authority,
                "gen_time": t.gen_time.isoformat(),
                "note": found.note,
                "token": _b64(bytes(t.token)),
            }
            for t in selectors.checkpoint_tokens(found)
        ],
    }


@router.get("/checkpoints/{size}/timestamp.tsr", response={200: None, **PUBLIC_ERRORS}, auth=None)
def timestamp_token(request: HttpRequest, size: int) -> HttpResponse:
    """The newest token as DER (``application/timestamp-reply``)."""
    token = selectors.checkpoint_token(_checkpoint_of(size))
    if token is None:
        raise NotFound(
            "该检查点没有可信时间戳。",
            "This checkpoint has no trusted timestamp.",
            code="timestamp_missing",
        )
    response = HttpResponse(bytes(token.token), content_type="application/timestamp-reply")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@router.post("/cosignatures", response={201: CosignatureOut, **PUBLIC_ERRORS}, auth=None)
def cosignature(request: HttpRequest, payload: CosignatureIn) -> Status[dict[str, Any]]:
    stored = cosignature_add(size=payload.size, line=payload.cosignature)
    return Status(
        201, {"size": payload.size, "witness": stored.witness, "timestamp": stored.timestamp}
    )
