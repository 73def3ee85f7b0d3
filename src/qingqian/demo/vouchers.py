"""Demo debt vouchers (h23v): three vouchers on cases of the first creditor login's
creditor, written through the services so each event is logged, signed and audited — one
acknowledged by the debtor, one assigned to a factoring company whose notice to the debtor
is still due (Civil Code Art. 546), one partly settled."""

from __future__ import annotations

from decimal import Decimal

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.cases.models import Case, PartyRole
from qingqian.vouchers.services import (
    voucher_ack_code_send,
    voucher_acknowledge,
    voucher_assign,
    voucher_issue,
    voucher_settle,
)

ASSIGNEE = "苏州清源商业保理有限公司"


def seed_vouchers(*, org: Organisation, users: dict[str, User]) -> None:
    lawyer = users.get("lawyer")
    creditor = next(
        (u for u in sorted(users.values(), key=lambda u: u.pk) if u.role == Role.CREDITOR), None
    )
    if lawyer is None or creditor is None:
        return
    cases = list(
        Case.objects.filter(
            organisation=org,
            creditor_id=creditor.creditor_id,
            outstanding__gt=0,
            due_date__isnull=False,
            case_parties__role=PartyRole.DEBTOR,
        )
        .distinct()
        .order_by("pk")[:3]
    )
    if len(cases) < 3:
        return
    first = voucher_issue(actor=lawyer, case_id=cases[0].pk, amount=cases[0].outstanding)
    debtor = cases[0].case_parties.get(role=PartyRole.DEBTOR).party
    codes: list[str] = []
    voucher_ack_code_send(voucher=first, party=debtor, deliver=codes.append)
    voucher_acknowledge(
        voucher=first, party=debtor, typed_name=debtor.name, code=codes[-1], channel="portal"
    )
    second = voucher_issue(actor=lawyer, case_id=cases[1].pk, amount=cases[1].outstanding)
    voucher_assign(actor=lawyer, voucher=second, assignee=ASSIGNEE)
    third = voucher_issue(actor=lawyer, case_id=cases[2].pk, amount=cases[2].outstanding)
    part = (cases[2].outstanding * Decimal("0.4")).quantize(Decimal("0.01"))
    voucher_settle(actor=lawyer, voucher=third, amount=part)
