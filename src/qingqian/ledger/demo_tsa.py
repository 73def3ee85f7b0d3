"""An in-process RFC 3161 time-stamping authority — FOR THE DEMO AND TESTS ONLY.

It is NOT a trusted authority: its root is generated here (from a seed for the demo, at
random in tests), so its tokens prove nothing to a third party. Production configures a real
authority (``QINGQIAN_TSA_URL`` and ``QINGQIAN_TSA_ROOTS``); ``make demo`` sets
``QINGQIAN_TIMESTAMP_AUTHORITY=qingqian.ledger.demo_tsa.demo_authority`` and every token it
issues names itself "DEMO … NOT TRUSTED" in its certificates and in the authority name.

It answers a DER ``TimeStampReq`` with a real DER ``TimeStampResp``: a CMS ``SignedData``
whose encapsulated content is a ``TSTInfo`` (``id-ct-TSTInfo``), signed attributes
(content type, message digest, ESS signing-certificate-v2), signed with ECDSA P-256 by a
leaf certificate carrying the critical ``timeStamping`` extended key usage, issued by a
test root. Everything is built here with ``cryptography`` and a few lines of DER; no
network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
POLICY = "1.3.6.1.4.1.99999.1"


# --------------------------------------------------------------------------- DER


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(items)))  # DER: SET OF members in sorted order


def integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return _tlv(0x02, raw)


def octets(value: bytes) -> bytes:
    return _tlv(0x04, value)


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    return _tlv(0xA0 | number, content)


def gen_time(at: dt.datetime) -> bytes:
    return _tlv(0x18, at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ").encode())


def read_tlv(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the DER element at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return tag, data[pos : pos + length], pos + length


def read_all(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        tag, content, pos = read_tlv(data, pos)
        out.append((tag, content))
    return out


# --------------------------------------------------------------------------- authority


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key(seed: bytes | None, purpose: str) -> ec.EllipticCurvePrivateKey:
    if seed is None:
        return ec.generate_private_key(ec.SECP256R1())
    # A scalar in [1, n-1] of P-256 from the seed (reproducible demo keys).
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    digest = hashlib.sha512(purpose.encode() + b"\x00" + seed).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (order - 1) + 1, ec.SECP256R1())


def _serial_number(seed: bytes | None, purpose: str) -> int:
    if seed is None:
        return x509.random_serial_number()
    return int.from_bytes(hashlib.sha256(purpose.encode() + seed).digest()[:16], "big") >> 1


@dataclass
class InProcessTsa:
    """Answers ``TimeStampReq`` DER with signed ``TimeStampResp`` DER (``respond``).
    With a ``seed`` the root and signing keys and certificates are reproducible."""

    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    eku_critical: bool = True
    requests: list[bytes] = field(default_factory=list)
    _serial: int = 0
    seed: bytes | None = None
    root_name: str = "Qingqian Test Root"
    tsa_name: str = "Qingqian Test TSA"

    def __post_init__(self) -> None:
        start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        end = dt.datetime(2040, 1, 1, tzinfo=dt.UTC)
        self.root_key = _key(self.seed, "root")
        self.root = (
            x509.CertificateBuilder()
            .subject_name(_name(self.root_name))
            .issuer_name(_name(self.root_name))
            .public_key(self.root_key.public_key())
            .serial_number(_serial_number(self.seed, "root"))
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.root_key, hashes.SHA256())
        )
        self.key = _key(self.seed, "tsa")
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(self.tsa_name))
            .issuer_name(self.root.subject)
            .public_key(self.key.public_key())
            .serial_number(_serial_number(self.seed, "tsa"))
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                critical=self.eku_critical,
            )
            .sign(self.root_key, hashes.SHA256())
        )

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def transport(self, url: str, request: bytes) -> bytes:
        """The adapter's transport hook: what an HTTP POST to the TSA would return."""
        assert url.startswith("https://tsa.test/")
        return self.respond(request)

    def respond(self, request: bytes) -> bytes:
        self.requests.append(request)
        _, body, _ = read_tlv(request)
        parts = read_all(body)
        imprint = parts[1][1]
        algorithm, digest = read_all(imprint)
        nonce = next((c for t, c in parts[2:] if t == 0x02), None)
        self._serial += 1
        tst_info = seq(
            integer(1),
            oid(POLICY),
            seq(_tlv(0x30, algorithm[1]), octets(digest[1])),
            integer(self._serial),
            gen_time(self.clock()),
            *([_tlv(0x02, nonce)] if nonce is not None else []),
        )
        return seq(seq(integer(0)), self._signed_data(tst_info))

    def _signed_data(self, tst_info: bytes) -> bytes:
        certificate = self.certificate.public_bytes(serialization.Encoding.DER)
        sha256 = seq(oid(OID_SHA256))
        attributes = [
            seq(oid(OID_CONTENT_TYPE), set_of(oid(OID_TST_INFO))),
            seq(oid(OID_MESSAGE_DIGEST), set_of(octets(hashlib.sha256(tst_info).digest()))),
            seq(
                oid(OID_SIGNING_CERT_V2),
                set_of(seq(seq(seq(octets(hashlib.sha256(certificate).digest()))))),
            ),
        ]
        signed_attrs = set_of(*attributes)
        signature = self.key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
        issuer = self.certificate.issuer.public_bytes()
        signer_info = seq(
            integer(1),
            seq(issuer, integer(self.certificate.serial_number)),
            sha256,
            _tlv(0xA0, read_tlv(signed_attrs)[1]),  # [0] IMPLICIT SET OF
            seq(oid(OID_ECDSA_SHA256)),
            octets(signature),
        )
        signed_data = seq(
            integer(3),
            set_of(sha256),
            seq(oid(OID_TST_INFO), explicit(0, octets(tst_info))),
            _tlv(0xA0, certificate),
            set_of(signer_info),
        )
        return seq(oid(OID_SIGNED_DATA), explicit(0, signed_data))


DEMO_NAME = "演示用进程内时间戳机构（非可信）/ DEMO in-process TSA (NOT TRUSTED)"
_DEMO: dict[str, Any] = {}


def demo_tsa() -> InProcessTsa:
    """The demo's authority: keys derived from the Django secret, so its root (served at
    ``/tlog/demo-tsa-root.pem``) stays the same across restarts of one installation."""
    from django.conf import settings

    seed = hashlib.sha256(f"demo-tsa:{settings.SECRET_KEY}".encode()).digest()
    if _DEMO.get("seed") != seed:
        _DEMO["seed"] = seed
        _DEMO["tsa"] = InProcessTsa(
            seed=seed,
            root_name="Qingqian DEMO TSA Root - NOT TRUSTED",
            tsa_name="Qingqian DEMO in-process TSA - NOT TRUSTED",
        )
    tsa: InProcessTsa = _DEMO["tsa"]
    tsa.requests.clear()  # keep no history in a long-running process
    return tsa


def demo_authority() -> Any:
    """``QINGQIAN_TIMESTAMP_AUTHORITY`` factory for the demo: an ``Rfc3161Authority`` whose
    transport is the in-process demo TSA (no network)."""
    from qingqian.ledger.timestamping import Rfc3161Authority

    tsa = demo_tsa()
    return Rfc3161Authority(
        "in-process://demo-tsa",
        [tsa.root],
        name=DEMO_NAME,
        transport=lambda url, request: tsa.respond(request),
    )
