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
    "strategy:followups": "lawyer#followups",
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
    # the pages the guide's audit found without a section of their own (h24)
    "web:import_columns": "intake#import-columns",
    "creditors:contacts": "creditor#contacts",
    "compliance:audit": "compliance#audit",
    "compliance:records": "compliance#records",
    "compliance:incidents": "compliance#incidents",
    "vouchers:list": {"*": "lawyer#vouchers", "creditor": "creditor#vouchers"},
    "vouchers:detail": {"*": "lawyer#vouchers", "creditor": "creditor#vouchers"},
    "portal:vouchers": "debtor#vouchers",
    "consortium:netting_list": {"*": "lawyer#consortium-netting", "creditor": "creditor#netting"},
    "consortium:netting_detail": {
        "*": "lawyer#consortium-netting",
        "creditor": "creditor#netting",
    },
}

#: Routes that are not pages a person reads, so carry no help link of their own: each
#: answers with a redirect back to its page (a form's action), a file, a fragment of another
#: page, or is for machines. ``tests/guide/test_help_links.py`` checks that every route of
#: ``qingqian.access.ROUTES`` is here or in ``HELP``, never both, so a new page needs a line.
_ACTION = "a form's action: redirects to (or re-renders) the page it was sent from"
_FILE = "a download (PDF, Word, spreadsheet, CSV, calendar feed)"
_MACHINE = "for machines: probes, metrics, the log's proofs, signed messages between firms"
NOT_PAGES: dict[str, str] = {
    "logout": _ACTION,
    "set_language": _ACTION,
    "web:guide": "the guide itself",
    "web:guide_page": "the guide itself",
    "tlog:checkpoint": _MACHINE,
    "tlog:key_announcements": _MACHINE,
    "tlog:tile": _MACHINE,
    "healthz": _MACHINE,
    "readyz": _MACHINE,
    "metrics": _MACHINE,
    "web:case_transition": _ACTION,
    "strategy:followup_save": _ACTION,
    "strategy:followup_letter": _FILE,
    "web:case_assign": _ACTION,
    "web:party_reveal": "a fragment of the case page (the identifier in clear)",
    "web:import_errors_csv": _FILE,
    "web:import_template": _FILE,
    "evidence:upload": _ACTION,
    "evidence:version_new": _ACTION,
    "evidence:download": _FILE,
    "evidence:package": _FILE,
    "reports:feasibility_pdf": _FILE,
    "reports:feasibility_regenerate": _ACTION,
    "reports:feasibility_decide": _ACTION,
    "reports:agreement_draft": _ACTION,
    "reports:agreement_send": _ACTION,
    "reports:agreement_code": _ACTION,
    "reports:agreement_sign": _ACTION,
    "reports:agreement_download": _FILE,
    "negotiation:plan_preview": "a fragment of the case page (the plan's installments)",
    "negotiation:plan_propose": _ACTION,
    "negotiation:plan_accept": _ACTION,
    "negotiation:promise_add": _ACTION,
    "negotiation:offer_add": _ACTION,
    "portal_staff:link_send": _ACTION,
    "payments:record": _ACTION,
    "payments:charge": _ACTION,
    "payments:reverse": _ACTION,
    "contact:hold_lift": _ACTION,
    "contact:case_hold_place": _ACTION,
    "contact:case_unreachable_flag": _ACTION,
    "contact:unreachable_clear": _ACTION,
    "contact:case_notes": _ACTION,
    "contact:followup_close": _ACTION,
    "scoring:threshold": _ACTION,
    "scoring:experiment_settings": _ACTION,
    "netting:round_action": _ACTION,
    "netting:participant_action": _ACTION,
    "netting:notice": _FILE,
    "netting:firm_search": "a fragment of the netting page (firms found by name or code)",
    "litigation:proceeding_add": _ACTION,
    "litigation:proceeding_edit": _ACTION,
    "litigation:hearing_add": _ACTION,
    "litigation:recovery_add": _ACTION,
    "litigation:deadline_done": _ACTION,
    "litigation:clue_add": _ACTION,
    "litigation:clue_reveal": _ACTION,
    "litigation:interruption_add": _ACTION,
    "litigation:document_new": _ACTION,
    "litigation:document_edit": _ACTION,
    "litigation:document_final": _ACTION,
    "litigation:document_download": _FILE,
    "litigation:bundle": _FILE,
    "litigation:feed_rotate": _ACTION,
    "litigation:feed": _FILE,
    "creditors:case_message": _ACTION,
    "compliance:audit_export": _FILE,
    "compliance:certificate_set": _ACTION,
    "compliance:incident_close": _ACTION,
    "vouchers:pdf": _FILE,
    "vouchers:issue": _ACTION,
    "vouchers:assign": _ACTION,
    "vouchers:notice": _ACTION,
    "vouchers:settle": _ACTION,
    "vouchers:cancel": _ACTION,
    "consortium:case_ask": _ACTION,
    "consortium:given_withdraw": _ACTION,
    "consortium:netting_submit": _ACTION,
    "consortium:netting_decide": _ACTION,
    "consortium:netting_open": _ACTION,
    "consortium:netting_run": _ACTION,
    "consortium:wire_psi": _MACHINE,
    "consortium:wire_facts": _MACHINE,
    "consortium:wire_withdrawals": _MACHINE,
    "consortium:wire_netting_invite": _MACHINE,
    "consortium:wire_netting_submit": _MACHINE,
    "consortium:wire_netting_result": _MACHINE,
    "consortium:wire_netting_decision": _MACHINE,
    "consortium:wire_netting_final": _MACHINE,
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
