"""Roles and what each may do: a pure table (no Django), reviewed like code.

A permission is a string ``area.verb``. ``has_permission(role, perm)`` is the only question
interfaces ask; case *scope* (organisation, creditor, assignment) is applied separately by
``qingqian.cases.selectors``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INTAKE_AGENT = "intake_agent"
    COLLECTOR = "collector"
    LAWYER = "lawyer"
    MEDIATOR = "mediator"
    COMPLIANCE = "compliance"
    ADMIN = "admin"
    CREDITOR = "creditor"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.INTAKE_AGENT: ("客服（受理）", "Intake agent"),
    Role.COLLECTOR: ("催收员", "Case handler (collector)"),
    Role.LAWYER: ("律师", "Lawyer"),
    Role.MEDIATOR: ("调解员", "Mediator"),
    Role.COMPLIANCE: ("合规专员", "Compliance officer"),
    Role.ADMIN: ("管理员", "Administrator"),
    Role.CREDITOR: ("债权人用户", "Creditor user"),
}


class Perm(StrEnum):
    CASE_VIEW = "case.view"
    CASE_VIEW_ALL = "case.view_all"  # every case of the organisation, not only assigned ones
    CASE_CREATE = "case.create"
    CASE_TRANSITION = "case.transition"
    CASE_ASSIGN = "case.assign"
    HOTLINE_USE = "hotline.use"
    IMPORT_RUN = "import.run"
    PARTY_REVEAL = "party.reveal"  # see ID and phone numbers in clear (audited)
    AUDIT_VIEW = "audit.view"
    REPORT_VIEW = "report.view"
    LITIGATION_WORK = "litigation.work"  # proceedings, deadlines, asset clues, court documents


_ALL_STAFF_READ = {Perm.CASE_VIEW, Perm.REPORT_VIEW}

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.INTAKE_AGENT: frozenset(
        _ALL_STAFF_READ | {Perm.CASE_VIEW_ALL, Perm.CASE_CREATE, Perm.HOTLINE_USE, Perm.IMPORT_RUN}
    ),
    Role.COLLECTOR: frozenset(_ALL_STAFF_READ | {Perm.CASE_TRANSITION, Perm.PARTY_REVEAL}),
    Role.LAWYER: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_VIEW_ALL,
            Perm.CASE_CREATE,
            Perm.CASE_TRANSITION,
            Perm.CASE_ASSIGN,
            Perm.PARTY_REVEAL,
            Perm.LITIGATION_WORK,
        }
    ),
    Role.MEDIATOR: frozenset(_ALL_STAFF_READ | {Perm.CASE_VIEW_ALL, Perm.CASE_TRANSITION}),
    Role.COMPLIANCE: frozenset(
        _ALL_STAFF_READ | {Perm.CASE_VIEW_ALL, Perm.AUDIT_VIEW, Perm.PARTY_REVEAL}
    ),
    Role.ADMIN: frozenset(Perm),
    # Creditor users see their own creditor's cases (scope applied by the selector), can
    # submit cases and import their own ledgers, and read reports about their portfolio.
    Role.CREDITOR: frozenset(
        {Perm.CASE_VIEW, Perm.CASE_VIEW_ALL, Perm.CASE_CREATE, Perm.IMPORT_RUN, Perm.REPORT_VIEW}
    ),
}


def has_permission(role: str, perm: Perm) -> bool:
    try:
        return perm in PERMISSIONS[Role(role)]
    except ValueError:
        return False
