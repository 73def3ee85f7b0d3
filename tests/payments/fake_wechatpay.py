"""An in-process fake of WeChat Pay API v3: its own RSA platform key and APIv3 key, producing
notices signed and encrypted the way the provider does, and an H5 order endpoint
(``transport``) that checks the merchant's ``WECHATPAY2-SHA256-RSA2048`` signature and the
order's fields before it answers a signed ``{"h5_url": …}``."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

API = "https://api.mch.weixin.qq.com"
H5 = "/v3/pay/transactions/h5"
_AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
_PARAM = re.compile(r'(\w+)="([^"]*)"')
_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")


class FakeWeChatPay:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16)  # 32 ASCII bytes, as the merchant portal sets
        self.serial = "5157F09EFDC096DE15EBE81A47057A72"
        # The merchant's key pair: the private half goes into our settings, the fake holds
        # the public half (in real life: the merchant API certificate it issued).
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.merchant_serial = "3775B6A45ACD588826D15E583A95F5DD"
        self.mchid, self.appid = "1900000001", "wxd678efh567hg6787"
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.sign_answers = True

    def settings(self) -> dict[str, str]:
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        merchant = self.merchant_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "platform_public_key": pem.decode(),
            "platform_serial": self.serial,
            "apiv3_key": self.apiv3_key,
            "mchid": self.mchid,
            "appid": self.appid,
            "merchant_serial": self.merchant_serial,
            "merchant_private_key": merchant.decode(),
            "notify_url": "https://qingqian.example/api/v1/payments/wechatpay/notify",
            "api_base": API,
        }

    # ------------------------------------------------------------------ order creation

    def transport(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """The provider's side of ``POST /v3/pay/transactions/h5``."""
        self.requests.append({"method": method, "url": url, "headers": dict(headers)})
        if method != "POST" or url != API + H5:
            return self._answer(404, {"code": "NOT_FOUND", "message": "no such API"})
        problem = self._check_signature(method, H5, headers, body)
        if problem:
            return self._answer(401, {"code": "SIGN_ERROR", "message": problem})
        try:
            order = json.loads(body)
        except ValueError:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "body is not JSON"})
        problem = self._check_order(order)
        if problem:
            return self._answer(400, {"code": "PARAM_ERROR", "message": problem})
        if order["out_trade_no"] in self.orders:
            return self._answer(400, {"code": "INVALID_REQUEST", "message": "订单号重复"})
        prepay = f"wx{secrets.token_hex(14)}"
        self.orders[order["out_trade_no"]] = {**order, "prepay_id": prepay}
        url = (
            "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb"
            f"?prepay_id={prepay}&package={secrets.randbelow(10**10)}"
        )
        return self._answer(200, {"h5_url": url})

    def _check_signature(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> str:
        h = {k.lower(): v for k, v in headers.items()}
        match = _AUTH.match(h.get("authorization", ""))
        if not match:
            return "Authorization is not WECHATPAY2-SHA256-RSA2048"
        params = dict(_PARAM.findall(match.group(1)))
        if set(params) != {"mchid", "nonce_str", "signature", "timestamp", "serial_no"}:
            return f"Authorization parameters: {sorted(params)}"
        if params["mchid"] != self.mchid or params["serial_no"] != self.merchant_serial:
            return "unknown merchant or certificate"
        if abs(time.time() - int(params["timestamp"])) > 300:
            return "timestamp too far off"
        message = (
            f"{method}\n{path}\n{params['timestamp']}\n{params['nonce_str']}\n".encode()
            + body
            + b"\n"
        )
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(params["signature"], validate=True),
                message,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError):
            return "signature does not verify"
        if h.get("content-type") != "application/json" or not h.get("user-agent"):
            return "Content-Type and User-Agent are required"
        return ""

    def _check_order(self, order: Any) -> str:
        if not isinstance(order, dict):
            return "body is not an object"
        amount, scene = order.get("amount") or {}, order.get("scene_info") or {}
        checks = {
            "appid": order.get("appid") == self.appid,
            "mchid": order.get("mchid") == self.mchid,
            "description": isinstance(order.get("description"), str)
            and 0 < len(order["description"]) <= 127,
            "out_trade_no": isinstance(order.get("out_trade_no"), str)
            and bool(_TRADE_NO.match(order["out_trade_no"])),
            "notify_url": str(order.get("notify_url", "")).startswith("https://"),
            "amount.total": type(amount.get("total")) is int and amount["total"] > 0,
            "amount.currency": amount.get("currency") == "CNY",
            "scene_info.payer_client_ip": bool(scene.get("payer_client_ip")),
            "scene_info.h5_info.type": (scene.get("h5_info") or {}).get("type")
            in {"Wap", "iOS", "Android"},
        }
        bad = [name for name, ok in checks.items() if not ok]
        return f"invalid: {', '.join(bad)}" if bad else ""

    def _answer(self, status: int, data: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(data, ensure_ascii=False).encode()
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        signer = self.key if self.sign_answers else rsa.generate_private_key(65537, 2048)
        signature = signer.sign(
            f"{ts}\n{nonce}\n".encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256()
        )
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Serial": self.serial,
        }
        return status, headers, body

    def pay(
        self, out_trade_no: str, transaction_id: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The debtor paid the order in WeChat: the notice the provider then sends."""
        order = self.orders[out_trade_no]
        return self.notice(
            out_trade_no=out_trade_no,
            transaction_id=transaction_id or f"42000{secrets.randbelow(10**20):020d}",
            total_fen=order["amount"]["total"],
        )

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
