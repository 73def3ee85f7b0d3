"""Payment provider adapter: WeChat Pay API v3 payment notifications (微信支付 APIv3 支付通知).

The shape followed is the provider's published one:

* headers ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``, ``Wechatpay-Signature`` (base64),
  ``Wechatpay-Serial``; the signed message is ``timestamp\\nnonce\\nbody\\n``, verified with
  SHA256-with-RSA (PKCS#1 v1.5) against the platform public key;
* the body's ``resource`` is ``AEAD_AES_256_GCM`` ciphertext under the merchant's APIv3 key
  with the given ``nonce`` and ``associated_data``; the plaintext carries ``out_trade_no``,
  ``transaction_id``, ``trade_state`` and ``amount.total`` in fen;
* the provider retries until it gets a 2xx, so a retried notice must be a no-op: the
  payment's idempotency key is ``wxpay:<transaction_id>``.

``out_trade_no`` starts with the case's payment reference (``QQ`` + 10 digits), which is how
the notice finds its case. Settings: ``QINGQIAN_WECHATPAY = {"platform_public_key": PEM,
"platform_serial": "...", "apiv3_key": "<32 bytes>"}``. Tests use an in-process fake
provider that signs and encrypts with its own keys (``tests/payments/fake_wechatpay.py``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, PermissionDenied
from qingqian.common.system import acting_as_system
from qingqian.payments.errors import PaymentsError
from qingqian.payments.models import Payment, PaymentReference
from qingqian.payments.services import payment_record

MAX_SKEW = dt.timedelta(minutes=5)
_OUT_TRADE_NO = re.compile(r"^(QQ\d{10})")


@dataclass(frozen=True, slots=True)
class WeChatPayConfig:
    platform_public_key: rsa.RSAPublicKey
    platform_serial: str
    apiv3_key: bytes


def config() -> WeChatPayConfig:
    raw: Mapping[str, str] = getattr(settings, "QINGQIAN_WECHATPAY", None) or {}
    if not raw.get("platform_public_key") or not raw.get("apiv3_key"):
        raise ApplicationError(
            "未配置微信支付。",
            "WeChat Pay is not configured.",
            code="provider_not_configured",
            status=503,
        )
    key = serialization.load_pem_public_key(raw["platform_public_key"].encode())
    if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - configuration error
        raise ApplicationError("平台公钥不是 RSA。", "The platform key is not RSA.", status=503)
    return WeChatPayConfig(key, raw.get("platform_serial", ""), raw["apiv3_key"].encode())


def _refused(zh: str, en: str, code: str) -> PermissionDenied:
    return PermissionDenied(zh, en, code=code)


def verify_signature(
    cfg: WeChatPayConfig, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
) -> None:
    """Check a message the platform signed (a notice, or the answer to our request):
    serial, freshness and SHA256-with-RSA over ``timestamp\\nnonce\\nbody\\n``.
    ``PermissionDenied`` when any of them fails."""
    h = {k.lower(): v for k, v in headers.items()}
    timestamp, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
    signature, serial = h.get("wechatpay-signature", ""), h.get("wechatpay-serial", "")
    if not (timestamp.isdigit() and nonce and signature):
        raise _refused("缺少签名头。", "Signature headers are missing.", "provider_unsigned")
    if cfg.platform_serial and serial != cfg.platform_serial:
        raise _refused("平台证书序列号不符。", "Unknown platform serial.", "provider_serial")
    sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent) > MAX_SKEW:
        raise _refused("通知已过期（重放？）。", "The notice is stale (replay?).", "provider_stale")
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        cfg.platform_public_key.verify(
            base64.b64decode(signature, validate=True),
            message,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise _refused("签名无效。", "Invalid signature.", "provider_bad_signature") from None


def verify_and_decrypt(
    cfg: WeChatPayConfig, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
) -> dict[str, Any]:
    """The decrypted transaction of a genuine, fresh notice; ``PermissionDenied`` otherwise."""
    verify_signature(cfg, headers, body, now=now)
    try:
        notice = json.loads(body)
        resource = notice["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError("algorithm")
        plain = AESGCM(cfg.apiv3_key).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        data: dict[str, Any] = json.loads(plain)
    except (ValueError, KeyError, TypeError, InvalidTag, binascii.Error):
        raise PaymentsError(
            "通知内容无法解密或格式不符。",
            "The notice could not be decrypted or is malformed.",
            code="provider_malformed",
        ) from None
    data["_event_type"] = notice.get("event_type", "")
    return data


def wechatpay_notify(*, headers: Mapping[str, str], body: bytes) -> Payment | None:
    """Handle one notice: verify, decrypt, record through ``payment_record``. Returns the
    payment, or ``None`` for a genuine notice that is not a successful payment."""
    data = verify_and_decrypt(config(), headers, body, now=clock.now())
    if data.get("trade_state") != "SUCCESS":
        return None
    amount = data.get("amount") or {}
    total = amount.get("total")
    if not isinstance(total, int) or total <= 0 or amount.get("currency", "CNY") != "CNY":
        raise PaymentsError(
            "通知金额无效。",
            "The notice's amount is invalid.",
            code="provider_amount_invalid",
            details={"amount": str(amount)},
        )
    out_trade_no = str(data.get("out_trade_no", ""))
    transaction_id = str(data.get("transaction_id", ""))
    match = _OUT_TRADE_NO.match(out_trade_no)
    ref = (
        PaymentReference.objects.select_related("case").filter(code=match.group(1)).first()
        if match
        else None
    )
    if ref is None or not transaction_id:
        raise PaymentsError(
            f"找不到商户订单号 {out_trade_no} 对应的案件。",
            f"No case for merchant order {out_trade_no}.",
            code="provider_unknown_order",
            details={"out_trade_no": out_trade_no},
        )
    received_at = clock.now()
    success = data.get("success_time")
    if isinstance(success, str):
        with contextlib.suppress(ValueError):
            received_at = dt.datetime.fromisoformat(success)
    with acting_as_system("payments.provider"):  # no staff user: the provider confirmed it
        payment, _ = payment_record(
            case=ref.case,
            amount=Decimal(total) / 100,
            kind="provider",
            idempotency_key=f"wxpay:{transaction_id}",
            actor=None,
            received_at=received_at,
            reference=out_trade_no[:64],
            note="微信支付",
        )
    return payment
