"""Read-only C2SP tlog-tiles endpoints under ``/tlog/``: checkpoint, hash tiles, entry
bundles. Every tile and bundle, full or partial, is immutable at its path (a partial tile of
width W never changes: a wider one has another path) and is cached as such; only the
checkpoint changes. Entry bundles are gzip-compressed at the HTTP layer when the client
accepts it (tlog-tiles: SHOULD)."""

from __future__ import annotations

import gzip

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from qingqian.ledger import selectors
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.services import checkpoint_current
from qingqian.ledger.tiles import BundleId, parse_tile_path

IMMUTABLE = "public, max-age=31536000, immutable"


def _text(status: int, body: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = checkpoint_current()
    if latest is None:
        return _text(404, "no checkpoint yet / 尚无检查点\n")
    response = HttpResponse(
        selectors.checkpoint_note(latest), content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def key_announcements(request: HttpRequest) -> HttpResponse:
    """Every checkpoint that announced a new log key, oldest first, each the signed note as the
    log served it (signed by the key it replaces), separated by a form feed line. A verifier
    pinning the log's first key follows them to the key in force (docs/ledger.md, "Rotating the
    log key"); an empty body means the first key still signs. They never change once made."""
    body = "\f\n".join(selectors.checkpoint_note(c) for c in selectors.key_announcements())
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = parse_tile_path("tile/" + path)
    except LedgerError:
        return _text(404, "not a tile path / 不是瓦片路径\n")
    data = (
        selectors.bundle_data(wanted)
        if isinstance(wanted, BundleId)
        else selectors.tile_data(wanted)
    )
    if data is None:
        return _text(404, "no such tile / 瓦片不存在\n")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    if isinstance(wanted, BundleId):
        response["Vary"] = "Accept-Encoding"
        if _accepts_gzip(request.headers.get("Accept-Encoding", "")):
            response.content = gzip.compress(data, mtime=0)
            response["Content-Encoding"] = "gzip"
    return response


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False
