"""WeChat Pay API v3: creating an H5 order (微信支付 APIv3 H5 下单) for a phone browser.

The request follows the provider's published shape:

* ``POST /v3/pay/transactions/h5`` with a JSON body ``appid``, ``mchid``, ``description``,
  ``out_trade_no`` (6–32 characters of ``[0-9A-Za-z_-|*]``), ``notify_url`` (https),
  ``amount {total: integer fen, currency: "CNY"}`` and ``scene_info {payer_client_ip,
  h5_info {type: "Wap"}}``;
* signed with the merchant's private key: the message is
  ``METHOD\\nPATH\\ntimestamp\\nnonce\\nbody\\n``, SHA256-with-RSA (PKCS#1 v1.5), sent as
  ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",
  timestamp="…",serial_no="…"`` (the merchant certificate's serial number);
* the answer is ``200 {"h5_url": "…"}``, signed by the platform like a notice (checked with
  the platform key when it is configured); the debtor's browser is sent to ``h5_url``;
* an error is a 4xx/5xx with ``{"code", "message"}``.

The payment itself arrives later as a notice (``payments.provider.wechatpay_notify``), found
by ``out_trade_no``, which is the case's payment reference followed by a random suffix.

Settings (``QINGQIAN_WECHATPAY``, read from the environment in ``settings.py``): ``mchid``,
``appid``, ``merchant_serial``, ``merchant_private_key`` (PEM), ``notify_url`` and
optionally ``api_base`` (default ``https://api.mch.weixin.qq.com``), besides the platform key
and APIv3 key the notices need. Without ``mchid``, ``appid``, ``merchant_serial``,
``merchant_private_key`` and ``notify_url`` there is no online payment.

Money is integer fen throughout; a float never reaches this module.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, ValidationFailed
from qingqian.payments import provider as notices

API_BASE = "https://api.mch.weixin.qq.com"
H5_PATH = "/v3/pay/transactions/h5"
SCHEME = "WECHATPAY2-SHA256-RSA2048"
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
REQUIRED = ("mchid", "appid", "merchant_serial", "merchant_private_key", "notify_url")

#: ``(method, url, headers, body) -> (status, headers, body)``.
Transport = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]


@dataclass(frozen=True, slots=True)
class OrderConfig:
    mchid: str
    appid: str
    merchant_serial: str
    merchant_key: rsa.RSAPrivateKey
    notify_url: str
    api_base: str


def order_config() -> OrderConfig | None:
    """The merchant's settings for creating orders, or ``None`` when they are incomplete."""
    raw: Mapping[str, str] = getattr(settings, "QINGQIAN_WECHATPAY", None) or {}
    if not all(raw.get(k) for k in REQUIRED):
        return None
    key = serialization.load_pem_private_key(raw["merchant_private_key"].encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - configuration error
        raise ApplicationError("商户私钥不是 RSA。", "The merchant key is not RSA.", status=503)
    return OrderConfig(
        mchid=raw["mchid"],
        appid=raw["appid"],
        merchant_serial=raw["merchant_serial"],
        merchant_key=key,
        notify_url=raw["notify_url"],
        api_base=(raw.get("api_base") or API_BASE).rstrip("/"),
    )


def sign_message(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def authorization(
    cfg: OrderConfig, method: str, path: str, body: bytes, *, timestamp: int, nonce: str
) -> str:
    """The ``Authorization`` header of one request (path includes any query string)."""
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = sign_message(cfg.merchant_key, message)
    return (
        f'{SCHEME} mchid="{cfg.mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{cfg.merchant_serial}"'
    )


def out_trade_no(reference: str) -> str:
    """The case's payment reference and a random suffix: unique per order, and the notice
    finds the case by its prefix."""
    value = f"{reference}-{secrets.token_hex(6)}"
    assert OUT_TRADE_NO.match(value), value
    return value


def _http(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, Mapping[str, str], bytes]:
    if not url.startswith("https://"):
        raise ApplicationError(
            "微信支付接口地址必须是 https。",
            "The WeChat Pay API address must be https.",
            code="provider_not_configured",
            status=503,
        )
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 (https checked)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()
    except (urllib.error.URLError, TimeoutError) as exc:
        raise _failed("network", str(exc)) from None


_override: list[Transport] = []


@contextlib.contextmanager
def use_transport(transport: Transport) -> Iterator[None]:
    """Send the provider's requests to ``transport`` instead of the network (tests, demo)."""
    _override.append(transport)
    try:
        yield
    finally:
        _override.remove(transport)


def _transport() -> Transport:
    return _override[-1] if _override else _http


def _failed(code: str, message: str, status: int = 502) -> ApplicationError:
    return ApplicationError(
        f"微信支付下单失败（{code}），请稍后再试或使用银行转账。",
        f"WeChat Pay could not create the order ({code}); try again later or pay by bank transfer.",
        code="provider_order_failed",
        details={"provider_code": code, "provider_message": message[:200]},
        status=status,
    )


def h5_order_create(
    cfg: OrderConfig,
    *,
    trade_no: str,
    description: str,
    amount_fen: int,
    client_ip: str,
) -> str:
    """Create an H5 order and return its ``h5_url``."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed(
            "支付金额须为正整数分。",
            "The amount must be a positive whole number of fen.",
            code="pay_amount",
            details={"amount_fen": str(amount_fen)},
        )
    if not OUT_TRADE_NO.match(trade_no):
        raise ValidationFailed(
            "商户订单号格式不符。",
            "The merchant order number is malformed.",
            code="provider_trade_no",
            details={"out_trade_no": trade_no},
        )
    payload = {
        "appid": cfg.appid,
        "mchid": cfg.mchid,
        "description": description[:127],
        "out_trade_no": trade_no,
        "notify_url": cfg.notify_url,
        "amount": {"total": amount_fen, "currency": "CNY"},
        "scene_info": {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}},
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    now = clock.now()
    headers = {
        "Authorization": authorization(
            cfg,
            "POST",
            H5_PATH,
            body,
            timestamp=int(now.timestamp()),
            nonce=secrets.token_hex(16),
        ),
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "qingqian",
    }
    status, answer_headers, answer = _transport()("POST", cfg.api_base + H5_PATH, headers, body)
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        data = {}
    if status != 200:
        raise _failed(str(data.get("code") or status), str(data.get("message") or ""))
    try:
        platform = notices.config()
    except ApplicationError:  # no platform key yet: the answer cannot be checked
        platform = None
    if platform is not None:
        try:
            notices.verify_signature(platform, answer_headers, answer, now=now)
        except ApplicationError as exc:
            raise _failed("answer_signature", exc.message_en) from None
    url = data.get("h5_url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise _failed("no_h5_url", "the answer carries no h5_url")
    return url


def with_return(h5_url: str, return_url: str) -> str:
    """``h5_url`` with the page the debtor's browser comes back to after paying."""
    if not return_url:
        return h5_url
    return f"{h5_url}&redirect_url={urllib.parse.quote(return_url, safe='')}"
