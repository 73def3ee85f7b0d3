"""Field-level encryption and keyed look-up hashes for sensitive identifiers.

ID numbers and phone numbers are stored as AES-256-GCM ciphertext (a fresh 96-bit nonce per
value, ``v1:`` version prefix so keys can be rotated) plus an HMAC-SHA256 of the normalised
value for exact look-up. Keys come from settings (``QINGQIAN_FIELD_KEY``,
``QINGQIAN_LOOKUP_KEY``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


def encrypt(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    ct = AESGCM(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt with the current field key, or (during a rotation) a previous one."""
    if token == "":
        return ""
    keys = [settings.FIELD_ENCRYPTION_KEY, *getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", [])]
    plaintext, _ = _decrypt_with(token, keys)
    return plaintext


def _decrypt_with(token: str, keys: list[bytes]) -> tuple[str, int]:
    """The plaintext and the index in ``keys`` of the key that opened ``token``."""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    blob = base64.b64decode(token[len(_PREFIX) :])
    nonce, ct = blob[:12], blob[12:]
    for index, key in enumerate(keys):
        try:
            return AESGCM(key).decrypt(nonce, ct, None).decode("utf-8"), index
        except InvalidTag:
            continue
    raise InvalidTag("no configured field key opens this value")


def reencrypt(token: str, *, new_key: bytes) -> str | None:
    """``token`` re-encrypted under ``new_key``; ``None`` when it already is (idempotent)."""
    if token == "":
        return None
    old = [settings.FIELD_ENCRYPTION_KEY, *getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", [])]
    plaintext, index = _decrypt_with(token, [new_key, *old])
    if index == 0:
        return None
    nonce = os.urandom(12)
    ct = AESGCM(new_key).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def lookup_hash(normalised: str) -> str:
    if normalised == "":
        return ""
    return hmac.new(
        settings.FIELD_LOOKUP_KEY, normalised.encode("utf-8"), hashlib.sha256
    ).hexdigest()
