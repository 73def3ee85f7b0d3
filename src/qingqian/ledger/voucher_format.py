"""The pure part of electronic debt vouchers (债权凭证), shared by the platform and the
standalone verifier (``qingqian-verify``): the voucher's signed text, the QR payload, the
state a voucher is in after its logged events, and reading the voucher package back out of
the PDF it is attached to. Standard library only.

A voucher is never edited: its document (``voucher.json``, RFC 8785) is fixed at issue and
signed by the log key; every later event (acknowledgement, assignment, notice of assignment,
settlement, cancellation) is a new log entry, and the state is derived from those entries in
order by :func:`derive_state`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

FORMAT = "qingqian-voucher/v1"
PACKAGE_NAME = "voucher.zip"
DOCUMENT = "voucher.json"
SIGNATURE = "voucher.sig"
QR_MEMBER = "qr.txt"
QR_PREFIX = "QQV1"

KINDS = ("issued", "acknowledged", "assigned", "notice_given", "settled", "cancelled")
FEN = Decimal("0.01")


def signed_text(digest: str) -> str:
    """The note text the log key signs for a voucher (the creditor's signature)."""
    return f"{FORMAT}\nvoucher sha256 {digest}\n"


def qr_payload(*, number: str, digest: str, index: int, size: int, root_b64: str) -> str:
    """What the QR code carries: enough to find and check the voucher in the log offline
    (its digest, the issue entry's index, and the checkpoint size and root the PDF's proofs
    are against)."""
    return "|".join((QR_PREFIX, number, digest, str(index), str(size), root_b64))


@dataclass(frozen=True)
class QrData:
    number: str
    digest: str
    index: int
    size: int
    root_b64: str


def qr_parse(text: str) -> QrData:
    parts = text.strip().split("|")
    if len(parts) != 6 or parts[0] != QR_PREFIX:
        raise ValueError("not a Qingqian voucher QR payload")
    return QrData(parts[1], parts[2], int(parts[3]), int(parts[4]), parts[5])


def money(value: object) -> Decimal:
    """A positive amount in yuan to the fen; ``ValueError`` otherwise."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError("amount_invalid") from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise ValueError("amount_invalid")
    return amount.quantize(FEN)


@dataclass
class State:
    """A voucher's state after its events, in log order."""

    amount: Decimal
    holder: dict[str, str]
    acknowledged: bool = False
    acknowledged_by: str = ""
    assignments: list[dict[str, Any]] = field(default_factory=list)
    settled: Decimal = Decimal("0.00")
    cancelled: bool = False

    @property
    def remaining(self) -> Decimal:
        return max(self.amount - self.settled, Decimal("0.00"))

    @property
    def notice_given(self) -> bool | None:
        """Whether the debtor was notified of the latest assignment (None: never assigned).
        Until then the assignment does not bind the debtor (Civil Code Art. 546)."""
        if not self.assignments:
            return None
        return bool(self.assignments[-1]["notice"])

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.remaining == 0:
            return "settled"
        if self.settled > 0:
            return "partly_settled"
        if self.assignments:
            return "assigned"
        return "acknowledged" if self.acknowledged else "issued"

    @property
    def open(self) -> bool:
        return self.status not in ("cancelled", "settled")


class StateError(ValueError):
    """An event that cannot follow the ones before it (``code`` says which rule)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def apply(state: State, kind: str, details: Mapping[str, Any]) -> None:
    """Apply one event to ``state`` in place, refusing one that cannot follow."""
    if kind == "issued":
        return
    if not state.open:
        raise StateError("voucher_closed")
    if kind == "acknowledged":
        if state.acknowledged:
            raise StateError("already_acknowledged")
        state.acknowledged = True
        state.acknowledged_by = str(details.get("typed_name", ""))
    elif kind == "assigned":
        assignee = {"name": str(details["assignee"]), "code": str(details.get("code", ""))}
        if assignee["name"] == state.holder.get("name"):
            raise StateError("assignee_is_holder")
        state.assignments.append({**assignee, "notice": False, "channel": ""})
        state.holder = assignee
    elif kind == "notice_given":
        if state.notice_given is not False:
            raise StateError("no_assignment_to_notify")
        state.assignments[-1]["notice"] = True
        state.assignments[-1]["channel"] = str(details.get("channel", ""))
    elif kind == "settled":
        paid = money(details["amount"])
        if paid > state.remaining:
            raise StateError("settlement_above_remaining")
        state.settled += paid
    elif kind == "cancelled":
        state.cancelled = True
    else:
        raise StateError("unknown_event")


def derive_state(
    document: Mapping[str, Any], events: Iterable[tuple[str, Mapping[str, Any]]]
) -> State:
    """The state after ``events`` (kind, details) in order, from the voucher document."""
    state = State(amount=money(document["amount"]), holder=dict(document["creditor"]))
    for kind, details in events:
        apply(state, kind, details)
    return state


_EMBEDDED = re.compile(rb"/Type\s*/EmbeddedFile\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)")
_STREAM = re.compile(rb">>\s*stream\r?\n")


def pdf_attachments(raw: bytes) -> list[bytes]:
    """The embedded files of a PDF written by WeasyPrint (``/Type /EmbeddedFile`` streams,
    stored or Flate-compressed). Not a general PDF parser: enough for the voucher PDF and
    for a damaged one to fail cleanly (``ValueError``)."""
    found = []
    for match in _EMBEDDED.finditer(raw):
        start = raw.rfind(b"<<", 0, match.start())
        head_end = _STREAM.search(raw, match.end())
        if start < 0 or head_end is None:
            raise ValueError("embedded file without a stream")
        head = raw[start : head_end.start()]
        length = _LENGTH.search(head)
        if length is None:
            raise ValueError("embedded file without a length")
        data = raw[head_end.end() : head_end.end() + int(length.group(1))]
        if b"/FlateDecode" in head:
            try:
                data = zlib.decompress(data)
            except zlib.error as exc:
                raise ValueError(f"embedded file does not decompress ({exc})") from exc
        found.append(data)
    return found
