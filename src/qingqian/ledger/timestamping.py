"""Trusted timestamps on checkpoints through an adapter.

``TimestampAuthority`` is the interface a real RFC 3161 client implements (request a token
over a SHA-256 digest, return the DER token and its generation time). This module ships only
``InProcessTestAuthority``: an in-process stand-in that signs a small canonical-JSON token
with an ECDSA P-256 key from ``cryptography``. **It is not RFC 3161** (no ASN.1
TimeStampResp, no CMS SignedData); it exists so the storage and the plumbing can be tested.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from qingqian.ledger.canonical import canonicalize, parse_canonical
from qingqian.ledger.errors import LedgerError


@dataclass(frozen=True)
class TimestampToken:
    authority: str
    token: bytes
    gen_time: dt.datetime


class TimestampAuthority(Protocol):
    name: str

    def timestamp(self, digest: bytes) -> TimestampToken: ...

    def verify(self, token: bytes, digest: bytes) -> dt.datetime: ...


@dataclass
class InProcessTestAuthority:
    """A fake TSA for tests: ``token = canonical JSON body ‖ 0x0A ‖ DER ECDSA signature``."""

    name: str = "in-process-test-tsa"
    clock: object = None  # a zero-argument callable returning an aware datetime
    _key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()), repr=False
    )
    _serial: int = 0

    def timestamp(self, digest: bytes) -> TimestampToken:
        if len(digest) != 32:
            raise _bad("the digest must be a SHA-256 digest")
        now = self.clock() if callable(self.clock) else dt.datetime.now(dt.UTC)
        self._serial += 1
        body = canonicalize(
            {
                "authority": self.name,
                "digest": digest.hex(),
                "gen_time": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "serial": self._serial,
            }
        )
        signature = self._key.sign(body, ec.ECDSA(hashes.SHA256()))
        return TimestampToken(self.name, body + b"\n" + signature, now)

    def verify(self, token: bytes, digest: bytes) -> dt.datetime:
        body, separator, signature = token.partition(b"\n")
        if not separator:
            raise _bad("malformed token")
        try:
            self._key.public_key().verify(signature, body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise _bad("the token signature does not verify") from exc
        fields = parse_canonical(body)
        if fields.get("digest") != digest.hex():
            raise _bad("the token is for another digest")
        return dt.datetime.strptime(fields["gen_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def describe(token: bytes) -> dict[str, object]:
    body = token.partition(b"\n")[0]
    result: dict[str, object] = json.loads(body)
    return result


def _bad(reason: str) -> LedgerError:
    return LedgerError(
        "timestamp_invalid",
        "可信时间戳无效。",
        f"Invalid trusted timestamp: {reason}.",
        {"reason": reason},
    )
