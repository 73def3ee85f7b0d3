"""Built-in help: which section of the user guide each page of the product links to.

The guide (``guide/zh``, ``guide/en``; ``make docs``) is served at ``/guide/`` (or at
``settings.GUIDE_URL`` when a deployment publishes it elsewhere). Every page's header carries
a help link chosen here by the page's URL name, and by the user's role where one page serves
several roles (the fee agreement is the lawyer's to send and the creditor's to sign). A page
with no line here links to its user's role guide, so a new page always has help.

Sections are Markdown headings with an explicit id (``## 记录热线来电 {#hotline}``), the same
id in both languages; ``tests/guide/test_help_links.py`` checks that every target below exists
in both, and that the pages render the link.
"""

from __future__ import annotations

#: A guide page (path without ``.md``) and, after ``#``, a section id. ``index`` is the home.
Target = str

#: By URL name; a dict chooses by role (``"*"``: everyone else).
HELP: dict[str, Target | dict[str, Target]] = {
    "login": "index#sign-in",
    "web:dashboard": "index#dashboard",
    "web:case_list": {"*": "intake#cases", "creditor": "creditor#cases"},
    "web:case_detail": {
        "*": "collector#case-page",
        "intake_agent": "intake#case-page",
        "lawyer": "lawyer#case-page",
        "mediator": "mediator#case-page",
        "compliance": "compliance#case-page",
        "creditor": "creditor#cases",
    },
    "web:case_new": {"*": "intake#web-form", "creditor": "creditor#submit"},
    "web:hotline": "intake#hotline",
    "web:hotline_case": "intake#hotline",
    "web:import_new": {"*": "intake#import", "creditor": "creditor#submit"},
    "web:import_detail": {"*": "intake#import-result", "creditor": "creditor#submit"},
    "web:aging": "manager#aging",
    "web:calc_index": "lawyer#calculators",
    "web:calc_page": "lawyer#calculators",
    "reports:prices": "creditor#prices",
    "reports:feasibility": "lawyer#feasibility",
    "reports:agreement": {"*": "lawyer#fee-agreement", "creditor": "creditor#sign-agreement"},
    "strategy:dashboard": "lawyer#strategy",
    "strategy:playbook_edit": "lawyer#strategy",
    "payments:statement": {"*": "manager#money", "creditor": "creditor#statements"},
    "payments:remittances": "manager#money",
    "payments:reconciliation": "manager#money",
    "contact:compliance": "compliance#contact-report",
    "contact:policies": "compliance#policies",
    "contact:policy_edit": "compliance#policies",
    "contact:holds": "compliance#holds",
    "desk:day_plan": "collector#day-plan",
    "contact:followups": "collector#followups",
    "scoring:queue": "collector-desk#queue",
    "scoring:debtor_profile": "collector#debtor-profile",
    "scoring:experiment": "manager#experiment",
    "scoring:models": "manager#models",
    "scoring:model": "manager#models",
    "netting:round_list": {"*": "lawyer#netting", "creditor": "creditor#netting"},
    "netting:round_detail": {"*": "lawyer#netting", "creditor": "creditor#netting"},
    "litigation:calendar": "lawyer#deadlines",
    # h23f: the consortium
    "consortium:members": "lawyer#consortium",
    "consortium:case_answers": "lawyer#consortium",
    "consortium:given": "lawyer#consortium",
    "portal:open": "debtor#open",
    "portal:verify": "debtor#open",
    "portal:home": "debtor#claim",
    "portal:plan": "debtor#plan",
    "portal:pay": "debtor-pay#transfer",
    "portal:dispute": "debtor#dispute",
    "portal:contact": "debtor#contact-preferences",
    "portal:privacy": "debtor#privacy",
    # h24m: the pages that shipped after the guide's first edition
    "desk:case_call": "collector-desk#call",
    "desk:call_record": "collector-desk#call",
    "desk:case_message": "collector-desk#messages",
    "desk:party_email": "collector-desk#messages",
    "desk:case_statement": "collector-desk#messages",
    "outbox:list": "debtor-pay#demo-outbox",
    "kpis:dashboard": "kpi#dashboard",
    "kpis:drill": "kpi#drill",
    "kpis:export": "kpi#export",
    "kpis:creditor_reports": "kpi#creditor-report",
    "kpis:creditor_report_pdf": "kpi#creditor-report",
    "mediation:roster": "mediation#roster",
    "mediation:figures": "mediation#figures",
    "mediation:case": {"*": "mediation#case", "community_mediator": "mediation#community"},
    "mediation:request": "mediation#case",
    "mediation:assign": "mediation#match",
    "mediation:debtor_profile": "mediation#match",
    "mediation:session_add": "mediation#sessions",
    "mediation:proposal_add": "mediation#proposals",
    "mediation:proposal_accept": "mediation#proposals",
    "mediation:agreement_draft": "mediation#agreement",
    "mediation:sign_code": "mediation#agreement",
    "mediation:sign_party": "mediation#agreement",
    "mediation:sign_mediator": "mediation#agreement",
    "mediation:agreement_download": "mediation#agreement",
    "mediation:confirmation_file": "mediation#confirmation",
    "mediation:ruling": "mediation#confirmation",
    "mediation:fail": "mediation#failure",
    "account:security": "account#security",
    "account:password_change": "account#password",
    "account:password_reset": "account#password-reset",
    "account:password_reset_done": "account#password-reset",
    "account:password_reset_confirm": "account#password-reset",
    "account:password_reset_complete": "account#password-reset",
    "account:twofactor_enrol": "account#two-factor",
    "account:twofactor_verify": "account#two-factor",
    "account:twofactor_backup": "account#backup-codes",
    "account:twofactor_disable": "account#two-factor",
}

#: The guide for each role, where a page has no line of its own.
ROLE_PAGES: dict[str, str] = {
    "intake_agent": "intake",
    "collector": "collector",
    "lawyer": "lawyer",
    "mediator": "mediator",
    "compliance": "compliance",
    "admin": "admin/index",
    "creditor": "creditor",
    "community_mediator": "mediation",
}

#: The guide's languages: Django's language code → the site's prefix (Chinese at the root).
LANGUAGE_PREFIX: dict[str, str] = {"zh-hans": "", "en": "en/"}


def help_target(view_name: str | None, role: str | None) -> Target:
    """The guide page and section for a page (``"intake#hotline"``)."""
    entry = HELP.get(view_name or "")
    if isinstance(entry, dict):
        return entry.get(role or "", entry["*"])
    if entry is not None:
        return entry
    return ROLE_PAGES.get(role or "", "index")


def help_href(base: str, target: Target, language: str | None) -> str:
    """The URL of a target in the built site: ``/guide/en/intake/#hotline``."""
    page, _, anchor = target.partition("#")
    prefix = LANGUAGE_PREFIX.get(language or "", "")
    path = "" if page == "index" else f"{page.removesuffix('/index')}/"
    return f"{base.rstrip('/')}/{prefix}{path}" + (f"#{anchor}" if anchor else "")


def all_targets() -> set[Target]:
    """Every target the product may link to (the test checks each exists)."""
    out: set[Target] = set(ROLE_PAGES.values()) | {"index"}
    for entry in HELP.values():
        out |= set(entry.values()) if isinstance(entry, dict) else {entry}
    return out
