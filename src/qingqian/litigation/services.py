"""Writes for the judicial route. Every change writes its timeline row (and so its case-log
entry) and its audit row in the same transaction; court deadlines are recomputed from the
proceeding's dates by the calculator and each change to one is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.calculators.court_deadlines import PERIODS, DeadlineKind, court_deadline
from qingqian.cases.models import Case
from qingqian.cases.services import require, timeline_add
from qingqian.common import clock, crypto
from qingqian.common.exceptions import ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.legaldata.selectors import holiday_calendar
from qingqian.litigation.models import (
    AssetClue,
    AssetKind,
    AssetSource,
    CaseLimitation,
    CourtDeadline,
    Hearing,
    InterruptionKind,
    LimitationEvent,
    Outcome,
    Proceeding,
)
from qingqian.litigation.rules import ProceedingKind, deadline_starts, parse_case_number
from qingqian.litigation.selectors import case_limitation
from qingqian.parties.identifiers import mask
from qingqian.payments.models import Payment, PaymentKind
from qingqian.payments.services import payment_record

DATE_FIELDS = (
    "filed_on",
    "accepted_on",
    "served_on",
    "measure_on",
    "judgment_on",
    "judgment_served_on",
    "effective_on",
    "pay_by",
    "terminated_on",
    "reopened_on",
)
MONEY_FIELDS = ("awarded_principal", "awarded_interest", "awarded_costs", "awarded_fees")
TEXT_FIELDS = ("court", "case_number", "judge", "court_contact")
FLAG_FIELDS = ("is_ruling", "debtor_dishonest", "debtor_restricted")
EDITABLE = (*TEXT_FIELDS, *DATE_FIELDS, *MONEY_FIELDS, *FLAG_FIELDS, "outcome")


def _snapshot(p: Proceeding) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": p.kind}
    for name in EDITABLE:
        value = getattr(p, name)
        out[name] = value if isinstance(value, bool) or value is None else str(value)
    return out


def _check(p: Proceeding) -> None:
    if not p.court.strip():
        raise ValidationFailed(
            "请填写法院。",
            "The court is required.",
            code="court_required",
            details={"field": "court"},
        )
    if p.case_number:
        p.case_number = parse_case_number(
            p.case_number, kind=ProceedingKind(p.kind), today=clock.today()
        ).text
    for name in MONEY_FIELDS:
        value = getattr(p, name)
        if value is not None and value < 0:
            raise ValidationFailed(
                "金额不能为负数。",
                "Amounts must not be negative.",
                code="amount_negative",
                details={"field": name},
            )
    order = [
        ("filed_on", "accepted_on"),
        ("judgment_on", "judgment_served_on"),
        ("terminated_on", "reopened_on"),
    ]
    for first, later in order:
        a, b = getattr(p, first), getattr(p, later)
        if a is not None and b is not None and b < a:
            raise ValidationFailed(
                "日期先后顺序不对。",
                "These dates are out of order.",
                code="dates_out_of_order",
                details={"field": later, "before": first},
            )
    if p.outcome not in Outcome.values:
        raise ValidationFailed(
            "结果无效。", "Invalid outcome.", code="outcome_invalid", details={"field": "outcome"}
        )


def _apply(p: Proceeding, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            f"未知的字段：{'、'.join(sorted(unknown))}",
            f"Unknown fields: {', '.join(sorted(unknown))}",
            code="unknown_field",
        )
    for name, value in fields.items():
        setattr(p, name, value)


def _deadlines_sync(p: Proceeding, actor: User | None) -> list[str]:
    """Recompute the proceeding's deadlines; audit every one set, moved or removed."""
    calendar = holiday_calendar()
    wanted = {s.kind: s for s in deadline_starts(ProceedingKind(p.kind), _dates(p))}
    existing = {DeadlineKind(d.kind): d for d in CourtDeadline.objects.filter(proceeding=p)}
    changes: list[str] = []
    for kind, start in wanted.items():
        result = court_deadline(kind, start=start.start, calendar=calendar)
        rule = result.rules[0]
        values = {
            "start": start.start,
            "due": result["deadline"],
            "rule": f"{rule.document}{rule.article}",
            "explanation": [s.zh for s in result.steps],
            "provisional": result.provisional,
        }
        row = existing.pop(kind, None)
        if row is not None and row.due == values["due"] and row.start == values["start"]:
            continue
        before = None if row is None else {"start": str(row.start), "due": str(row.due)}
        if row is None:
            row = CourtDeadline(proceeding=p, case=p.case, kind=kind.value, **values)
        else:
            for key, value in values.items():
                setattr(row, key, value)
        row.save()
        audit_record(
            actor=actor,
            organisation=p.case.organisation,
            action="court_deadline.set" if before is None else "court_deadline.change",
            obj=row,
            before=before,
            after={
                "kind": kind.value,
                "start": str(row.start),
                "due": str(row.due),
                "rule": row.rule,
            },
        )
        changes.append(f"{PERIODS[kind].label_zh} {row.due.isoformat()}")
    for kind, row in existing.items():
        audit_record(
            actor=actor,
            organisation=p.case.organisation,
            action="court_deadline.remove",
            obj=row,
            before={"kind": kind.value, "start": str(row.start), "due": str(row.due)},
        )
        row.delete()
        changes.append(f"{PERIODS[kind].label_zh} —")
    return changes


def _dates(p: Proceeding) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(p, name) for name in DATE_FIELDS}
    out["is_ruling"] = p.is_ruling
    return out


def _field_label(name: str) -> str:
    field = Proceeding._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _require(actor: User | None, perm: Perm = Perm.LITIGATION_WORK) -> None:
    require(actor, perm)


@in_record_language
@transaction.atomic
def proceeding_create(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    court: str,
    perm: Perm = Perm.LITIGATION_WORK,
    **fields: Any,
) -> Proceeding:
    """``perm``: the permission the caller needs (the mediation app files a judicial
    confirmation with ``mediation.work``)."""
    _require(actor, perm)
    if kind not in ProceedingKind.__members__.values():
        raise ValidationFailed(
            f"未知的程序：{kind}",
            f"Unknown proceeding kind: {kind}",
            code="kind_invalid",
            details={"field": "kind"},
        )
    p = Proceeding(case=case, kind=kind, court=court, created_by=actor)
    _apply(p, fields)
    _check(p)
    p.save()
    changes = _deadlines_sync(p, actor)
    note = f"{p.get_kind_display()} · {p.court} {p.case_number}".strip()
    if changes:
        note += "；期限：" + "、".join(changes)
    timeline_add(case=case, actor=actor, kind="proceeding_added", note=note)
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="proceeding.create",
        obj=p,
        after=_snapshot(p),
    )
    limitation_refresh(case=case, actor=actor)
    return p


@in_record_language
@transaction.atomic
def proceeding_update(
    *,
    proceeding: Proceeding,
    actor: User | None,
    perm: Perm = Perm.LITIGATION_WORK,
    **fields: Any,
) -> Proceeding:
    _require(actor, perm)
    p = Proceeding.objects.select_for_update().select_related("case").get(pk=proceeding.pk)
    before = _snapshot(p)
    _apply(p, fields)
    _check(p)
    p.save()
    after = _snapshot(p)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return p
    changes = _deadlines_sync(p, actor)
    events = []
    if before["terminated_on"] is None and p.terminated_on is not None:
        events.append(f"终结本次执行 {p.terminated_on.isoformat()}")
    if before["reopened_on"] is None and p.reopened_on is not None:
        events.append(f"恢复执行 {p.reopened_on.isoformat()}")
    if not before["debtor_dishonest"] and p.debtor_dishonest:
        events.append("被执行人被纳入失信名单")
    if not before["debtor_restricted"] and p.debtor_restricted:
        events.append("被执行人被限制高消费")
    labels = [_field_label(k) for k in changed]
    note = f"{p.get_kind_display()} {p.case_number}".strip() + "：" + "、".join(events or labels)
    if changes:
        note += "；期限：" + "、".join(changes)
    timeline_add(case=p.case, actor=actor, kind="proceeding_updated", note=note)
    audit_record(
        actor=actor,
        organisation=p.case.organisation,
        action="proceeding.update",
        obj=p,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    limitation_refresh(case=p.case, actor=actor)
    return p


@in_record_language
@transaction.atomic
def hearing_add(
    *,
    proceeding: Proceeding,
    actor: User | None,
    at: dt.datetime,
    place: str = "",
    note: str = "",
) -> Hearing:
    _require(actor)
    hearing = Hearing.objects.create(
        proceeding=proceeding, at=at, place=place[:200], note=note[:300]
    )
    local = at.astimezone(clock.BUSINESS_TZ)
    timeline_add(
        case=proceeding.case,
        actor=actor,
        kind="hearing_scheduled",
        note=f"{proceeding.get_kind_display()} 开庭 {local:%Y-%m-%d %H:%M} {place}".strip(),
    )
    audit_record(
        actor=actor,
        organisation=proceeding.case.organisation,
        action="hearing.add",
        obj=hearing,
        after={"at": at.isoformat(), "place": place},
    )
    return hearing


@in_record_language
@transaction.atomic
def deadline_mark_done(*, deadline: CourtDeadline, actor: User | None, on: dt.date) -> None:
    _require(actor)
    row = CourtDeadline.objects.select_for_update().get(pk=deadline.pk)
    row.done_on = on
    row.save(update_fields=["done_on"])
    timeline_add(
        case=row.case,
        actor=actor,
        kind="court_deadline_done",
        note=f"{PERIODS[DeadlineKind(row.kind)].label_zh}（{row.due.isoformat()}）已办理",
    )
    audit_record(
        actor=actor,
        organisation=row.case.organisation,
        action="court_deadline.done",
        obj=row,
        after={"done_on": on.isoformat()},
    )


@in_record_language
@transaction.atomic
def asset_clue_add(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    summary: str,
    source: str,
    source_date: dt.date,
    detail: str = "",
    estimated_value: Decimal | None = None,
) -> AssetClue:
    _require(actor)
    if kind not in AssetKind.values or source not in AssetSource.values:
        raise ValidationFailed(
            "财产类型或来源无效。",
            "Invalid asset kind or source.",
            code="asset_clue_invalid",
            details={"field": "kind" if kind not in AssetKind.values else "source"},
        )
    if not summary.strip():
        raise ValidationFailed(
            "请填写财产概况。",
            "Describe the asset.",
            code="summary_required",
            details={"field": "summary"},
        )
    if source_date > clock.today():
        raise ValidationFailed(
            "来源日期不能晚于今天。",
            "The source date cannot be in the future.",
            code="source_date_future",
            details={"field": "source_date"},
        )
    detail = detail.strip()
    clue = AssetClue.objects.create(
        case=case,
        kind=kind,
        summary=summary.strip()[:200],
        source=source,
        source_date=source_date,
        detail_enc=crypto.encrypt(detail),
        detail_masked=mask(detail) if detail else "",
        estimated_value=estimated_value,
        created_by=actor,
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="asset_clue_added",
        note=f"{clue.get_kind_display()}：{clue.summary}（{clue.get_source_display()}）",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="asset_clue.add",
        obj=clue,
        after={
            "kind": kind,
            "summary": clue.summary,
            "source": source,
            "detail": clue.detail_masked,
        },
    )
    return clue


def asset_clue_reveal(*, clue: AssetClue, actor: User) -> str:
    """The identifying detail in clear, for an application to the court; audited."""
    _require(actor)
    audit_record(
        actor=actor,
        organisation=clue.case.organisation,
        action="asset_clue.reveal",
        obj=clue,
    )
    return crypto.decrypt(clue.detail_enc)


@in_record_language
@transaction.atomic
def court_recovery_record(
    *,
    proceeding: Proceeding,
    actor: User | None,
    amount: Decimal,
    received_on: dt.date,
    reference: str,
) -> Payment:
    """Money the court paid over in enforcement: a payment of kind ``court`` through the
    payments service (allocation and commission as for any payment), once per reference."""
    _require(actor)
    if proceeding.kind != ProceedingKind.ENFORCEMENT:
        raise ValidationFailed(
            "法院执行款只能记在执行程序下。",
            "Court recoveries are recorded on an enforcement proceeding.",
            code="not_enforcement",
        )
    if not reference.strip():
        raise ValidationFailed(
            "请填写法院划款凭证号。",
            "Give the court's transfer reference.",
            code="reference_required",
            details={"field": "reference"},
        )
    received_at = dt.datetime.combine(received_on, dt.time(12), tzinfo=clock.BUSINESS_TZ)
    payment, created = payment_record(
        case=proceeding.case,
        amount=amount,
        kind=PaymentKind.COURT.value,
        idempotency_key=f"court:{proceeding.pk}:{reference.strip()}",
        actor=actor,
        received_at=received_at,
        reference=reference.strip(),
        note=f"{proceeding.court} {proceeding.case_number} 执行款",
    )
    if created:
        timeline_add(
            case=proceeding.case,
            actor=actor,
            kind="court_recovery",
            note=f"{proceeding.case_number} 法院执行款 ¥{payment.amount:,.2f}",
        )
    return payment


@in_record_language
@transaction.atomic
def limitation_event_record(
    *, case: Case, actor: User | None, kind: str, day: dt.date, note: str = ""
) -> LimitationEvent:
    require(actor, Perm.CASE_TRANSITION)
    if kind not in InterruptionKind.values:
        raise ValidationFailed(
            f"未知的中断事由：{kind}",
            f"Unknown interruption: {kind}",
            code="kind_invalid",
            details={"field": "kind"},
        )
    if day > clock.today():
        raise ValidationFailed(
            "中断事由日期不能晚于今天。",
            "An interruption cannot be in the future.",
            code="day_future",
            details={"field": "day"},
        )
    event = LimitationEvent.objects.create(
        case=case, kind=kind, day=day, note=note[:300], created_by=actor
    )
    timeline_add(
        case=case,
        actor=actor,
        kind="limitation_interrupted",
        note=f"{event.get_kind_display()} {day.isoformat()} {note}".strip(),
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="limitation_event.add",
        obj=event,
        after={"kind": kind, "day": day.isoformat()},
    )
    limitation_refresh(case=case, actor=actor)
    return event


@in_record_language
def limitation_refresh(*, case: Case, actor: User | None) -> CaseLimitation | None:
    """Store the case's limitation deadline from every interruption it records; a change
    writes a timeline row with the reason and an audit row."""
    current = case_limitation(case)
    if current is None:
        return None
    reason = current["reason"]
    row = CaseLimitation.objects.filter(case=case).first()
    before = None if row is None else {"deadline": str(row.deadline), "reason": row.reason_kind}
    if row is not None and row.deadline == current["deadline"]:
        return row
    if row is None:
        row = CaseLimitation(case=case)
    row.deadline = current["deadline"]
    row.reason_kind = reason.kind if reason else ""
    row.reason_day = reason.day if reason else None
    row.save()
    why = f"{reason.label} {reason.day.isoformat()}" if reason else "到期日起算"
    timeline_add(
        case=case,
        actor=actor,
        kind="limitation_updated",
        note=f"诉讼时效届满日 {row.deadline.isoformat()}（{why}）",
    )
    audit_record(
        actor=actor,
        organisation=case.organisation,
        action="limitation.update",
        obj=row,
        before=before,
        after={"deadline": str(row.deadline), "reason": row.reason_kind},
    )
    return row
