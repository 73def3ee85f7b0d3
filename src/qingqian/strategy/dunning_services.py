"""Follow-ups on the database: the schedules stored per organisation, creditor and debtor,
a debtor's open items (invoices, or the installments of an agreed plan), one consolidated
statement across them on the contract's terms, the daily sweep that sends each level as it
falls due, and a manual "send now" of the statement — every message through the contact
gate (``strategy.dunning`` decides; this module reads, stores and sends).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm
from qingqian.audit.services import audit_record
from qingqian.cases.models import Case, CaseParty, Invoice
from qingqian.cases.selectors import cases_visible_to
from qingqian.cases.services import timeline_add
from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, PermissionDenied, ValidationFailed
from qingqian.common.language import in_record_language
from qingqian.parties.models import Party
from qingqian.strategy.dunning import (
    Item,
    Level,
    Schedule,
    Statement,
    Terms,
    default_schedule,
    due_levels,
    items_for,
    load_schedule,
    resolve,
    statement,
)
from qingqian.strategy.models import FollowupSchedule, FollowupSent

INACTIVE = ("closed", "rejected")
#: Where follow-ups run: cases a lawyer accepted and that are not in court or closed.
FOLLOWUP_STATES = ("accepted", "negotiation", "payment_plan")
FOLLOWUP_HOUR = 9  # the sweep's letters and messages are dated 09:00 on their day
#: The level's template → the channel's template and subject.
SUBJECTS = {
    "reminder": "付款提醒 / Payment reminder",
    "statement": "对账单 / Statement",
    "legal_notice": "催款通知 / Demand for payment",
}


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


# --------------------------------------------------------------------------- schedules


def schedule_in_force(
    party: Party, organisation: Organisation, creditor: Party | None
) -> tuple[Schedule, str]:
    """The schedule for the debtor: its own, else its creditor's, else the organisation's
    default, else the standard one; with where it came from (``debtor``, ``creditor``,
    ``organisation``, ``standard``)."""
    match = Q(debtor=party) | Q(creditor__isnull=True, debtor__isnull=True)
    if creditor is not None:
        match |= Q(creditor=creditor)
    found: dict[str, FollowupSchedule] = {}  # at most one row each (the model's constraints)
    for row in FollowupSchedule.objects.filter(match, organisation=organisation):
        if row.debtor_id is not None:
            found["debtor"] = row
        elif row.creditor_id is not None:
            found["creditor"] = row
        else:
            found["organisation"] = row
    parsed = {k: load_schedule(row.data) for k, row in found.items()}
    chosen = resolve(
        debtor=parsed.get("debtor"),
        creditor=parsed.get("creditor"),
        default=parsed.get("organisation"),
    )
    source = next((k for k in ("debtor", "creditor", "organisation") if k in found), "standard")
    return chosen, source


@transaction.atomic
def schedule_save(
    *,
    actor: User,
    data: Any,
    creditor: Party | None = None,
    debtor: Party | None = None,
) -> FollowupSchedule:
    """Store the schedule in force for the organisation (no creditor, no debtor), for one
    creditor, or for one debtor, after the kernel validated it (``StrategyError``)."""
    if not actor.has_perm_code(Perm.STRATEGY_EDIT) or actor.organisation is None:
        raise PermissionDenied(
            "只有律师或管理员可以修改催告计划。",
            "Only a lawyer or an administrator may edit follow-up schedules.",
            code="playbook_forbidden",
        )
    if creditor is not None and debtor is not None:
        raise ValidationFailed(
            "催告计划只能适用于一个债权人或一个债务人。",
            "A schedule applies to one creditor or one debtor, not both.",
            code="schedule_target_invalid",
        )
    schedule = load_schedule(data)
    org = actor.organisation
    before = FollowupSchedule.objects.filter(
        organisation=org, creditor=creditor, debtor=debtor
    ).first()
    row, _ = FollowupSchedule.objects.update_or_create(
        organisation=org,
        creditor=creditor,
        debtor=debtor,
        defaults={"data": schedule.to_dict(), "updated_at": clock.now(), "updated_by": actor},
    )
    audit_record(
        actor=actor,
        organisation=org,
        action="followup_schedule.save",
        obj=row,
        before={"data": before.data} if before else None,
        after={"data": row.data},
    )
    return row


# --------------------------------------------------------------------------- items


def _cases_for(party: Party, cases: QuerySet[Case], creditor: Party | None = None) -> list[Case]:
    """The debtor's open cases among ``cases`` (one creditor's, when given). The debtor's
    links are a semi-join (``IN``), so no ``DISTINCT`` has to compare whole case rows."""
    links = CaseParty.objects.filter(party=party, role="debtor").values("case_id")
    qs = cases.filter(pk__in=links)
    if creditor is not None:
        qs = qs.filter(creditor=creditor)
    qs = qs.exclude(state__in=INACTIVE).select_related("creditor", "organisation")
    return list(qs.order_by("pk"))


def sent_key(ref: str, case: Case) -> str:
    """How a sent level names its item for good: an installment's ref (``#plan-n``) is
    unique already; an invoice's number is qualified by its case's reference."""
    return ref if ref.startswith("#") or "/" in ref else f"{case.reference}/{ref}"


def _items(cases: list[Case]) -> tuple[list[Item], dict[str, Case]]:
    """The open items across ``cases`` and the case each belongs to. An agreed plan's
    installments replace that case's invoices, each with what is left of it as the portal,
    the pay page and breach handling see it (``negotiation.selectors.plan_assess``: cash
    since the agreement's business day, first installment first)."""
    from qingqian.negotiation.models import PlanVersion, VersionState
    from qingqian.negotiation.selectors import plan_assess

    where: dict[str, Case] = {}
    invoices = []
    by_pk = {c.pk: c for c in cases}

    def name(case: Case, number: str) -> str:  # numbers may repeat across cases
        return f"{case.reference}/{number}" if len(cases) > 1 else number

    refs_of: dict[int, list[str]] = {}  # a case's invoices, for a plan that covers them
    for inv in Invoice.objects.filter(case__in=cases).order_by("due_date", "pk"):
        ref = name(by_pk[inv.case_id], inv.number)
        where[ref] = by_pk[inv.case_id]
        refs_of.setdefault(inv.case_id, []).append(ref)
        invoices.append(Item(ref, inv.due_date or inv.issue_date or clock.today(), inv.outstanding))
    installments: list[Item] = []
    covered: list[str] = []
    versions = (
        PlanVersion.objects.filter(plan__active_case__in=cases, state=VersionState.ACTIVE)
        .select_related("plan", "plan__case")
        .prefetch_related("installments")
    )
    for version in versions:
        case_id = version.plan.active_case_id
        if case_id is None:
            continue
        covered += refs_of.get(case_id, [])
        principal = {i.number: i.principal for i in version.installments.all()}
        for status in plan_assess(version).installments:
            ref = f"#{version.plan_id}-{status.number}"
            where[ref] = by_pk[case_id]
            installments.append(
                Item(ref, status.due, status.outstanding, "installment", principal[status.number])
            )
    return items_for(invoices, installments, covered), where


def debtor_items(party: Party, user: User | None) -> tuple[list[Item], str]:
    """Every open item of the debtor across the cases ``user`` may see, and the creditor's
    name (the first case's)."""
    cases = _cases_for(party, cases_visible_to(user))
    items, _ = _items(cases)
    return items, cases[0].creditor.name if cases else ""


def case_terms(cases: list[Case], schedule: Schedule) -> Terms:
    """What the contracts and the law allow across the debtor's cases, conservatively:
    fees only when the schedule says the creditor's contracts provide for them; interest at
    the lowest agreed rate (none agreed: none charged), never above four times the one-year
    LPR at the contract's formation (the lowest such cap across the cases); for private
    loans fees and interest together within that cap."""
    from qingqian.calculators.errors import CalculatorError
    from qingqian.calculators.rates import LprTable

    table = LprTable.default()
    rates = [c.interest_rate / 100 for c in cases if c.interest_rate is not None]
    caps = []
    for c in cases:
        formed = c.funds_transfer_date or c.contract_date or c.due_date or c.oldest_due_date
        try:
            quote = table.quote_on(formed or clock.today())
        except CalculatorError:  # formed before the LPR: the latest quote stands for it
            quote = table.last
        caps.append((quote.one_year * 4 / 100).quantize(Decimal("0.0001")))
    return Terms(
        fees_allowed=schedule.fees_agreed,
        annual_rate=min(rates) if rates else None,
        rate_cap=min(caps) if caps else Terms().rate_cap,
        combined_cap=any(c.debt_type == "private_loan" for c in cases),
    )


@dataclass(frozen=True)
class DebtorFollowup:
    """A debtor's follow-up picture: the schedule in force (and where from), the statement,
    and the case each item belongs to."""

    schedule: Schedule
    source: str
    statement: Statement
    where: dict[str, Case]
    items: list[Item]
    terms: Terms


def debtor_followup(
    party: Party, cases: list[Case], *, today: dt.date | None = None
) -> DebtorFollowup | None:
    if not cases:
        return None
    items, where = _items(cases)
    schedule, source = schedule_in_force(party, cases[0].organisation, cases[0].creditor)
    terms = case_terms(cases, schedule)
    st = statement(party.name, schedule, items, today=today or clock.today(), terms=terms)
    return DebtorFollowup(schedule, source, st, where, items, terms)


def debtor_statement(
    party: Party,
    user: User | None,
    *,
    today: dt.date | None = None,
    creditor: Party | None = None,
) -> Statement:
    """One statement across the debtor's open items (the cases ``user`` may see, of one
    creditor when given), at the levels of the schedule in force, on the contracts' terms."""
    found = debtor_followup(party, _cases_for(party, cases_visible_to(user), creditor), today=today)
    if found is None:
        return statement(
            party.name, default_schedule(), [], today=today or clock.today(), terms=Terms()
        )
    return found.statement


def _context(case: Case, party: Party, st: Statement) -> dict[str, Any]:
    nxt = st.next_due
    return {
        "firm": case.organisation.name,
        "name": party.name,
        "creditor": case.creditor.name,
        "reference": case.reference,
        "on": st.on.isoformat(),
        "lines": [
            {
                "ref": ln.ref,
                "kind": ln.kind,
                "due_on": ln.due_on.isoformat(),
                "outstanding": _fmt(ln.outstanding),
                "fee": _fmt(ln.fee),
                "interest": _fmt(ln.interest),
                "due": ln.due_on <= st.on,
            }
            for ln in st.lines
        ],
        "total": _fmt(st.due_now),
        "amount": _fmt(st.due_now),
        "not_due": _fmt(st.not_due) if st.not_due else "",
        "next_ref": nxt.ref if nxt else "",
        "next_on": nxt.due_on.isoformat() if nxt else "",
        "next_amount": _fmt(nxt.outstanding) if nxt else "",
        "phone": getattr(settings, "QINGQIAN_CONTACT_PHONE", ""),
    }


# --------------------------------------------------------------------------- the sweep


def _send(
    *,
    case: Case,
    party: Party,
    channel: str,
    template: str,
    st: Statement,
    actor: User,
) -> tuple[Any, list[dict[str, Any]], bytes | None]:
    """Ask the gate for ``channel`` and send the level's message on an allowed decision:
    (attempt or None, refusal reasons, the letter's PDF)."""
    from qingqian.contact.channels.base import deliver, render_message
    from qingqian.contact.desk import desk_recipient
    from qingqian.contact.services import contact_attempt_authorize

    to = desk_recipient(party, channel)
    if not to:
        why = {
            "code": "no_recipient",
            "message": "没有登记可用的号码或地址",
            "message_en": "No number or address is on file",
        }
        return None, [why], None
    attempt = contact_attempt_authorize(
        case=case, party=party, channel=channel, actor=actor, number=to
    )
    if not attempt.allowed:
        return attempt, list(attempt.reasons or []), None
    try:
        message = render_message(
            attempt,
            template=template,
            context=_context(case, party, st),
            to=to,
            subject=SUBJECTS.get(template, ""),
        )
        delivery = deliver(attempt, message)
    except ApplicationError as exc:
        return (
            attempt,
            [{"code": exc.code, "message": exc.message_zh, "message_en": exc.message_en}],
            None,
        )
    return attempt, [], delivery.document


def followups_run(
    *,
    organisation: Organisation | None = None,
    today: dt.date | None = None,
    debtors: Collection[int] | None = None,
) -> dict[str, int]:
    """Send each debtor, per creditor, the level each open item has reached under the
    schedule in force and has not had yet (only the highest; a plan's installment not yet
    in reach gets nothing): one consolidated message per level and channel, through the
    gate. Idempotent: a level put to the gate (sent or refused) is not asked again.
    ``debtors`` limits the sweep to those parties (the demo's bounded history)."""
    day = today or clock.today()
    counts = {"debtors": 0, "sent": 0, "refused": 0}
    orgs = [organisation] if organisation else list(Organisation.objects.order_by("pk"))
    for org in orgs:
        cases = Case.objects.filter(organisation=org, state__in=FOLLOWUP_STATES, outstanding__gt=0)
        parties = Party.objects.filter(
            case_roles__case__in=cases, case_roles__role="debtor"
        ).distinct()
        if debtors is not None:
            parties = parties.filter(pk__in=list(debtors))
        for party in parties.order_by("pk"):
            stored = set(
                FollowupSent.objects.filter(debtor=party).values_list("item_ref", "level_key")
            )
            creditors = Party.objects.filter(
                pk__in=cases.filter(case_parties__party=party).values("creditor_id")
            ).order_by("pk")
            for creditor in creditors:  # one statement per debtor and creditor
                done = _sweep_one(org, party, _cases_for(party, cases, creditor), day, stored)
                if done is not None:
                    counts["debtors"] += 1
                    counts["sent"] += done[0]
                    counts["refused"] += done[1]
    return counts


@in_record_language
def _sweep_one(
    org: Organisation,
    party: Party,
    cases: list[Case],
    day: dt.date,
    stored: set[tuple[str, str]],
) -> tuple[int, int] | None:
    """The sweep for one debtor and one creditor's cases: (messages sent, refused), or
    ``None`` when nothing is due."""
    from qingqian.contact.services import contact_system_actor

    found = debtor_followup(party, cases, today=day)
    if found is None:
        return None
    sent = {
        (ref, level) for ref, case in found.where.items()
        for key, level in stored if key == sent_key(ref, case)
    }  # fmt: skip
    due = due_levels(found.schedule, found.items, today=day, sent=sent)
    if not due:
        return None
    actor = contact_system_actor(organisation=org)
    owed = {item.ref: item.outstanding for item in found.items}
    sent_n = refused_n = 0
    for level, refs in _by_level(due):
        case = found.where[refs[0]]
        for channel in level.channels:
            with transaction.atomic():
                attempt, reasons, pdf = _send(
                    case=case,
                    party=party,
                    channel=channel,
                    template=level.template,
                    st=found.statement,
                    actor=actor,
                )
                ok = attempt is not None and attempt.allowed and not reasons
                for ref in refs:
                    try:
                        with transaction.atomic():
                            FollowupSent.objects.create(
                                organisation=org,
                                debtor=party,
                                case=found.where[ref],
                                schedule_key=found.schedule.key,
                                level_key=level.key,
                                offset_days=level.offset_days,
                                item_ref=sent_key(ref, found.where[ref]),
                                channel=channel,
                                allowed=ok,
                                attempt=attempt,
                                reasons=reasons,
                                amount=owed[ref],
                                document=pdf if ref == refs[0] else None,
                                at=clock.now(),
                            )
                    except IntegrityError:  # a run in parallel did it
                        continue
                sent_n += ok
                refused_n += not ok
                timeline_add(
                    case=case,
                    actor=None,
                    kind="followup_sent" if ok else "followup_refused",
                    note=_note(level, channel, refs, found.statement, ok, reasons),
                )
    return sent_n, refused_n


def _by_level(due: list[tuple[Item, Level]]) -> list[tuple[Level, list[str]]]:
    groups: dict[str, tuple[Level, list[str]]] = {}
    for item, level in due:
        groups.setdefault(level.key, (level, []))[1].append(item.ref)
    return list(groups.values())


def _note(
    level: Level,
    channel: str,
    refs: list[str],
    st: Statement,
    ok: bool,
    reasons: list[dict[str, Any]],
) -> str:
    from qingqian.contact.models import CHANNEL_LABELS

    when = level_when(level.offset_days, False)
    what = f"催告（{when}，{'、'.join(refs)}）{CHANNEL_LABELS.get(channel, (channel,))[0]}"
    if ok:
        return f"{what}已发送，应付 {_fmt(st.due_now)} 元"
    why = "；".join(str(r.get("message", r.get("code", ""))) for r in reasons)
    return f"{what}未发送：{why}"


@in_record_language
def dunning_send_now(*, case: Case, party: Party, channel: str, actor: User) -> Any:
    """Send the consolidated statement now ("send now"), by e-mail or letter, on its own
    gate decision (``contact.desk``: refusals are recorded and returned unsent)."""
    from qingqian.contact.channels.base import deliver, render_message
    from qingqian.contact.desk import (
        Sent,
        check_case_party,
        desk_recipient,
        no_recipient,
        require_contact_work,
    )
    from qingqian.contact.services import contact_attempt_authorize

    require_contact_work(actor)
    check_case_party(case, party)
    if channel not in ("email", "letter", "sms"):
        raise ValidationFailed(
            "对账单只能通过短信、电子邮件或信函发送。",
            "A statement goes by SMS, e-mail or letter.",
            code="unknown_channel",
        )
    st = debtor_statement(party, actor, creditor=case.creditor)
    if not st.lines:
        raise ValidationFailed(
            "该债务人没有未结清的款项。", "The debtor owes nothing open.", code="nothing_open"
        )
    to = desk_recipient(party, channel)
    if not to:
        raise no_recipient(channel)
    attempt = contact_attempt_authorize(
        case=case, party=party, channel=channel, actor=actor, number=to
    )
    if not attempt.allowed:
        return Sent(attempt)
    context = _context(case, party, st)
    message = render_message(
        attempt, template="statement", context=context, to=to, subject="对账单 / Statement"
    )
    delivery = deliver(attempt, message)
    timeline_add(
        case=case,
        actor=actor,
        kind="contact_sent",
        note=(
            f"{channel} 对账单（{len(st.lines)} 笔，应付 {_fmt(st.due_now)} 元）"
            f"→ {attempt.number_masked}"
        ),
    )
    return Sent(attempt, delivery.document)


# --------------------------------------------------------------------------- pages

SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "debtor": ("本债务人专用", "this debtor's own"),
    "creditor": ("债权人的计划", "the creditor's"),
    "organisation": ("本所默认", "the firm's default"),
    "standard": ("标准计划", "the standard one"),
}
TEMPLATE_LABELS: dict[str, tuple[str, str]] = {
    "reminder": ("付款提醒", "payment reminder"),
    "statement": ("对账单", "statement"),
    "legal_notice": ("催款通知", "demand for payment"),
}


def _pick(pair: tuple[str, str], en: bool) -> str:
    return pair[1] if en else pair[0]


def level_when(offset: int, en: bool) -> str:
    """A level's day in words: 到期前 7 天 / 到期当天 / 逾期 30 天."""
    if offset < 0:
        return f"{-offset} days before the due date" if en else f"到期前 {-offset} 天"
    if offset == 0:
        return "on the due date" if en else "到期当天"
    return f"{offset} days overdue" if en else f"逾期 {offset} 天"


def channel_words(channels: Any, en: bool) -> str:
    from qingqian.strategy.playbooks import CHANNEL_LABELS

    return (", " if en else "、").join(_pick(CHANNEL_LABELS.get(c, (c, c)), en) for c in channels)


def schedule_rows(schedule: Schedule, en: bool) -> list[dict[str, Any]]:
    return [
        {
            "key": lv.key,
            "when": level_when(lv.offset_days, en),
            "channels": channel_words(lv.channels, en),
            "template": _pick(TEMPLATE_LABELS.get(lv.template, (lv.template,) * 2), en),
            "fee": lv.fee,
            "interest": lv.interest,
        }
        for lv in schedule.levels
    ]


def _schedule_view(schedule: Schedule, scope: str, en: bool, **target: Any) -> dict[str, Any]:
    import json

    return {
        "scope": scope,
        "name": schedule.name_en if en else schedule.name_zh,
        "fees_agreed": schedule.fees_agreed,
        "levels": schedule_rows(schedule, en),
        "json": json.dumps(schedule.to_dict(), ensure_ascii=False, indent=2),
        **target,
    }


def followup_overview(
    organisation: Organisation, *, en: bool, debtor: Party | None = None
) -> dict[str, Any]:
    """The follow-ups page: the schedules in force (the firm's default, each creditor's,
    each debtor's), levels in words; the last levels sent or refused; what to edit."""
    rows = FollowupSchedule.objects.filter(organisation=organisation).select_related(
        "creditor", "debtor"
    )
    default = next((r for r in rows if r.creditor_id is None and r.debtor_id is None), None)
    schedules = [
        _schedule_view(
            load_schedule(default.data) if default else default_schedule(),
            "Firm default" if en else "本所默认",
            en,
            target="organisation",
            standard=default is None,
        )
    ]
    for r in rows:
        if r.creditor is not None:
            scope = f"{'Creditor: ' if en else '债权人：'}{r.creditor.name}"
            target = f"creditor:{r.creditor_id}"
        elif r.debtor is not None:
            scope = f"{'Debtor: ' if en else '债务人：'}{r.debtor.name}"
            target = f"debtor:{r.debtor_id}"
        else:
            continue
        schedules.append(_schedule_view(load_schedule(r.data), scope, en, target=target))
    recent = []
    for row in FollowupSent.objects.filter(organisation=organisation).select_related(
        "debtor", "case"
    )[:50]:
        recent.append(
            {
                "pk": row.pk,
                "at": row.at,
                "debtor": row.debtor.name,
                "case": row.case,
                "item": row.item_ref,
                "level": level_when(row.offset_days, en),
                "channel": channel_words([row.channel], en),
                "allowed": row.allowed,
                "reasons": ("; " if en else "；").join(
                    str(r.get("message_en" if en else "message") or r.get("message", ""))
                    for r in row.reasons
                    if isinstance(r, dict)
                ),
                "amount": row.amount,
                "document": row.document is not None,
            }
        )
    creditors = Party.objects.filter(organisation=organisation, is_client=True).order_by("name")
    creditor_word, debtor_word = ("Creditor: ", "Debtor: ") if en else ("债权人：", "债务人：")
    targets = [("organisation", "Firm default" if en else "本所默认")]
    targets += [(f"creditor:{c.pk}", f"{creditor_word}{c.name}") for c in creditors]
    named = [r.debtor for r in rows if r.debtor is not None]
    if debtor is not None and debtor not in named:
        named.insert(0, debtor)
    targets += [(f"debtor:{d.pk}", f"{debtor_word}{d.name}") for d in named]
    return {
        "schedules": schedules,
        "recent": recent,
        "targets": targets,
        "debtor": debtor,
        "example": _schedule_view(default_schedule(), "", en)["json"],
    }


def debtor_followup_for(
    party: Party, user: User | None, *, en: bool, creditor: Party | None = None
) -> dict[str, Any] | None:
    """The case page's view of a debtor's follow-up: the schedule in force and where it comes
    from, what is due now, what is not due yet and the next item to fall due."""
    found = debtor_followup(party, _cases_for(party, cases_visible_to(user), creditor))
    if found is None:
        return None
    return {
        "statement": found.statement,
        "schedule": found.schedule.name_en if en else found.schedule.name_zh,
        "source": _pick(SOURCE_LABELS[found.source], en),
        "next": found.statement.next_due,
    }


def followup_letter(*, organisation: Organisation, pk: int) -> FollowupSent | None:
    """A follow-up letter's stored PDF (``None``: no such letter in the organisation)."""
    return FollowupSent.objects.filter(
        organisation=organisation, pk=pk, document__isnull=False
    ).first()
