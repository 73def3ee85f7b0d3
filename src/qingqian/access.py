"""Who may use each route and API operation: one table, enforced before any view runs.

Every HTML route (by its URL name) and every API operation (by method and OpenAPI path) is
declared here as one of:

* a :class:`~qingqian.accounts.roles.Perm`: a signed-in user of an organisation whose role
  has that permission (``accounts.roles.PERMISSIONS``). Scope (organisation, creditor,
  assignment) is still applied by the view through ``cases.selectors``;
* :class:`Public`: anyone, with the reason it is safe (the price page, the log's proofs);
* :class:`Credential`: authenticated by something other than a staff login (the debtor's
  one-time link and code, a provider's signed webhook, a witness's signature), which the view
  itself checks.

``qingqian.web.middleware.RouteAccessMiddleware`` enforces the table on every request: an
undeclared route is refused (fail closed), a signed-out visitor is sent to log in (HTML) or
answered 401 (API), and a role without the permission gets 403 with the permission named in
words. ``tests/web/test_route_access.py`` walks the URL resolver and the OpenAPI schema, so a
new route without a line here fails the suite, and checks every role against every line.

Pure: no Django (the middleware and tests bring that).
"""

from __future__ import annotations

from dataclasses import dataclass

from qingqian.accounts.roles import Perm


@dataclass(frozen=True, slots=True)
class Public:
    """Anyone, signed in or not."""

    reason: str


@dataclass(frozen=True, slots=True)
class Credential:
    """Not a staff login: the view checks its own credential (named here)."""

    credential: str


Access = Perm | Public | Credential

_PORTAL = Credential("the debtor's one-time link, bound to a browser session, then a code")
_OWN = Credential("a signed-in session, any role: one's own account (the view needs the login)")
_LOG = Public("the log proves order and integrity; anyone may check it")
# h23f: another consortium member's message, signed under its key in the adopted member list
_MEMBER = Credential("a consortium member's Ed25519-signed message (the adopted member list)")

#: HTML routes by URL name (``namespace:name``).
ROUTES: dict[str, Access] = {
    # sign-in, language, the public pages
    "login": Public("the sign-in page"),
    "logout": Public("signing out"),
    "set_language": Public("the language switch"),
    "reports:prices": Public("published prices (明码标价)"),
    "tlog:checkpoint": _LOG,
    "tlog:key_announcements": _LOG,
    "tlog:tile": _LOG,
    # operations (docs/operations.md): probes say only ok or which dependency failed
    "healthz": Public("liveness probe: says only that the process answers"),
    "readyz": Public("readiness probe: says only which dependency, if any, is unreachable"),
    "metrics": Credential(
        "a scraper's bearer token (QINGQIAN_METRICS_TOKEN) or, with none "
        "set, an address in QINGQIAN_METRICS_ALLOW"
    ),
    # the debtor's portal
    "portal:open": _PORTAL,
    "portal:verify": _PORTAL,
    "portal:home": _PORTAL,
    "portal:dispute": _PORTAL,
    "portal:plan": _PORTAL,
    "portal:contact": _PORTAL,
    "portal:privacy": _PORTAL,
    "portal:pay": _PORTAL,
    # the case book
    "web:dashboard": Perm.CASE_VIEW,
    "web:case_list": Perm.CASE_VIEW,
    "web:case_detail": Perm.CASE_VIEW,
    "web:case_transition": Perm.CASE_TRANSITION,
    "web:case_assign": Perm.CASE_ASSIGN,
    "web:party_reveal": Perm.PARTY_REVEAL,
    "web:case_new": Perm.CASE_CREATE,
    "web:hotline": Perm.HOTLINE_USE,
    "web:hotline_case": Perm.HOTLINE_USE,
    "web:import_new": Perm.IMPORT_RUN,
    "web:import_detail": Perm.IMPORT_RUN,
    "web:import_errors_csv": Perm.IMPORT_RUN,
    "web:aging": Perm.REPORT_VIEW,
    "web:calc_index": Perm.CASE_VIEW,
    "web:calc_page": Perm.CASE_VIEW,
    # evidence
    "evidence:upload": Perm.CASE_VIEW,
    "evidence:version_new": Perm.CASE_VIEW,
    "evidence:download": Perm.CASE_VIEW,
    "evidence:package": Perm.CASE_VIEW,
    # feasibility, fees, agreements
    "reports:feasibility": Perm.REPORT_VIEW,
    "reports:feasibility_pdf": Perm.REPORT_VIEW,
    "reports:feasibility_regenerate": Perm.REPORT_REGENERATE,
    "reports:feasibility_decide": Perm.REPORT_DECIDE,
    "reports:agreement": Perm.CASE_VIEW,
    "reports:agreement_draft": Perm.AGREEMENT_DRAFT,
    "reports:agreement_send": Perm.AGREEMENT_DRAFT,
    "reports:agreement_code": Perm.AGREEMENT_SIGN,
    "reports:agreement_sign": Perm.AGREEMENT_SIGN,
    "reports:agreement_download": Perm.CASE_VIEW,
    # strategy
    "strategy:dashboard": Perm.STRATEGY_VIEW,
    "strategy:playbook_edit": Perm.STRATEGY_EDIT,
    "strategy:followups": Perm.STRATEGY_VIEW,
    "strategy:followup_save": Perm.STRATEGY_EDIT,
    "strategy:followup_letter": Perm.STRATEGY_VIEW,
    # negotiation
    "negotiation:plan_preview": Perm.CASE_TRANSITION,
    "negotiation:plan_propose": Perm.CASE_TRANSITION,
    "negotiation:plan_accept": Perm.CASE_TRANSITION,
    "negotiation:promise_add": Perm.CASE_TRANSITION,
    "negotiation:offer_add": Perm.CASE_TRANSITION,
    "portal_staff:link_send": Perm.CONTACT_WORK,
    # money
    "payments:record": Perm.CASE_TRANSITION,
    "payments:charge": Perm.CASE_TRANSITION,
    "payments:reverse": Perm.CASE_TRANSITION,
    "payments:statement": Perm.CASE_VIEW,
    "payments:remittances": Perm.MONEY_MANAGE,
    "payments:reconciliation": Perm.MONEY_MANAGE,
    # contact
    "contact:compliance": Perm.AUDIT_VIEW,
    "contact:policies": Perm.CONTACT_VIEW,
    "contact:policy_edit": Perm.CONTACT_VIEW,
    "contact:holds": Perm.CONTACT_VIEW,
    "desk:day_plan": Perm.CONTACT_VIEW,
    "contact:hold_lift": Perm.CONTACT_HOLD_LIFT,
    "contact:case_hold_place": Perm.CONTACT_HOLD,
    "contact:case_unreachable_flag": Perm.CONTACT_FLAG,
    "contact:unreachable_clear": Perm.CONTACT_FLAG,
    "contact:case_notes": Perm.CONTACT_VIEW,
    "contact:followups": Perm.CONTACT_VIEW,
    "contact:followup_close": Perm.CONTACT_VIEW,
    # the debt radar
    "scoring:queue": Perm.CASE_VIEW,
    "scoring:threshold": Perm.CASE_ASSIGN,
    "scoring:experiment": Perm.STRATEGY_VIEW,  # firm staff only, never creditor users
    "scoring:experiment_settings": Perm.CASE_ASSIGN,
    "scoring:models": Perm.REPORT_VIEW,
    "scoring:model": Perm.REPORT_VIEW,
    "scoring:debtor_profile": Perm.CASE_VIEW,
    # supply-chain clearing (creditor users see and consent for their own firm)
    "netting:round_list": Perm.CASE_VIEW,
    "netting:round_detail": Perm.CASE_VIEW,
    "netting:round_action": Perm.NETTING_MANAGE,
    "netting:participant_action": Perm.CASE_VIEW,
    "netting:notice": Perm.CASE_VIEW,
    # the judicial route (the lawyer works it; everyone who sees the case reads it)
    "litigation:proceeding_add": Perm.LITIGATION_WORK,
    "litigation:proceeding_edit": Perm.LITIGATION_WORK,
    "litigation:hearing_add": Perm.LITIGATION_WORK,
    "litigation:recovery_add": Perm.LITIGATION_WORK,
    "litigation:deadline_done": Perm.LITIGATION_WORK,
    "litigation:clue_add": Perm.LITIGATION_WORK,
    "litigation:clue_reveal": Perm.LITIGATION_WORK,
    "litigation:interruption_add": Perm.CASE_TRANSITION,
    "litigation:document_new": Perm.LITIGATION_WORK,
    "litigation:document_edit": Perm.LITIGATION_WORK,
    "litigation:document_final": Perm.LITIGATION_WORK,
    "litigation:document_download": Perm.LITIGATION_WORK,
    "litigation:bundle": Perm.LITIGATION_WORK,
    "litigation:calendar": Perm.CASE_VIEW,
    "litigation:feed_rotate": Perm.CASE_VIEW,
    "litigation:feed": Credential(
        "the calendar feed's secret token in the URL (only its hash is kept)"
    ),
    # h20: performance figures (scope applied by kpis.selectors; people rows by kpi.team)
    "kpis:dashboard": Perm.KPI_VIEW,
    "kpis:drill": Perm.KPI_VIEW,
    "kpis:export": Perm.KPI_VIEW,
    "kpis:creditor_reports": Perm.KPI_VIEW,
    "kpis:creditor_report_pdf": Perm.KPI_VIEW,
    # h18: mediation
    "mediation:case": Perm.CASE_VIEW,
    "mediation:request": Perm.MEDIATION_WORK,
    "mediation:assign": Perm.MEDIATION_WORK,
    "mediation:debtor_profile": Perm.MEDIATION_WORK,
    "mediation:session_add": Perm.MEDIATION_WORK,
    "mediation:proposal_add": Perm.MEDIATION_WORK,
    "mediation:proposal_accept": Perm.MEDIATION_WORK,
    "mediation:agreement_draft": Perm.MEDIATION_WORK,
    "mediation:sign_code": Perm.MEDIATION_WORK,
    "mediation:sign_party": Perm.MEDIATION_WORK,
    "mediation:sign_mediator": Perm.MEDIATION_WORK,
    "mediation:agreement_download": Perm.CASE_VIEW,
    "mediation:confirmation_file": Perm.MEDIATION_WORK,
    "mediation:ruling": Perm.MEDIATION_WORK,
    "mediation:fail": Perm.MEDIATION_WORK,
    "mediation:roster": Perm.CASE_VIEW,
    "mediation:figures": Perm.REPORT_VIEW,
    # h19d: netting firm picker, ledger import mapping and template
    "netting:firm_search": Perm.NETTING_MANAGE,
    "web:import_columns": Perm.IMPORT_RUN,
    "web:import_template": Perm.IMPORT_RUN,
    # h19a: the collector's contact actions on a debtor
    "desk:case_call": Perm.CONTACT_WORK,
    "desk:call_record": Perm.CONTACT_WORK,
    "desk:case_message": Perm.CONTACT_WORK,
    "desk:party_email": Perm.CONTACT_WORK,
    "desk:case_statement": Perm.CONTACT_WORK,
    # h19b: the demo outbox (staff; 404 outside the demo), the creditor's desk
    "outbox:list": Perm.CONTACT_VIEW,
    "creditors:contacts": Perm.CASE_VIEW,  # one's own addresses for one-time codes
    "creditors:case_message": Perm.CASE_VIEW,  # scope: the case must be visible to the user
    # h24: the user guide (static help pages built by `make docs`; no data)
    "web:guide": Public("the user guide: static help pages"),
    "web:guide_page": Public("the user guide: static help pages"),
    # h15b: one's own account (any signed-in user; the views require the login themselves)
    "account:security": _OWN,
    "account:twofactor_enrol": _OWN,
    "account:twofactor_verify": _OWN,
    "account:twofactor_backup": _OWN,
    "account:twofactor_disable": _OWN,
    "account:password_change": _OWN,
    "account:password_reset": Public("asking for a reset link; the answer never says who exists"),
    "account:password_reset_done": Public("says a link was sent if the address is known"),
    "account:password_reset_confirm": Credential("the e-mailed reset link's expiring token"),
    "account:password_reset_complete": Public("says the password was set"),
    # h19c: the compliance officer (audit trail, regulatory records, incidents)
    "compliance:audit": Perm.AUDIT_VIEW,
    "compliance:audit_export": Perm.AUDIT_VIEW,
    "compliance:records": Perm.REGULATORY_MANAGE,
    "compliance:certificate_set": Perm.REGULATORY_MANAGE,
    "compliance:incidents": Perm.REGULATORY_MANAGE,
    "compliance:incident_close": Perm.REGULATORY_MANAGE,
    # h23v: electronic debt vouchers (scope: the voucher's case must be visible to the user)
    "vouchers:list": Perm.VOUCHER_VIEW,
    "vouchers:detail": Perm.VOUCHER_VIEW,
    "vouchers:pdf": Perm.VOUCHER_VIEW,
    "vouchers:issue": Perm.VOUCHER_ISSUE,
    "vouchers:assign": Perm.VOUCHER_ISSUE,
    "vouchers:notice": Perm.VOUCHER_ISSUE,
    "vouchers:settle": Perm.VOUCHER_ISSUE,
    "vouchers:cancel": Perm.VOUCHER_ISSUE,
    "portal:vouchers": _PORTAL,  # the debtor acknowledges a voucher
    # h23f: the consortium (staff pages; members' signed messages)
    "consortium:members": Perm.CONSORTIUM_VIEW,
    "consortium:case_answers": Perm.CONSORTIUM_VIEW,
    "consortium:case_ask": Perm.CONSORTIUM_ASK,
    "consortium:given": Perm.CONSORTIUM_MANAGE,
    "consortium:given_withdraw": Perm.CONSORTIUM_MANAGE,
    "consortium:wire_psi": _MEMBER,
    "consortium:wire_facts": _MEMBER,
    "consortium:wire_withdrawals": _MEMBER,
    # h23r: consortium netting rounds; a participant's pages are for its firm's users (the
    # view checks the firm: its creditor user or staff who run netting rounds)
    "consortium:netting_list": Perm.CASE_VIEW,
    "consortium:netting_detail": Perm.CASE_VIEW,
    "consortium:netting_submit": Perm.CASE_VIEW,
    "consortium:netting_decide": Perm.CASE_VIEW,
    "consortium:netting_open": Perm.CONSORTIUM_NETTING,
    "consortium:netting_run": Perm.CONSORTIUM_NETTING,
    "consortium:wire_netting_invite": _MEMBER,
    "consortium:wire_netting_submit": _MEMBER,
    "consortium:wire_netting_result": _MEMBER,
    "consortium:wire_netting_decision": _MEMBER,
    "consortium:wire_netting_final": _MEMBER,
}

#: The API's own description (not operations of the schema).
API_DOCUMENTS: dict[str, Access] = {
    "api:openapi-json": Public("the OpenAPI description of the API"),
    "api:openapi-view": Public("the API's interactive documentation"),
}

#: API operations by ``"METHOD /api/v1/path/{param}"`` as the OpenAPI schema writes them.
API: dict[str, Access] = {
    "GET /api/v1/me": Perm.CASE_VIEW,
    "GET /api/v1/cases": Perm.CASE_VIEW,
    "POST /api/v1/cases": Perm.CASE_CREATE,
    "GET /api/v1/cases/{case_id}": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/transition": Perm.CASE_TRANSITION,
    "POST /api/v1/cases/{case_id}/assign": Perm.CASE_ASSIGN,
    "GET /api/v1/aging": Perm.REPORT_VIEW,
    "POST /api/v1/imports": Perm.IMPORT_RUN,
    "POST /api/v1/parties/{party_id}/reveal": Perm.PARTY_REVEAL,
    "POST /api/v1/calc/{name}": Perm.CASE_VIEW,
    "GET /api/v1/ledger/checkpoint": _LOG,
    "GET /api/v1/ledger/entries/{index}": _LOG,
    "GET /api/v1/ledger/proofs/inclusion": _LOG,
    "GET /api/v1/ledger/proofs/consistency": _LOG,
    "GET /api/v1/ledger/checkpoints/{size}/timestamps": _LOG,
    "GET /api/v1/ledger/checkpoints/{size}/timestamp.tsr": _LOG,
    "POST /api/v1/ledger/cosignatures": Credential("a configured witness's signature"),
    "POST /api/v1/netting/solve": Perm.CASE_VIEW,
    "POST /api/v1/payments/wechatpay/notify": Credential("WeChat Pay's signed notification"),
    "POST /api/v1/payments/cases/{case_id}/payments": Perm.CASE_TRANSITION,
    "GET /api/v1/payments/cases/{case_id}/transfer-instructions": Perm.CASE_VIEW,
    "POST /api/v1/contact/authorize": Perm.CONTACT_WORK,
    "POST /api/v1/contact/attempts/{attempt_id}/outcome": Perm.CONTACT_WORK,
    "POST /api/v1/contact/holds": Perm.CONTACT_HOLD,
    "POST /api/v1/contact/holds/{hold_id}/lift": Perm.CONTACT_HOLD_LIFT,
    "POST /api/v1/contact/calls/{attempt_id}/events": Credential(
        "the robot-call provider's HMAC-signed webhook"
    ),
    "GET /api/v1/cases/{case_id}/evidence": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/evidence": Perm.CASE_VIEW,
    "GET /api/v1/cases/{case_id}/evidence/package": Perm.CASE_VIEW,
    "GET /api/v1/cases/{case_id}/evidence/{item_id}/versions/{number}": Perm.CASE_VIEW,
    "GET /api/v1/cases/{case_id}/promises": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/promises": Perm.CASE_TRANSITION,
    "GET /api/v1/cases/{case_id}/plans": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/plans": Perm.CASE_TRANSITION,
    "POST /api/v1/cases/{case_id}/plans/{version_id}/accept": Perm.CASE_TRANSITION,
    "GET /api/v1/cases/{case_id}/proceedings": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/proceedings": Perm.LITIGATION_WORK,
    "PATCH /api/v1/cases/{case_id}/proceedings/{proceeding_id}": Perm.LITIGATION_WORK,
    "GET /api/v1/cases/{case_id}/deadlines": Perm.CASE_VIEW,
    "GET /api/v1/cases/{case_id}/asset-clues": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/asset-clues": Perm.LITIGATION_WORK,
    "GET /api/v1/cases/{case_id}/documents": Perm.CASE_VIEW,
    # h20: performance figures
    "GET /api/v1/reports/kpis": Perm.KPI_VIEW,
    # h18: mediation
    "GET /api/v1/cases/{case_id}/mediation/match": Perm.CASE_VIEW,
    "GET /api/v1/cases/{case_id}/mediations": Perm.CASE_VIEW,
    "POST /api/v1/cases/{case_id}/mediations": Perm.MEDIATION_WORK,
    # h23v: electronic debt vouchers
    "GET /api/v1/vouchers": Perm.VOUCHER_VIEW,
    "GET /api/v1/vouchers/{voucher_id}": Perm.VOUCHER_VIEW,
    "GET /api/v1/vouchers/{voucher_id}/pdf": Perm.VOUCHER_VIEW,
    "POST /api/v1/cases/{case_id}/vouchers": Perm.VOUCHER_ISSUE,
    "POST /api/v1/vouchers/{voucher_id}/assign": Perm.VOUCHER_ISSUE,
    "POST /api/v1/vouchers/{voucher_id}/notice": Perm.VOUCHER_ISSUE,
    "POST /api/v1/vouchers/{voucher_id}/settle": Perm.VOUCHER_ISSUE,
    "POST /api/v1/vouchers/{voucher_id}/cancel": Perm.VOUCHER_ISSUE,
}


def api_key(method: str, path: str) -> str:
    """The :data:`API` key of a request: ``"POST /api/v1/cases/{case_id}/plans"``."""
    return f"{method.upper()} {path}"
