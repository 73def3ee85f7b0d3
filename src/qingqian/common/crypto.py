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
    if token == "":
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    blob = base64.b64decode(token[len(_PREFIX) :])
    nonce, ct = blob[:12], blob[12:]
    return AESGCM(settings.FIELD_ENCRYPTION_KEY).decrypt(nonce, ct, None).decode("utf-8")


def lookup_hash(normalised: str) -> str:
    if normalised == "":
        return ""
    return hmac.new(
        settings.FIELD_LOOKUP_KEY, normalised.encode("utf-8"), hashlib.sha256
    ).hexdigest()
