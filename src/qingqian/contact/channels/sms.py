"""SMS through an adapter shaped like Alibaba Cloud SMS ``SendSms`` (API version 2017-05-25).

The request is an RPC call signed with HMAC-SHA1 (signature version 1.0): the parameters are
sorted, percent-encoded (RFC 3986) and joined; ``POST&%2F&<encoded query>`` is signed with
``AccessKeySecret + "&"``. The message goes as a template code and its parameters; the
provider fills in the approved template text. ``transport(url, params) -> dict`` does the HTTP
call; tests pass an in-process fake that checks the signature.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from qingqian.common.exceptions import ApplicationError
from qingqian.contact.channels.base import Delivery, Message
from qingqian.contact.models import ContactAttempt

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
Transport = Callable[[str, dict[str, str]], Mapping[str, Any]]


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def sign(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature (version 1.0, HMAC-SHA1) of ``params`` (without ``Signature``)."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _http_transport(url: str, params: dict[str, str]) -> Mapping[str, Any]:
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - fixed https URL
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        result: Mapping[str, Any] = json.loads(response.read())
        return result


class SmsError(ApplicationError):
    status = 502
    code = "sms_provider_error"


class AliyunSmsAdapter:
    def __init__(
        self,
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        templates: Mapping[str, str] | None = None,
        transport: Transport | None = None,
        endpoint: str = ENDPOINT,
    ) -> None:
        self.access_key_id = access_key_id or getattr(settings, "QINGQIAN_SMS_ACCESS_KEY_ID", "")
        self.access_key_secret = access_key_secret or getattr(
            settings, "QINGQIAN_SMS_ACCESS_KEY_SECRET", ""
        )
        self.sign_name = sign_name or getattr(settings, "QINGQIAN_SMS_SIGN_NAME", "清欠")
        self.templates = dict(templates or getattr(settings, "QINGQIAN_SMS_TEMPLATES", {}))
        self.transport = transport or _http_transport
        self.endpoint = endpoint

    def request_params(self, message: Message, now: dt.datetime) -> dict[str, str]:
        if not self.access_key_id or not self.access_key_secret:
            raise SmsError(
                "未配置短信服务的访问密钥。",
                "The SMS provider's access key is not configured.",
                code="sms_not_configured",
            )
        number = message.to.strip().removeprefix("+86").replace(" ", "")
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": number,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates.get(message.template, message.template),
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, sort_keys=True),
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = sign(params, self.access_key_secret)
        return params

    def send(self, attempt: ContactAttempt | None, message: Message) -> Delivery:
        params = self.request_params(message, dt.datetime.now(dt.UTC))
        answer = self.transport(self.endpoint, params)
        if answer.get("Code") != "OK":
            raise SmsError(
                f"短信服务拒绝发送：{answer.get('Code')} {answer.get('Message', '')}",
                f"The SMS provider refused: {answer.get('Code')} {answer.get('Message', '')}",
                details={"provider_code": str(answer.get("Code"))},
            )
        return Delivery(channel="sms", provider_ref=str(answer.get("BizId", "")))
