"""Follow-ups on the database: a debtor's open items (invoices, or the installments of an
agreed plan), one consolidated statement across them, and a manual "send now" of that
statement through the contact gate (``strategy.dunning`` decides; this module reads and sends).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum

from qingqian.accounts.models import User
from qingqian.cases.models import Case, Invoice
from qingqian.cases.selectors import cases_visible_to
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.parties.models import Party
from qingqian.strategy.dunning import Item, Statement, Terms, default_schedule, items_for, statement

INACTIVE = ("closed", "rejected")


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def debtor_items(party: Party, user: User | None) -> tuple[list[Item], str]:
    """Every open item of the debtor across the cases ``user`` may see, and the creditor's
    name (the first case's). An agreed plan's installments, less what was paid since it was
    agreed (first installment first), replace that case's invoices."""
    from qingqian.negotiation.models import PlanVersion, VersionState
    from qingqian.payments.models import Payment

    cases = list(
        cases_visible_to(user)
        .filter(case_parties__party=party, case_parties__role="debtor")
        .exclude(state__in=INACTIVE)
        .select_related("creditor")
        .distinct()
    )
    invoices = [
        Item(f"{inv.number}", inv.due_date or inv.issue_date or clock.today(), inv.outstanding)
        for inv in Invoice.objects.filter(case__in=cases).order_by("due_date", "pk")
    ]
    installments: list[Item] = []
    covered: list[str] = []
    versions = PlanVersion.objects.filter(
        plan__active_case__in=cases, state=VersionState.ACTIVE
    ).select_related("plan")
    for version in versions:
        case_id = version.plan.active_case_id
        if case_id is None:
            continue
        covered += list(Invoice.objects.filter(case_id=case_id).values_list("number", flat=True))
        paid = Payment.objects.filter(
            case_id=case_id, received_at__gte=version.agreed_at or version.created_at
        ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
        for inst in version.installments.order_by("number"):
            share = min(paid, inst.amount)
            paid -= share
            installments.append(
                Item(
                    f"#{version.plan_id}-{inst.number}",
                    inst.due,
                    inst.amount - share,
                    "installment",
                    inst.principal,
                )
            )
    creditor = cases[0].creditor.name if cases else ""
    return items_for(invoices, installments, covered), creditor


def debtor_statement(party: Party, user: User | None, *, today: dt.date | None = None) -> Statement:
    """One statement across the debtor's open items, at the levels of the schedule in force
    (the firm's standard one until schedules are stored per creditor and debtor), with no
    fee and no interest unless the contract's terms allow them."""
    items, _ = debtor_items(party, user)
    return statement(
        party.name, default_schedule(), items, today=today or clock.today(), terms=Terms()
    )


@in_record_language
def dunning_send_now(*, case: Case, party: Party, channel: str, actor: User) -> Any:
    """Send the consolidated statement now ("send now"), by e-mail or letter, on its own
    gate decision (``contact.desk``: refusals are recorded and returned unsent)."""
    from qingqian.contact.channels.base import deliver, render_message
    from qingqian.contact.desk import (
        Sent,
        check_case_party,
        desk_recipient,
        no_recipient,
        require_contact_work,
    )
    from qingqian.contact.services import contact_attempt_authorize

    require_contact_work(actor)
    check_case_party(case, party)
    if channel not in ("email", "letter", "sms"):
        raise ValidationFailed(
            "对账单只能通过短信、电子邮件或信函发送。",
            "A statement goes by SMS, e-mail or letter.",
            code="unknown_channel",
        )
    st = debtor_statement(party, actor)
    if not st.lines:
        raise ValidationFailed(
            "该债务人没有未结清的款项。", "The debtor owes nothing open.", code="nothing_open"
        )
    to = desk_recipient(party, channel)
    if not to:
        raise no_recipient(channel)
    attempt = contact_attempt_authorize(
        case=case, party=party, channel=channel, actor=actor, number=to
    )
    if not attempt.allowed:
        return Sent(attempt)
    context = {
        "firm": case.organisation.name,
        "name": party.name,
        "creditor": case.creditor.name,
        "on": st.on.isoformat(),
        "lines": [
            {
                "ref": ln.ref,
                "kind": ln.kind,
                "due_on": ln.due_on.isoformat(),
                "outstanding": _fmt(ln.outstanding),
                "fee": _fmt(ln.fee),
                "interest": _fmt(ln.interest),
            }
            for ln in st.lines
        ],
        "total": _fmt(st.total),
        "phone": getattr(settings, "QINGQIAN_CONTACT_PHONE", ""),
    }
    message = render_message(
        attempt, template="statement", context=context, to=to, subject="对账单 / Statement"
    )
    delivery = deliver(attempt, message)
    timeline_add(
        case=case,
        actor=actor,
        kind="contact_sent",
        note=(
            f"{channel} 对账单（{len(st.lines)} 笔，合计 {_fmt(st.total)} 元）"
            f"→ {attempt.number_masked}"
        ),
    )
    return Sent(attempt, delivery.document)
