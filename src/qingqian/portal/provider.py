"""The portal's online-payment adapters, behind one interface.

``create_order(amount_fen=…, reference=…, description=…, client_ip=…, return_url=…)``
starts a payment of a whole number of fen for the case whose payment reference is given, and
returns an :class:`Order`:

* ``WeChatPayH5`` creates a WeChat Pay API v3 H5 order (``payments.wechatpay_order``); the
  order carries ``redirect_url`` (the provider's ``h5_url``) and the payment is recorded
  later, when the provider's signed notice arrives at ``/api/v1/payments/wechatpay/notify``;
* ``FakeProvider`` (``PORTAL_FAKE_PROVIDER = True``: tests, demo) confirms in-process; the
  order carries the ``confirmation`` and the portal records it at once, under the fake
  transaction id as idempotency key.

:func:`provider` picks WeChat Pay when its merchant settings are complete, else the fake
when enabled, else ``None``: the portal then offers bank transfer only, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from qingqian.payments import wechatpay_order


@dataclass(frozen=True, slots=True)
class Confirmation:
    transaction_id: str
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Order:
    out_trade_no: str
    amount_fen: int
    redirect_url: str = ""
    """Where the debtor's browser goes to pay (the provider's page)."""
    confirmation: Confirmation | None = None
    """Set when the provider confirmed in-process (the fake)."""


class PaymentProvider(Protocol):
    name: str

    def create_order(
        self,
        *,
        amount_fen: int,
        reference: str,
        description: str,
        client_ip: str,
        return_url: str,
    ) -> Order: ...


class FakeProvider:
    name = "fake"

    def create_order(
        self,
        *,
        amount_fen: int,
        reference: str,
        description: str,
        client_ip: str,
        return_url: str,
    ) -> Order:
        trade_no = wechatpay_order.out_trade_no(reference)
        amount = Decimal(amount_fen) / 100
        confirmation = Confirmation(f"fake-{trade_no}", amount, reference)
        return Order(trade_no, amount_fen, confirmation=confirmation)


class WeChatPayH5:
    name = "wxpay"

    def __init__(self, config: wechatpay_order.OrderConfig) -> None:
        self.config = config

    def create_order(
        self,
        *,
        amount_fen: int,
        reference: str,
        description: str,
        client_ip: str,
        return_url: str,
    ) -> Order:
        trade_no = wechatpay_order.out_trade_no(reference)
        h5_url = wechatpay_order.h5_order_create(
            self.config,
            trade_no=trade_no,
            description=description,
            amount_fen=amount_fen,
            client_ip=client_ip,
        )
        return Order(
            trade_no, amount_fen, redirect_url=wechatpay_order.with_return(h5_url, return_url)
        )


def provider() -> PaymentProvider | None:
    """The configured provider, or ``None`` (bank transfer only)."""
    config = wechatpay_order.order_config()
    if config is not None:
        return WeChatPayH5(config)
    if getattr(settings, "PORTAL_FAKE_PROVIDER", False):
        return FakeProvider()
    return None
