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
    """Every capability of the product, in one registry. Routes (``qingqian.access``), API
    operations and services all ask for one of these; no other role list exists."""

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
    REPORT_REGENERATE = "report.regenerate"  # make a feasibility report again
    REPORT_DECIDE = "report.decide"  # accept or reject a case on its report
    AGREEMENT_DRAFT = "agreement.draft"  # draft and send a fee agreement
    STRATEGY_EDIT = "strategy.edit"  # edit playbooks
    CONTACT_WORK = "contact.work"  # ask the gate, contact debtors, record outcomes
    CONTACT_HOLD = "contact.hold"  # place a hold on contact (anyone on staff)
    CONTACT_HOLD_LIFT = "contact.hold_lift"  # lift an ordinary hold
    CONTACT_HOLD_LIFT_STRICT = "contact.hold_lift_strict"  # lift a vulnerability/complaint hold
    CONTACT_FLAG = "contact.flag"  # flag a debtor unreachable, clear the flag
    MONEY_MANAGE = "money.manage"  # remittances, reconciliation
    POLICY_EDIT = "policy.edit"  # revise the contact policy
    CONTACT_VIEW = "contact.view"  # the firm's contact pages: policies, holds, plans, follow-ups
    STRATEGY_VIEW = "strategy.view"  # the strategy dashboard
    AGREEMENT_SIGN = "agreement.sign"  # sign the case's fee agreement (the creditor)
    NETTING_MANAGE = "netting.manage"  # start and run netting rounds
    LITIGATION_WORK = "litigation.work"  # proceedings, deadlines, asset clues, court documents
    # h20: performance figures (dashboards, drill-downs, per-person rows, creditor reports)
    KPI_VIEW = "kpi.view"  # the figures of the cases one may see, one's own performance row
    KPI_TEAM = "kpi.team"  # every person's performance (managers)


#: What each permission lets a person do, in words (the 403 page says this, never the code).
PERM_LABELS: dict[Perm, tuple[str, str]] = {
    Perm.CASE_VIEW: ("查看案件", "view cases"),
    Perm.CASE_VIEW_ALL: ("查看本机构全部案件", "view every case of the organisation"),
    Perm.CASE_CREATE: ("新建案件", "open cases"),
    Perm.CASE_TRANSITION: ("推进案件、记录回款与协商", "move cases, record payments and terms"),
    Perm.CASE_ASSIGN: ("分派案件", "assign cases"),
    Perm.HOTLINE_USE: ("接听热线", "answer the hotline"),
    Perm.IMPORT_RUN: ("导入应收台账", "import receivables ledgers"),
    Perm.PARTY_REVEAL: ("查看完整身份证号和电话（留痕）", "see ID and phone numbers (audited)"),
    Perm.AUDIT_VIEW: ("查看审计记录", "view the audit trail"),
    Perm.REPORT_VIEW: ("查看报表与报告", "view reports"),
    Perm.REPORT_REGENERATE: ("重新生成可行性报告", "regenerate feasibility reports"),
    Perm.REPORT_DECIDE: ("审查并决定是否接案", "decide whether a case is accepted"),
    Perm.AGREEMENT_DRAFT: ("起草和发送委托协议", "draft and send fee agreements"),
    Perm.STRATEGY_EDIT: ("编辑策略剧本", "edit strategy playbooks"),
    Perm.CONTACT_WORK: ("联系债务人", "contact debtors"),
    Perm.CONTACT_HOLD: ("暂停联系", "put contact on hold"),
    Perm.CONTACT_HOLD_LIFT: ("解除联系暂停", "lift contact holds"),
    Perm.CONTACT_HOLD_LIFT_STRICT: (
        "解除因脆弱处境或投诉而设的联系暂停",
        "lift holds placed for vulnerability or a complaint",
    ),
    Perm.CONTACT_FLAG: ("标记和清除无法联系", "flag debtors unreachable and clear the flag"),
    Perm.MONEY_MANAGE: ("管理划付与对账", "manage remittances and reconciliation"),
    Perm.POLICY_EDIT: ("修订联系政策", "revise the contact policy"),
    Perm.CONTACT_VIEW: ("查看机构的联系工作", "view the firm's contact work"),
    Perm.STRATEGY_VIEW: ("查看催收策略", "view the collection strategy"),
    Perm.AGREEMENT_SIGN: ("签署委托协议", "sign fee agreements"),
    Perm.NETTING_MANAGE: ("发起和运行清欠轮次", "start and run netting rounds"),
    Perm.LITIGATION_WORK: (
        "办理诉讼与执行（程序、期限、财产线索、诉讼文书）",
        "work the judicial route (proceedings, deadlines, asset leads, court documents)",
    ),
    # h20: performance figures
    Perm.KPI_VIEW: ("查看经营指标", "view the performance figures"),
    Perm.KPI_TEAM: ("查看每位员工的业绩", "view every person's performance"),
}


_ALL_STAFF_READ = {
    Perm.CASE_VIEW,
    Perm.REPORT_VIEW,
    Perm.CONTACT_VIEW,
    Perm.STRATEGY_VIEW,
    Perm.KPI_VIEW,  # h20: scoped to the cases one sees; one's own performance row
}

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.INTAKE_AGENT: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_VIEW_ALL,
            Perm.CASE_CREATE,
            Perm.HOTLINE_USE,
            Perm.IMPORT_RUN,
            Perm.REPORT_REGENERATE,
            Perm.CONTACT_HOLD,
        }
    ),
    Role.COLLECTOR: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_TRANSITION,
            Perm.PARTY_REVEAL,
            Perm.REPORT_REGENERATE,
            Perm.CONTACT_WORK,
            Perm.CONTACT_HOLD,
            Perm.CONTACT_FLAG,
        }
    ),
    Role.LAWYER: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_VIEW_ALL,
            Perm.CASE_CREATE,
            Perm.CASE_TRANSITION,
            Perm.CASE_ASSIGN,
            Perm.PARTY_REVEAL,
            Perm.REPORT_REGENERATE,
            Perm.REPORT_DECIDE,
            Perm.AGREEMENT_DRAFT,
            Perm.STRATEGY_EDIT,
            Perm.CONTACT_WORK,
            Perm.CONTACT_HOLD,
            Perm.CONTACT_HOLD_LIFT,
            Perm.CONTACT_FLAG,
            Perm.MONEY_MANAGE,
            Perm.NETTING_MANAGE,
            Perm.LITIGATION_WORK,
            Perm.KPI_TEAM,  # h20
        }
    ),
    Role.MEDIATOR: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_VIEW_ALL,
            Perm.CASE_TRANSITION,
            Perm.REPORT_REGENERATE,
            Perm.CONTACT_WORK,
            Perm.CONTACT_HOLD,
            Perm.CONTACT_FLAG,
            Perm.NETTING_MANAGE,
        }
    ),
    Role.COMPLIANCE: frozenset(
        _ALL_STAFF_READ
        | {
            Perm.CASE_VIEW_ALL,
            Perm.AUDIT_VIEW,
            Perm.PARTY_REVEAL,
            Perm.CONTACT_HOLD,
            Perm.CONTACT_HOLD_LIFT,
            Perm.CONTACT_HOLD_LIFT_STRICT,
            Perm.CONTACT_FLAG,
            Perm.POLICY_EDIT,
            Perm.KPI_TEAM,  # h20
        }
    ),
    # The administrator may do everything the firm does; signing is the creditor's own act.
    Role.ADMIN: frozenset(Perm) - {Perm.AGREEMENT_SIGN},
    # Creditor users see their own creditor's cases (scope applied by the selector), can
    # submit cases and import their own ledgers, and read reports about their portfolio.
    Role.CREDITOR: frozenset(
        {
            Perm.CASE_VIEW,
            Perm.CASE_VIEW_ALL,
            Perm.CASE_CREATE,
            Perm.IMPORT_RUN,
            Perm.REPORT_VIEW,
            Perm.AGREEMENT_SIGN,
            Perm.KPI_VIEW,  # h20: their own portfolio's figures
        }
    ),
}


def has_permission(role: str, perm: Perm) -> bool:
    try:
        return perm in PERMISSIONS[Role(role)]
    except ValueError:
        return False
