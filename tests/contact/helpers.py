"""Small builders shared by the contact tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from qingqian.contact.policy import (
    Attempt,
    Channel,
    ContactRequest,
    Decision,
    Hold,
    Outcome,
    PartyRole,
    Policy,
    decide,
)

CERT_OK = dt.date(2030, 12, 31)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def req(channel: str = "robot", **kw: Any) -> ContactRequest:
    kw.setdefault("number", "13800000001")
    if channel == "voice":
        kw.setdefault("collectors", (CERT_OK,))
    if channel == "visit":
        kw.setdefault("collectors", (CERT_OK, CERT_OK))
    if "party_role" in kw:
        kw["party_role"] = PartyRole(kw["party_role"])
    return ContactRequest(channel=Channel(channel), **kw)


def past(
    at: str,
    channel: str = "robot",
    outcome: str | None = "no_answer",
    party_role: str = "debtor",
    number: str | None = "13800000001",
    **kw: Any,
) -> Attempt:
    return Attempt(
        at=t(at),
        channel=Channel(channel),
        outcome=None if outcome is None else Outcome(outcome),
        party_role=PartyRole(party_role),
        number=number,
        **kw,
    )


def ask(
    policy: Policy,
    at: str,
    request: ContactRequest | None = None,
    history: Sequence[Attempt] = (),
    holds: Sequence[Hold] = (),
) -> Decision:
    return decide(policy, request or req(), list(history), list(holds), t(at))
