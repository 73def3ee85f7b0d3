"""Roles and what each may do: a pure table (no Django), reviewed like code.

A permission is a string ``area.verb``. ``has_permission(role, perm)`` is the only question
interfaces ask; case *scope* (organisation, creditor, assignment) is applied separately by
``qingqian.cases.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    INTAKE_AGENT = "intake_agent"
    COLLECTOR = "collector"
    LAWYER = "lawyer"
    MEDIATOR = "mediator"
    COMPLIANCE = "compliance"
    ADMIN = "admin"
    CREDITOR = "creditor"
    # h18: an external community (乡贤) mediator: sees only the cases they mediate
    COMMUNITY_MEDIATOR = "community_mediator"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.INTAKE_AGENT: ("客服（受理）", "Intake agent"),
    Role.COLLECTOR: ("催收员", "Case handler (collector)"),
    Role.LAWYER: ("律师", "Lawyer"),
    Role.MEDIATOR: ("调解员", "Mediator"),
    Role.COMPLIANCE: ("合规专员", "Compliance officer"),
    Role.ADMIN: ("管理员", "Administrator"),
    Role.CREDITOR: ("债权人用户", "Creditor user"),
    # h18: mediation
    Role.COMMUNITY_MEDIATOR: ("乡贤调解员（外聘）", "Community mediator (external)"),
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
    # h18: mediation
    MEDIATION_WORK = "mediation.work"  # sessions, proposals, agreements, judicial confirmation
    MEDIATION_MANAGE = "mediation.manage"  # the roster, mediation fees, the licence
    # h19c: the organisation's regulatory records (insurance, licences, certificates), incidents
    REGULATORY_MANAGE = "regulatory.manage"
    # h23v: electronic debt vouchers (债权凭证)
    VOUCHER_VIEW = "voucher.view"  # the vouchers of the cases one may see
    VOUCHER_ISSUE = "voucher.issue"  # issue, assign, notify, settle, cancel
    # h23f: the consortium (sharing bad-debtor facts between firms)
    CONSORTIUM_VIEW = "consortium.view"  # the members, the answers received, with sources
    CONSORTIUM_ASK = "consortium.ask"  # ask the other members about a case's company debtor
    CONSORTIUM_MANAGE = "consortium.manage"  # answers given to others: withdraw them
    # h23r: consortium netting rounds (convene and run; firms answer with their own rights)
    CONSORTIUM_NETTING = "consortium.netting"


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
    # h18: mediation
    Perm.MEDIATION_WORK: (
        "办理调解（调解会、方案、调解协议、司法确认）",
        "mediate (sessions, proposals, agreements, judicial confirmation)",
    ),
    Perm.MEDIATION_MANAGE: (
        "管理调解员名册、调解收费和机构登记",
        "manage the mediator roster, mediation fees and the licence",
    ),
    # h19c: regulatory records
    Perm.REGULATORY_MANAGE: (
        "管理机构监管资质（执业责任保险、许可证、催收员证书）与合规事件",
        "manage the firm's regulatory records (liability insurance, licences, collectors' "
        "certificates) and compliance incidents",
    ),
    # h23v: electronic debt vouchers
    Perm.VOUCHER_VIEW: ("查看债权凭证", "view debt vouchers"),
    Perm.VOUCHER_ISSUE: (
        "签发债权凭证，记录转让、通知、清偿与作废",
        "issue debt vouchers and record assignments, notices, settlements and cancellations",
    ),
    # h23f: the consortium
    Perm.CONSORTIUM_VIEW: (
        "查看同业共享成员及其回答（注明来源）",
        "view the consortium members and their answers (with sources)",
    ),
    Perm.CONSORTIUM_ASK: (
        "向同业共享成员查询企业债务人",
        "ask the consortium members about a company debtor",
    ),
    Perm.CONSORTIUM_MANAGE: (
        "管理本机构向同业提供的回答（撤回）",
        "manage the answers this firm gave the consortium (withdraw them)",
    ),
    # h23r: consortium netting rounds
    Perm.CONSORTIUM_NETTING: (
        "召集和运行同业清欠轮次",
        "convene and run consortium netting rounds",
    ),
}


_ALL_STAFF_READ = {
    Perm.CASE_VIEW,
    Perm.REPORT_VIEW,
    Perm.CONTACT_VIEW,
    Perm.STRATEGY_VIEW,
    Perm.KPI_VIEW,  # h20: scoped to the cases one sees; one's own performance row
    Perm.CONSORTIUM_VIEW,  # h23f: the shared facts, with their sources
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
            Perm.CONSORTIUM_ASK,  # h23f
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
            Perm.MEDIATION_WORK,  # h18
            Perm.VOUCHER_VIEW,  # h23v
            Perm.VOUCHER_ISSUE,  # h23v
            Perm.CONSORTIUM_ASK,  # h23f
            Perm.CONSORTIUM_MANAGE,  # h23f
            Perm.CONSORTIUM_NETTING,  # h23r
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
            Perm.MEDIATION_WORK,  # h18
            Perm.CONSORTIUM_NETTING,  # h23r
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
            Perm.REGULATORY_MANAGE,  # h19c
            Perm.VOUCHER_VIEW,  # h23v
            Perm.CONSORTIUM_MANAGE,  # h23f: withdrawals are part of the record
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
            Perm.VOUCHER_VIEW,  # h23v: their own creditor's vouchers
        }
    ),
    # h18: a community mediator sees and works only the cases they mediate (scope applied by
    # cases.selectors through the mediation roster); no contact work, no reveals.
    Role.COMMUNITY_MEDIATOR: frozenset({Perm.CASE_VIEW, Perm.MEDIATION_WORK}),
}


def has_permission(role: str, perm: Perm) -> bool:
    try:
        return perm in PERMISSIONS[Role(role)]
    except ValueError:
        return False


# h19c: the menu per role ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One entry of the top navigation: a route (URL name), its words, and the permission a
    role needs to see it. The permission is the route's own line in ``qingqian.access`` or a
    stricter one (the queue is for people who contact debtors), never a laxer one; ``None``
    means every signed-in user (a public page). ``staff_site`` items need Django's staff flag
    (the admin checks it itself). ``tests/web/test_menu.py`` opens every item as every role
    that sees it and expects 200. An area's further pages are linked from its own page."""

    route: str
    label_zh: str
    label_en: str
    perm: Perm | None
    staff_site: bool = False


MENU: tuple[MenuItem, ...] = (
    MenuItem("web:dashboard", "概览", "Overview", Perm.CASE_VIEW),
    MenuItem("web:case_list", "案件", "Cases", Perm.CASE_VIEW),
    MenuItem("scoring:queue", "工作队列", "Work queue", Perm.CONTACT_WORK),
    MenuItem("web:aging", "账龄", "Aging", Perm.REPORT_VIEW),
    MenuItem("litigation:calendar", "期限日历", "Court deadlines", Perm.LITIGATION_WORK),
    MenuItem("web:calc_index", "计算器", "Calculators", Perm.CASE_VIEW),
    MenuItem("web:hotline", "热线受理", "Hotline", Perm.HOTLINE_USE),
    MenuItem("web:case_new", "网页立案", "New case", Perm.CASE_CREATE),
    MenuItem("web:import_new", "台账导入", "Import a ledger", Perm.IMPORT_RUN),
    MenuItem("strategy:dashboard", "催收策略", "Strategy", Perm.STRATEGY_VIEW),
    MenuItem("contact:holds", "联系合规", "Contact rules", Perm.CONTACT_VIEW),
    MenuItem("payments:reconciliation", "资金", "Money", Perm.MONEY_MANAGE),
    MenuItem("netting:round_list", "供应链清欠", "Supply-chain netting", Perm.CASE_VIEW),
    MenuItem("mediation:roster", "调解", "Mediation", Perm.MEDIATION_WORK),
    MenuItem("kpis:dashboard", "经营指标", "Performance", Perm.KPI_VIEW),
    MenuItem("vouchers:list", "债权凭证", "Debt vouchers", Perm.VOUCHER_VIEW),  # h23v
    MenuItem("consortium:members", "同业共享", "Consortium", Perm.CONSORTIUM_VIEW),  # h23f
    MenuItem("compliance:audit", "审计记录", "Audit trail", Perm.AUDIT_VIEW),
    MenuItem("compliance:records", "监管资质", "Regulatory records", Perm.REGULATORY_MANAGE),
    MenuItem("reports:prices", "收费标准", "Prices", None),
    MenuItem("admin:index", "系统配置", "Settings", None, staff_site=True),
)


def menu_for_role(role: str, *, staff_site: bool = False) -> list[MenuItem]:
    """The menu items a role may open, in menu order."""
    return [
        item
        for item in MENU
        if (item.perm is None or has_permission(role, item.perm))
        and (staff_site or not item.staff_site)
    ]
