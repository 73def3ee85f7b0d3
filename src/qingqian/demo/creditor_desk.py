"""Demo data for the creditor's desk (h19b): each creditor login has a verified mobile for
one-time codes, one accepted case whose fee agreement waits for its signature, and a message
thread with the handler on one case — written through the services, so every row is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Max, QuerySet

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.audit.services import audit_record
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.services import recipient_key
from qingqian.creditors.models import ContactPoint
from qingqian.creditors.services import case_message_post
from qingqian.demo.history import last_activity_follows
from qingqian.reports.agreements import agreement_draft, agreement_send
from qingqian.reports.models import Agreement

#: The creditor contacts' mobiles (demo numbers, in order of ``CLIENT_COMPANIES``).
MOBILES = ("+8613915120001", "+8613915120002", "+8613915120003")


def seed_creditor_desk(*, org: Organisation, users: dict[str, User]) -> None:
    now = clock.now()
    lawyer = users.get("lawyer")
    creditors = [u for u in users.values() if u.role == Role.CREDITOR]
    for user, mobile in zip(sorted(creditors, key=lambda u: u.pk), MOBILES, strict=False):
        _verified_mobile(user, mobile)
        cases = Case.objects.filter(organisation=org, creditor_id=user.creditor_id)
        if lawyer is not None:
            _agreement_to_sign(cases, lawyer, now)
        worked = cases.filter(handler__isnull=False, state=State.NEGOTIATION).order_by("pk").first()
        if worked is not None and worked.handler is not None:
            story = _after_last_move(worked, now)
            with clock.pinned(next(story)):
                case_message_post(
                    case=worked,
                    author=user,
                    body="请问这笔货款目前进展如何？对方上次说月底前可以先付一部分。",
                )
            with clock.pinned(next(story)):
                case_message_post(
                    case=worked,
                    author=worked.handler,
                    body="已与对方财务联系，对方同意本月底前先付三成，其余分期，我们正在拟定还款计划。",
                )
            last_activity_follows([worked.pk])


def _after_last_move(case: Case, now: dt.datetime) -> Iterator[dt.datetime]:
    """The story is dated: what is written here happened after the case's last move, one
    step a few minutes after the other, and before now (every row and its log entry are
    written at these instants through the services)."""
    before = (
        TimelineEvent.objects.filter(case=case, at__lt=now).aggregate(m=Max("at"))["m"]
        or case.created_at
    )
    step = min(dt.timedelta(minutes=37), (now - before) / 8)
    at = before
    while True:
        at += step
        yield at


def _verified_mobile(user: User, mobile: str) -> None:
    value_hash = crypto.lookup_hash(f"point:sms:{mobile}")
    _, masked = recipient_key("sms", mobile)
    now = clock.now()
    point = ContactPoint.objects.create(
        user=user,
        kind="sms",
        value_enc=crypto.encrypt(mobile),
        value_hash=value_hash,
        masked=masked,
        verified_at=now,
        created_at=now,
    )
    audit_record(
        actor=None,
        organisation=user.organisation,
        action="contact_point.add",
        obj=point,
        after={"kind": "sms", "masked": masked, "verified": True, "source": "demo"},
    )


def _agreement_to_sign(cases: QuerySet[Case], lawyer: User, now: dt.datetime) -> None:
    for case in cases.filter(state=State.ACCEPTED).order_by("pk")[:5]:
        if Agreement.objects.filter(case=case).exists():
            continue
        story = _after_last_move(case, now)
        try:
            with transaction.atomic(), clock.pinned(next(story)):
                draft = agreement_draft(case=case, actor=lawyer)
                with clock.pinned(next(story)):
                    agreement_send(agreement=draft, actor=lawyer)
        except ApplicationError:
            continue  # a case type the fee rules refuse: try the next one
        last_activity_follows([case.pk])
        return
