"""The log's signing key, read from the settings once and checked against the log's origin.

Its own module: services sign with it, selectors publish its verifier key, and neither layer
may import the other's (the layers contract in ``pyproject.toml``).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from qingqian.common.exceptions import ApplicationError
from qingqian.ledger.note import SIG_ED25519, SignerKey


@lru_cache(maxsize=4)
def _signer(text: str, origin: str) -> SignerKey:
    key = SignerKey.parse(text)
    if key.sig_type != SIG_ED25519 or key.name != origin:
        raise ApplicationError(
            "日志签名密钥与日志来源不一致。",
            "The log signing key does not match the log origin.",
            code="ledger_misconfigured",
            status=500,
        )
    return key


def log_signer() -> SignerKey:
    return _signer(settings.QINGQIAN_LOG_SIGNING_KEY, settings.QINGQIAN_LOG_ORIGIN)
