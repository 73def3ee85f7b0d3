"""Read-only C2SP tlog-tiles endpoints under ``/tlog/``: checkpoint, hash tiles, entry
bundles. Full tiles never change and are cached as immutable; partial tiles and the
checkpoint change as the log grows."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from qingqian.ledger import selectors
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.tiles import BundleId, parse_tile_path

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5, must-revalidate"


def _text(status: int, body: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.checkpoint_latest()
    if latest is None:
        return _text(404, "no checkpoint yet / 尚无检查点\n")
    response = HttpResponse(
        selectors.checkpoint_note(latest), content_type="text/plain; charset=utf-8"
    )
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
    response["Cache-Control"] = IMMUTABLE if wanted.is_full else SHORT
    return response
