"""Sample histories a compliance officer previews a policy draft against (pure: no Django).

``preview(current, draft)`` decides every sample with both policies and reports where the
draft decides differently, so a change is seen before it governs a single real contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact.policy import (
    Attempt,
    Channel,
    ContactRequest,
    Decision,
    Hold,
    HoldKind,
    Outcome,
    PartyRole,
    Policy,
    decide,
)

SH = BUSINESS_TZ
DAY = dt.date(2026, 3, 4)  # a Wednesday
CERT = dt.date(2030, 12, 31)


def _at(h: int, m: int = 0, days_before: int = 0) -> dt.datetime:
    d = DAY - dt.timedelta(days=days_before)
    return dt.datetime(d.year, d.month, d.day, h, m, tzinfo=SH)


def _calls(
    n: int, outcome: Outcome, channel: Channel = Channel.ROBOT, days_before: int = 0
) -> list[Attempt]:
    return [
        Attempt(
            _at(9, 10 * k, days_before), channel, outcome, number="N1", party_id="P1", debt_id="D1"
        )
        for k in range(n)
    ]


@dataclass(frozen=True)
class Sample:
    key: str
    label_zh: str
    label_en: str
    request: ContactRequest
    history: tuple[Attempt, ...]
    holds: tuple[Hold, ...]
    at: dt.datetime


def _req(channel: Channel, **kw: object) -> ContactRequest:
    base: dict[str, object] = {"number": "N1", "party_id": "P1", "debt_id": "D1"}
    base.update(kw)
    return ContactRequest(channel=channel, **base)  # type: ignore[arg-type]


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "first_call",
        "今天第一次机器人外呼（10:00）",
        "First robot call today (10:00)",
        _req(Channel.ROBOT),
        (),
        (),
        _at(10),
    ),
    Sample(
        "fourth_conversation",
        "今天已接通 3 次，再次外呼",
        "Three conversations today, one more call",
        _req(Channel.ROBOT),
        tuple(_calls(3, Outcome.CONNECTED)),
        (),
        _at(14),
    ),
    Sample(
        "third_conversation",
        "今天已接通 2 次，再次外呼",
        "Two conversations today, one more call",
        _req(Channel.ROBOT),
        tuple(_calls(2, Outcome.CONNECTED)),
        (),
        _at(14),
    ),
    Sample(
        "seventh_dial",
        "同一号码今天已拨打 6 次未接",
        "Six unanswered dials to the number today",
        _req(Channel.ROBOT),
        tuple(_calls(6, Outcome.NO_ANSWER)),
        (),
        _at(15),
    ),
    Sample("early", "早上 07:50 外呼", "A call at 07:50", _req(Channel.ROBOT), (), (), _at(7, 50)),
    Sample(
        "late_2130", "晚上 21:30 外呼", "A call at 21:30", _req(Channel.ROBOT), (), (), _at(21, 30)
    ),
    Sample(
        "late_2205", "晚上 22:05 发短信", "An SMS at 22:05", _req(Channel.SMS), (), (), _at(22, 5)
    ),
    Sample(
        "after_talk",
        "昨天通话后再次外呼",
        "A call the day after a conversation",
        _req(Channel.ROBOT),
        tuple(_calls(1, Outcome.CONNECTED, days_before=1)),
        (),
        _at(10),
    ),
    Sample(
        "week_calls",
        "7 天内已拨打 7 次未接",
        "Seven unanswered calls in the past week",
        _req(Channel.ROBOT),
        tuple(a for d in range(7) for a in _calls(1, Outcome.NO_ANSWER, days_before=d)),
        (),
        _at(10),
    ),
    Sample(
        "collector_call",
        "持证催收员人工致电",
        "A certified collector calls",
        _req(Channel.VOICE, collectors=(CERT,)),
        (),
        (),
        _at(10),
    ),
    Sample(
        "visit_one",
        "一名催收员外访",
        "A field visit by one collector",
        _req(Channel.VISIT, collectors=(CERT,)),
        (),
        (),
        _at(10),
    ),
    Sample(
        "third_party",
        "债务人失联，联系紧急联系人",
        "Debtor unreachable: call the emergency contact",
        _req(
            Channel.VOICE,
            party_role=PartyRole.THIRD_PARTY,
            party_id="T1",
            number="T1",
            collectors=(CERT,),
            debtor_unreachable=True,
            script_nondisclosing=True,
        ),
        (),
        (),
        _at(10),
    ),
    Sample(
        "cease_letter",
        "已要求停止联系，寄送法律文书",
        "Cease requested: post a legal notice",
        _req(Channel.LETTER, legal_notice=True),
        (),
        (Hold(HoldKind.CEASE_CONTACT, party_id="P1"),),
        _at(10),
    ),
    Sample(
        "email",
        "发送催收电子邮件",
        "A collection e-mail",
        _req(Channel.EMAIL, opt_out_line=False),
        (),
        (),
        _at(10),
    ),
)


@dataclass(frozen=True)
class PreviewRow:
    sample: Sample
    current: Decision
    draft: Decision

    @property
    def changed(self) -> bool:
        return self.current.allowed != self.draft.allowed or self.current.rule != self.draft.rule


def preview(current: Policy, draft: Policy) -> list[PreviewRow]:
    return [
        PreviewRow(
            s,
            decide(current, s.request, s.history, s.holds, s.at),
            decide(draft, s.request, s.history, s.holds, s.at),
        )
        for s in SAMPLES
    ]
