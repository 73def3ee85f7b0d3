"""An in-process fake of WeChat Pay's APIv3 notifier: its own RSA platform key and APIv3
key, producing notices signed and encrypted the way the provider does."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class FakeWeChatPay:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16)  # 32 ASCII bytes, as the merchant portal sets
        self.serial = "5157F09EFDC096DE15EBE81A47057A72"

    def settings(self) -> dict[str, str]:
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "platform_public_key": pem.decode(),
            "platform_serial": self.serial,
            "apiv3_key": self.apiv3_key,
        }

    def notice(
        self,
        *,
        out_trade_no: str,
        transaction_id: str,
        total_fen: int,
        trade_state: str = "SUCCESS",
        timestamp: int | None = None,
    ) -> tuple[dict[str, str], bytes]:
        plain = {
            "mchid": "1900000001",
            "appid": "wxd678efh567hg6787",
            "out_trade_no": out_trade_no,
            "transaction_id": transaction_id,
            "trade_type": "JSAPI",
            "trade_state": trade_state,
            "trade_state_desc": "支付成功",
            "success_time": "2027-02-01T10:00:00+08:00",
            "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY"},
        }
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(plain).encode(), b"transaction"
        )
        body = json.dumps(
            {
                "id": secrets.token_hex(8),
                "create_time": "2027-02-01T10:00:05+08:00",
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": "transaction",
                    "nonce": nonce,
                },
            }
        ).encode()
        ts = str(timestamp if timestamp is not None else int(time.time()))
        header_nonce = secrets.token_hex(16)
        message = f"{ts}\n{header_nonce}\n".encode() + body + b"\n"
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        headers = {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Serial": self.serial,
        }
        return headers, body


def tamper(body: bytes) -> bytes:
    data: dict[str, Any] = json.loads(body)
    data["summary"] = "篡改"
    return json.dumps(data).encode()
