"""Writing fee schedules: every change is checked against the legal caps first and audited."""

from __future__ import annotations

from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.roles import Role
from qingqian.audit.services import audit_record
from qingqian.common.exceptions import PermissionDenied
from qingqian.fees.models import FeeScheduleRow
from qingqian.fees.presets import pricing_fields, pricing_from_fields
from qingqian.fees.rules import PRESETS, FeeCheck, check_pricing
from qingqian.fees.selectors import ROW_FIELDS


def fee_schedule_check(row: FeeScheduleRow) -> FeeCheck:
    """The kernel's checks on the row: a malformed schedule, a fee charged to a debtor, an
    over-cap schedule or a contingency fee on a forbidden case type raises ``FeeError``
    whose ``details['rule']`` cites the rule."""
    pricing = pricing_from_fields({f: getattr(row, f) for f in ROW_FIELDS})
    return check_pricing(pricing)


@transaction.atomic
def fee_schedule_save(*, row: FeeScheduleRow, actor: User | None) -> FeeScheduleRow:
    """Validate with :func:`fee_schedule_check`, then save and audit."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied(
            "只有管理员可以修改收费标准。",
            "Only an administrator may change fee schedules.",
            code="fee_schedule_forbidden",
        )
    fee_schedule_check(row)
    created = row.pk is None
    row.save()
    audit_record(
        actor=actor,
        organisation=actor.organisation if actor is not None else None,
        action="fee_schedule.create" if created else "fee_schedule.update",
        obj=row,
        after={
            "key": row.key,
            "valid_from": row.valid_from.isoformat(),
            "organisation_type": row.organisation_type,
            "bands": row.bands,
        },
    )
    return row


def fee_schedules_seed() -> int:
    """Insert the presets of ``fee_rules`` that are not there yet; returns how many."""
    made = 0
    for pricing in PRESETS:
        fields = pricing_fields(pricing)
        if FeeScheduleRow.objects.filter(
            key=fields["key"], valid_from=fields["valid_from"]
        ).exists():
            continue
        FeeScheduleRow.objects.create(**fields)
        made += 1
    return made
