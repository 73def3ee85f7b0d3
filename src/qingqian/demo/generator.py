"""Writes the demo organisation, its logins and the planned portfolio (``qingqian load-demo``).

Everything is stored the way the services store it — identifiers validated, encrypted, hashed
and masked by ``party_fields``; case references from ``references_reserve``; a timeline row
for every move and assignment with its log entry; an audit row for every party, login, case,
move, assignment and hotline call — but in bulk, so 2,000 cases load in a few seconds.

The story is dated: a case's ``created_at`` and timeline carry the day it was opened, and its
reference the year it was opened. Audit rows carry the moment they were written (the load),
with ``"source": "demo"`` and the simulated user in ``after``, because the audit trail
records what this system actually did.

Idempotent: if the demo organisation exists, nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Role
from qingqian.audit.services import audit_record_many
from qingqian.cases.lifecycle import OUTCOME_LABELS, Outcome
from qingqian.cases.models import Case, CaseParty, HotlineCall, Invoice, PartyRole, TimelineEvent
from qingqian.cases.services import references_reserve, timeline_events_log
from qingqian.common import clock, crypto
from qingqian.common.bulk import bulk_insert
from qingqian.common.exceptions import ApplicationError
from qingqian.demo import catalogue as cat
from qingqian.demo.compliance import seed_compliance
from qingqian.demo.creditor_desk import seed_creditor_desk
from qingqian.demo.history import seed_history
from qingqian.demo.litigation import seed_litigation
from qingqian.demo.mediation import COMMUNITY_LOGIN, seed_mediation
from qingqian.demo.model import seed_model
from qingqian.demo.plan import BUSINESS_TZ, MIN_CASES, CasePlan, Portfolio, plan_portfolio
from qingqian.demo.twofactor import seed_twofactor
from qingqian.demo.vouchers import seed_vouchers
from qingqian.parties.identifiers import mask, normalise_phone
from qingqian.parties.models import Party
from qingqian.parties.services import party_fields

MAX_CASES = 200_000
BATCH = 2000


class DemoError(ApplicationError):
    status = 400
    code = "demo_error"


@dataclass(frozen=True)
class DemoResult:
    created: bool
    organisation: str
    cases: int
    logins: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "organisation": self.organisation,
            "cases": self.cases,
            "logins": self.logins,
            "password": cat.PASSWORD,
        }


def demo_usernames() -> list[str]:
    """Every login the demo creates."""
    return [
        *(s.username for s in cat.STAFF),
        *(f"creditor-{c.key}" for c in cat.CLIENT_COMPANIES),
        COMMUNITY_LOGIN,  # h18: the community mediator (demo/mediation.py)
    ]


def demo_logins(organisation: Organisation) -> list[dict[str, str]]:
    """The organisation's logins in the order they were created: ``{"username", "role"}``."""
    return [
        {"username": u.username, "role": u.role}
        for u in User.objects.filter(organisation=organisation).order_by("id")
        if u.has_usable_password()  # not the contact robot the strategy's steps act under
    ]


def load_demo(*, cases: int = 2000, seed: int = 7) -> DemoResult:
    """Create the demo organisation, logins and ``cases`` cases once; later calls only report
    what is there (``created`` False). Raises ``DemoError`` on a bad count or when a demo
    username is already taken by someone outside the demo organisation."""
    if not MIN_CASES <= cases <= MAX_CASES:
        raise DemoError(
            f"案件数应在 {MIN_CASES}–{MAX_CASES} 之间：{cases}",
            f"The number of cases must be {MIN_CASES}–{MAX_CASES}: {cases}",
            code="invalid_case_count",
            details={"cases": cases, "min": MIN_CASES, "max": MAX_CASES},
        )
    existing = Organisation.objects.filter(short_code=cat.ORG_CODE).first()
    if existing is not None:
        return DemoResult(
            created=False,
            organisation=existing.name,
            cases=Case.objects.filter(organisation=existing).count(),
            logins=demo_logins(existing),
        )
    taken = sorted(
        User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True)
    )
    if taken:
        raise DemoError(
            f"演示账号的用户名已被占用：{'、'.join(taken)}",
            f"Demo usernames are already taken: {', '.join(taken)}",
            code="username_taken",
            details={"usernames": taken},
        )
    portfolio = plan_portfolio(count=cases, seed=seed, today=clock.today(), now=clock.now())
    with transaction.atomic():
        return _write(portfolio)


# --------------------------------------------------------------------------- writing

#: The tables the portfolio fills in bulk (PostgreSQL plans queries from their statistics).
_FILLED = ("parties_party", "cases_case", "cases_caseparty", "cases_invoice",
           "cases_timelineevent", "compliance_auditevent")  # fmt: skip


def _analyze(*, every_table: bool = False) -> None:
    """On PostgreSQL, gather statistics on the tables just filled. Until autovacuum gets to
    them the planner takes them for empty, and at 100,000 cases the case page and the list
    ran several times slower (benchmarks/load.py, docs/operations.md); the rest of the load
    reads them too. Inside the load's transaction: the statistics commit with the rows."""
    if connection.vendor != "postgresql":
        return
    if every_table:  # the seeds' tables too (plans, payments, …): the case page reads them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    known = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in _FILLED:
            if table in known:
                cursor.execute(f'ANALYZE "{table}"')


def _write(portfolio: Portfolio) -> DemoResult:
    org = Organisation.objects.create(name=cat.ORG_NAME, short_code=cat.ORG_CODE, city=cat.ORG_CITY)
    parties = _write_parties(org, portfolio)
    users = _write_users(org, portfolio, parties)
    case_objs = _write_cases(org, portfolio, parties, users)
    _analyze()
    seed_mediation(org=org, users=users)  # h18: before litigation (failed mediations go to court)
    seed_litigation(org=org, users=users)
    seed_history(org=org, users=users)  # h19d: payments, reports at intake, a netting round
    seed_creditor_desk(org=org, users=users)  # h19b: codes, an agreement to sign, messages
    seed_twofactor(users=users)
    seed_compliance(org=org, users=users)  # h19c: insurance, licence, incidents
    seed_vouchers(org=org, users=users)  # h23v: debt vouchers
    seed_model(org=org)  # h19t: a model trained on the history (live only if it earns it)
    _analyze(every_table=True)
    return DemoResult(
        created=True, organisation=org.name, cases=len(case_objs), logins=demo_logins(org)
    )


def _write_parties(org: Organisation, portfolio: Portfolio) -> list[Party]:
    parties = [
        Party(
            organisation=org,
            city=cat.CITY,
            district=p.district,
            address=p.address,
            is_client=p.is_client,
            **party_fields(
                kind=p.kind,
                name=p.name,
                credit_code=p.credit_code,
                id_number=p.id_number,
                phone=p.phone,
            ),
        )
        for p in portfolio.parties
    ]
    Party.objects.bulk_create(parties, batch_size=BATCH)
    audit_record_many(
        actor=None,
        organisation=org,
        action="party.create",
        object_type="parties.party",
        rows=(
            (p.pk, {"kind": p.kind, "name": p.name, "credit_code": p.credit_code, "source": "demo"})
            for p in parties
        ),
    )
    return parties


def _write_users(org: Organisation, portfolio: Portfolio, parties: list[Party]) -> dict[str, User]:
    today = clock.today()
    users: list[User] = []
    for s in cat.STAFF:
        user = User(
            username=s.username,
            organisation=org,
            role=s.role,
            last_name=s.last_name,
            first_name=s.first_name,
            is_staff=s.role == Role.ADMIN,
            is_superuser=s.role == Role.ADMIN,
        )
        if s.cert:
            serial = len(users) + 1
            user.cert_number = f"SZTJ-{today.year - 1}-{serial:04d}"
            user.cert_issuer = cat.CERT_ISSUER
            user.cert_expires = (
                today + dt.timedelta(days=540)
                if s.cert == "valid"
                else today - dt.timedelta(days=45)
            )
        users.append(user)
    for company in cat.CLIENT_COMPANIES:
        username = f"creditor-{company.key}"
        users.append(
            User(
                username=username,
                organisation=org,
                role=Role.CREDITOR,
                creditor=parties[portfolio.creditor_logins[username]],
                last_name=company.contact[0],
                first_name=company.contact[1],
            )
        )
    # One PBKDF2 hash (~0.4 s) serves every login: the password is the same, published one.
    users[0].set_password(cat.PASSWORD)
    for user in users[1:]:
        user.password = users[0].password
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.filter(organisation=org)}
    audit_record_many(
        actor=None,
        organisation=org,
        action="user.create",
        object_type="accounts.user",
        rows=(
            (u.pk, {"username": u.username, "role": u.role, "source": "demo"})
            for u in by_name.values()
        ),
    )
    return by_name


def _write_cases(
    org: Organisation, portfolio: Portfolio, parties: list[Party], users: dict[str, User]
) -> list[Case]:
    plans = portfolio.cases
    # References follow the year each case was opened, in the order they were opened.
    per_year: dict[int, int] = defaultdict(int)
    for plan in plans:
        per_year[plan.opened_at.astimezone(BUSINESS_TZ).year] += 1
    refs: list[str] = []
    for year in sorted(per_year):
        refs += references_reserve(organisation=org, count=per_year[year], year=year)

    cases = [
        Case(
            organisation=org,
            reference=ref,
            creditor=parties[p.creditor],
            debt_type=p.debt_type,
            principal=p.principal,
            outstanding=p.outstanding,
            currency="CNY",
            interest_rate=p.interest_rate,
            interest_terms=p.interest_terms,
            contract_date=p.contract_date,
            funds_transfer_date=p.funds_transfer_date,
            due_date=p.due_date,
            last_payment_date=p.last_payment_date,
            channel=p.channel,
            summary=p.summary,
            handler=users[p.handler] if p.handler else None,
            state=p.state,
            outcome=p.outcome,
            debtor_name=p.debtor_name,
            oldest_due_date=p.oldest_due_date,
        )
        for p, ref in zip(plans, refs, strict=True)
    ]
    Case.objects.bulk_create(cases, batch_size=BATCH)
    # ``auto_now_add`` stamped the load time; the story's dates are the opening and last move.
    _backdate(cases, plans)

    bulk_insert(
        CaseParty,
        ("case", "party", "role"),
        (
            (case.pk, parties[index].pk, role)
            for case, plan in zip(cases, plans, strict=True)
            for role, indexes in (
                (PartyRole.DEBTOR, plan.debtors),
                (PartyRole.GUARANTOR, plan.guarantors),
            )
            for index in indexes
        ),
    )
    bulk_insert(
        Invoice,
        (
            "case",
            "creditor",
            "number",
            "amount",
            "outstanding",
            "issue_date",
            "due_date",
            "note",
            "created_at",
        ),
        (
            (
                case.pk,
                case.creditor_id,
                i.number,
                i.amount,
                i.outstanding,
                i.issue_date,
                i.due_date,
                i.note,
                plan.opened_at,
            )
            for case, plan in zip(cases, plans, strict=True)
            for i in plan.invoices
        ),
    )
    events = _write_timeline(cases, plans, users)
    _write_hotline_calls(org, cases, plans, users)
    _audit_cases(org, cases, plans, events)
    return cases


def _backdate(cases: list[Case], plans: list[CasePlan]) -> None:
    """Set ``created_at``/``updated_at`` to the day opened and the last move (one statement
    per row through ``executemany``: ``bulk_update`` builds a slow CASE per column)."""
    field = Case._meta.get_field("created_at")
    ops = connection.ops
    sql = (
        f"UPDATE {ops.quote_name(Case._meta.db_table)} SET {ops.quote_name('created_at')} = %s, "  # noqa: S608 (quoted model metadata)
        f"{ops.quote_name('updated_at')} = %s WHERE {ops.quote_name('id')} = %s"
    )
    rows = [
        (
            field.get_db_prep_value(plan.opened_at, connection),
            field.get_db_prep_value(plan.updated_at, connection),
            case.pk,
        )
        for case, plan in zip(cases, plans, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _note(kind: str, outcome: str, note: str) -> str:
    if kind == "state_changed" and outcome:
        zh, _en = OUTCOME_LABELS[Outcome(outcome)]
        return f"结案结果：{zh}"
    return note


def _write_timeline(
    cases: list[Case], plans: list[CasePlan], users: dict[str, User]
) -> list[TimelineEvent]:
    events = [
        TimelineEvent(
            case=case,
            at=e.at,
            actor=users[e.actor] if e.actor else None,
            kind=e.kind,
            from_state=e.from_state,
            to_state=e.to_state,
            note=_note(e.kind, e.outcome, e.note),
        )
        for case, plan in zip(cases, plans, strict=True)
        for e in plan.events
    ]
    TimelineEvent.objects.bulk_create(events, batch_size=BATCH)
    timeline_events_log(events)
    return events


def _write_hotline_calls(
    org: Organisation, cases: list[Case], plans: list[CasePlan], users: dict[str, User]
) -> None:
    calls = []
    for case, plan in zip(cases, plans, strict=True):
        if plan.hotline is None:
            continue
        h = plan.hotline
        e164 = normalise_phone(h.phone)
        calls.append(
            HotlineCall(
                organisation=org,
                agent=users["intake"],
                caller_name=h.caller_name[:100],
                callback_phone_enc=crypto.encrypt(e164),
                callback_phone_hash=crypto.lookup_hash(e164),
                callback_phone_masked=mask(e164, 6, 2),
                summary=h.summary,
                consent_to_record=h.consent_to_record,
                received_at=h.received_at,
                case=case,
            )
        )
    HotlineCall.objects.bulk_create(calls, batch_size=BATCH)
    audit_record_many(
        actor=None,
        organisation=org,
        action="hotline.record",
        object_type="cases.hotlinecall",
        rows=(
            (
                c.pk,
                {
                    "caller": c.caller_name,
                    "consent_to_record": c.consent_to_record,
                    "by": "intake",
                    "source": "demo",
                },
            )
            for c in calls
        ),
    )


def _audit_cases(
    org: Organisation, cases: list[Case], plans: list[CasePlan], events: list[TimelineEvent]
) -> None:
    audit_record_many(
        actor=None,
        organisation=org,
        action="case.open",
        object_type="cases.case",
        rows=(
            (
                case.pk,
                {
                    "reference": case.reference,
                    "state": "intake",
                    "principal": str(case.principal),
                    "channel": case.channel,
                    "at": plan.opened_at.isoformat(),
                    "by": plan.events[0].actor,
                    "source": "demo",
                },
            )
            for case, plan in zip(cases, plans, strict=True)
        ),
    )
    moves: list[tuple[Any, dict[str, Any] | None]] = []
    assignments: list[tuple[Any, dict[str, Any] | None]] = []
    for e in events:
        case = e.case
        common = {
            "reference": case.reference,
            "at": e.at.isoformat(),
            "by": e.actor.get_username() if e.actor else None,
            "source": "demo",
        }
        if e.kind == "state_changed":
            outcome = case.outcome if e.to_state == "closed" else ""
            moves.append(
                (case.pk, common | {"from": e.from_state, "to": e.to_state, "outcome": outcome})
            )
        elif e.kind == "assigned":
            assignments.append((case.pk, common | {"handler": e.note}))
    for action, rows in (("case.transition", moves), ("case.assign", assignments)):
        audit_record_many(
            actor=None,
            organisation=org,
            action=action,
            object_type="cases.case",
            rows=rows,
        )
