"""The error body every API operation answers with, and the statuses each declares.

Here, in ``common``, below every app: each app's router declares these responses, and the
API assembly (``qingqian.api.router``) sits above every app (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


#: The error responses every operation declares (the body is always :class:`ErrorOut`).
ERRORS: dict[int | str, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}

#: The error responses of the public operations (no authentication: the log's proofs).
PUBLIC_ERRORS: dict[int | str, Any] = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
