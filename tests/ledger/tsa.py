"""The in-process RFC 3161 authority the tests use lives in ``qingqian.ledger.demo_tsa``
(the demo runs it too, labelled as not trusted)."""

from qingqian.ledger.demo_tsa import (
    OID_CONTENT_TYPE,
    OID_ECDSA_SHA256,
    POLICY,
    InProcessTsa,
    integer,
    oid,
    read_tlv,
)

__all__ = [
    "OID_CONTENT_TYPE",
    "OID_ECDSA_SHA256",
    "POLICY",
    "InProcessTsa",
    "integer",
    "oid",
    "read_tlv",
]
