"""Writes on feasibility reports and fee schedules. Each write logs its timeline row and audit
row in the same transaction; functions are keyword-only and named ``<entity>_<verb>``."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from qingqian.accounts.models import User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.lifecycle import State
from qingqian.cases.models import Case
from qingqian.cases.services import case_transition, require, timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import Conflict, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.common.money import display_amount
from qingqian.legaldata.selectors import calc_context
from qingqian.reports.feasibility import ROUTES, Route, assess
from qingqian.reports.models import Decision, FeasibilityReport
from qingqian.reports.selectors import case_facts, cases_awaiting_report, inputs_digest


def can_regenerate(user: User | None) -> bool:
    return (
        user is not None
        and user.has_perm_code(Perm.REPORT_REGENERATE)
        and user.organisation_id is not None
    )


def can_decide(user: User | None) -> bool:
    return (
        user is not None
        and user.has_perm_code(Perm.REPORT_DECIDE)
        and user.organisation_id is not None
    )


def _route_label(route: str | None) -> str:
    if route is None:
        return "无"
    return ROUTES[Route(route)].zh


@in_record_language
@transaction.atomic
def feasibility_report_generate(*, case: Case, actor: User | None) -> FeasibilityReport:
    """Assess the case as of today and store the result as its next version.

    ``actor`` is ``None`` when the system generates it (intake completion)."""
    if actor is not None and not can_regenerate(actor):
        raise PermissionDenied(
            "您没有生成可行性报告的权限。",
            "You may not generate feasibility reports.",
            code="report_forbidden",
        )
    locked = Case.objects.select_for_update().select_related("creditor").get(pk=case.pk)
    if actor is not None and actor.organisation_id != locked.organisation_id:
        raise PermissionDenied("无权操作该案件。", "Not your organisation's case.")
    today = clock.today()
    facts, context = case_facts(locked, today=today)
    ctx = calc_context()
    report = assess(
        facts,
        today=today,
        rates=ctx.rates,
        calendar=ctx.calendar,
        small_claims_table=ctx.small_claims,
    )
    data = report.to_dict()
    data["context"] = {
        "case_reference": locked.reference,
        "organisation_type": context.organisation_type,
        "fee_schedule_key": context.fee_schedule_key,
        "fee_schedule_in_force": context.fee_schedule_in_force,
        "fee_schedule_valid_from": context.fee_schedule_valid_from,
        "evidence_items": context.evidence_items,
        "evidence_score": context.evidence_score,
    }
    latest = FeasibilityReport.objects.filter(case=locked).aggregate(v=Max("version"))["v"]
    version = (latest or 0) + 1
    row = FeasibilityReport.objects.create(
        case=locked,
        version=version,
        generated_at=clock.now(),
        generated_by=actor,
        data=data,
        inputs_digest=inputs_digest(facts, context, today),
    )
    net = data["expected_net_recovery"]
    timeline_add(
        case=locked,
        actor=actor,
        kind="feasibility_report",
        note=f"可行性报告第 {version} 版：建议{_route_label(data['recommended_route'])}"
        + (f"，预期净回收 ¥{display_amount(Decimal(net))}" if net is not None else ""),
    )
    audit_record(
        actor=actor,
        organisation=locked.organisation,
        action="feasibility_report.generate",
        obj=row,
        after={
            "case": locked.reference,
            "version": version,
            "inputs_digest": row.inputs_digest,
            "recommended_route": data["recommended_route"],
            "expected_net_recovery": net,
            "evidence_strength": data["evidence_strength"],
        },
    )
    return row


@transaction.atomic
def feasibility_report_decide(
    *, report: FeasibilityReport, actor: User, accept: bool, reason: str
) -> FeasibilityReport:
    """A lawyer's decision on the latest report: the case moves ``evidence_review →
    accepted | rejected`` (timeline and audit through ``case_transition``)."""
    require(actor, Perm.CASE_TRANSITION)
    if not can_decide(actor):
        raise PermissionDenied(
            "只有律师或管理员可以决定是否接案。",
            "Only a lawyer or an administrator may accept or reject a case.",
            code="decision_forbidden",
        )
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationFailed(
            "不予接案必须写明理由。",
            "A rejection needs a reason.",
            code="reason_required",
            details={"field": "reason"},
        )
    locked = FeasibilityReport.objects.select_for_update().select_related("case").get(pk=report.pk)
    if locked.case.organisation_id != actor.organisation_id:
        raise PermissionDenied("无权操作该案件。", "Not your organisation's case.")
    latest = FeasibilityReport.objects.filter(case_id=locked.case_id).aggregate(v=Max("version"))
    if locked.decision != Decision.PENDING or locked.version != latest["v"]:
        raise Conflict(
            "只能对最新一版、尚未审查的报告作出决定。",
            "Only the latest, undecided version of the report can be decided.",
            code="report_not_decidable",
            details={"version": locked.version, "decision": locked.decision},
        )
    target = State.ACCEPTED if accept else State.REJECTED
    note = f"可行性报告第 {locked.version} 版审查：{'接案' if accept else '不予接案'}" + (
        f"；理由：{reason}" if reason else ""
    )
    case_transition(case=locked.case, actor=actor, to_state=target.value, note=note)
    locked.decision = Decision.ACCEPTED if accept else Decision.REJECTED
    locked.decided_by = actor
    locked.decided_at = clock.now()
    locked.reason = reason
    locked.save(update_fields=["decision", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor,
        organisation=locked.case.organisation,
        action="feasibility_report.decide",
        obj=locked,
        before={"decision": Decision.PENDING.value},
        after={"decision": locked.decision, "reason": reason, "version": locked.version},
    )
    return locked


def feasibility_reports_sweep() -> list[FeasibilityReport]:
    """Generate the report of every case whose intake completed (it entered evidence review)
    and that has no report since: the automatic generation, run by ``qingqian report sweep``
    or ``feasibility_reports_sweep_task`` every few minutes, and at once for one case through
    ``reports.tasks.intake_completed``."""
    made = []
    for case in cases_awaiting_report(Case.objects.all()):
        made.append(feasibility_report_generate(case=case, actor=None))
    return made


def feasibility_report_pdf_record(*, report: FeasibilityReport, pdf: bytes) -> str:
    """Record the SHA-256 of the PDF rendered for this version (rendering is deterministic)."""
    digest = hashlib.sha256(pdf).hexdigest()
    if report.pdf_sha256 != digest:
        FeasibilityReport.objects.filter(pk=report.pk).update(pdf_sha256=digest)
        report.pdf_sha256 = digest
    return digest
