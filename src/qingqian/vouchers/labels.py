"""Voucher statuses and events in words (Chinese, English): pages never show a code."""

from __future__ import annotations

STATUS: dict[str, tuple[str, str]] = {
    "issued": ("已签发，待债务人确认", "issued, awaiting the debtor's acknowledgement"),
    "acknowledged": ("债务人已确认", "acknowledged by the debtor"),
    "assigned": ("已转让", "assigned"),
    "partly_settled": ("部分清偿", "partly settled"),
    "settled": ("已结清", "settled"),
    "cancelled": ("已作废", "cancelled"),
}
EVENTS: dict[str, tuple[str, str]] = {
    "issued": ("签发（债权人签名）", "issued (signed for the creditor)"),
    "acknowledged": ("债务人确认", "acknowledged by the debtor"),
    "assigned": ("债权转让", "claim assigned"),
    "notice_given": ("已通知债务人转让", "debtor notified of the assignment"),
    "settled": ("清偿", "settlement"),
    "cancelled": ("作废", "cancelled"),
}
CHANNELS: dict[str, tuple[str, str]] = {
    "portal": ("债务人自助页面", "the debtor portal"),
    "email": ("电子邮件", "e-mail"),
    "letter": ("信函", "letter"),
}


def words(table: dict[str, tuple[str, str]], code: str, *, en: bool) -> str:
    pair = table.get(code)
    if pair is None:
        return "—"
    return pair[1] if en else pair[0]
