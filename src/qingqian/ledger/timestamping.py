"""Trusted RFC 3161 timestamps on checkpoints, through an adapter.

``TimestampAuthority`` is what the ledger asks after a checkpoint is published: a token over
SHA-256 of a message (the signed checkpoint note), and later a check of that token.
``Rfc3161Authority`` implements it with ``rfc3161-client``: it builds a ``TimeStampReq``
(SHA-256 imprint, random nonce, certificate requested), POSTs it to the authority's URL as
``application/timestamp-query``, and accepts the ``TimeStampResp`` only if it verifies —
status granted, CMS signature chaining to one of the configured root certificates, a
critical ``timeStamping`` key usage on the signer, our nonce and our imprint. The stored
token is the whole DER ``TimeStampResp``, which anyone can re-check with the same roots
(``openssl ts -verify`` works too).

Settings: ``QINGQIAN_TSA_URL`` and ``QINGQIAN_TSA_ROOTS`` (a PEM file of trusted roots,
optionally intermediates). Tests pass a ``transport`` instead of using the network.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography import x509

from qingqian.ledger.errors import LedgerError

Transport = Callable[[str, bytes], bytes]
MAX_RESPONSE = 1 << 20


@dataclass(frozen=True)
class TimestampToken:
    authority: str
    token: bytes
    gen_time: dt.datetime


class TimestampAuthority(Protocol):
    name: str

    def timestamp(self, message: bytes) -> TimestampToken: ...

    def verify(self, token: bytes, message: bytes) -> dt.datetime: ...


def http_transport(url: str, request: bytes, *, timeout: float = 10.0) -> bytes:
    """POST a ``TimeStampReq`` and return the body of a 200 ``timestamp-reply``."""
    if not url.startswith(("https://", "http://")):
        raise _bad("the authority URL must be http(s)")
    http_request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=request,
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310
            body: bytes = response.read(MAX_RESPONSE + 1)
    except OSError as exc:
        raise _bad(f"the authority could not be reached ({type(exc).__name__})") from exc
    if len(body) > MAX_RESPONSE:
        raise _bad("the authority's answer is too large")
    return body


@dataclass
class Rfc3161Authority:
    """An RFC 3161 time-stamping authority reached at ``url`` and trusted through
    ``roots`` (and optional ``intermediates``)."""

    url: str
    roots: Sequence[x509.Certificate]
    intermediates: Sequence[x509.Certificate] = ()
    name: str = ""
    transport: Transport | None = field(default=None, repr=False)  # None: HTTP POST

    def __post_init__(self) -> None:
        if not self.roots:
            raise _bad("no trusted root certificate is configured")
        if not self.name:
            self.name = self.url

    @classmethod
    def from_pem(cls, url: str, pem: bytes, **kwargs: object) -> Rfc3161Authority:
        """Roots are the self-signed certificates in ``pem``; the others intermediates."""
        try:
            certificates = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise _bad("the trusted certificates are not valid PEM") from exc
        roots = [c for c in certificates if c.issuer == c.subject]
        others = [c for c in certificates if c.issuer != c.subject]
        return cls(url, roots, others, **kwargs)  # type: ignore[arg-type]

    def _verifier(self, request: object | None) -> object:
        from rfc3161_client import VerifierBuilder

        builder = VerifierBuilder.from_request(request) if request else VerifierBuilder()  # type: ignore[arg-type]
        for root in self.roots:
            builder = builder.add_root_certificate(root)
        for intermediate in self.intermediates:
            builder = builder.add_intermediate_certificate(intermediate)
        return builder.build()

    def _check(self, answer: bytes, message: bytes, request: object | None) -> dt.datetime:
        from rfc3161_client import VerificationError, decode_timestamp_response

        try:
            response = decode_timestamp_response(answer)
        except ValueError as exc:
            raise _bad("the answer is not a DER TimeStampResp") from exc
        try:
            self._verifier(request).verify_message(response, message)  # type: ignore[attr-defined]
            at = response.tst_info.gen_time
        except VerificationError as exc:
            raise _bad(str(exc)) from exc
        except ValueError as exc:  # parts are decoded lazily
            raise _bad("the answer is not a well-formed TimeStampResp") from exc
        return at if at.tzinfo else at.replace(tzinfo=dt.UTC)

    def timestamp(self, message: bytes) -> TimestampToken:
        from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

        request = (
            TimestampRequestBuilder()
            .data(message)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        answer = (self.transport or http_transport)(self.url, request.as_bytes())
        gen_time = self._check(answer, message, request)
        return TimestampToken(self.name[:200], answer, gen_time)

    def verify(self, token: bytes, message: bytes) -> dt.datetime:
        """Re-check a stored token over ``message``; returns its generation time."""
        return self._check(token, message, None)


def _bad(reason: str) -> LedgerError:
    return LedgerError(
        "timestamp_invalid",
        "可信时间戳无效。",
        f"Invalid trusted timestamp: {reason}.",
        {"reason": reason},
    )
