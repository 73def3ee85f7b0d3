"""The campaign simulation through the real database gate (``contact simulate --db``).

A careless dialler (robots dialling up to eight times a debtor a day from 07:45 to 22:15,
collectors with lapsing certificates, visits with one collector, letters, SMS) asks
``contact_attempt_authorize`` for every attempt, records outcomes with
``contact_outcome_record`` and places holds with ``contact_hold_place``. The allowed
attempts and the holds are then read back from the database and handed to the independent
``recheck``; its violation count must be 0. Everything runs inside one transaction that is
rolled back, so the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db import transaction

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case, CaseParty
from qingqian.common.tz import BUSINESS_TZ
from qingqian.contact import policy as pol
from qingqian.contact.models import ContactAttempt, ContactHold, Purpose
from qingqian.contact.recheck import LoggedAttempt, recheck
from qingqian.contact.services import (
    HOLD_KERNEL_KIND,
    contact_attempt_authorize,
    contact_hold_place,
    contact_outcome_record,
    contact_policy_current,
    contact_system_actor,
)
from qingqian.parties.models import Party

SH = BUSINESS_TZ
_DIAL_FROM, _DIAL_TO = 7 * 3600 + 45 * 60, 22 * 3600 + 15 * 60


class _Rollback(Exception):
    pass


def _outcome(rng: random.Random, channel: str, answer: float) -> str:
    x = rng.random()
    if channel in ("robot", "voice", "visit"):
        if x < answer:
            return "refused" if rng.random() < 0.02 else "connected"
        if channel == "visit":
            return "no_answer"
        return rng.choice(("no_answer", "no_answer", "busy", "voicemail"))
    return "bounced" if x < 0.05 else "delivered"


def simulate_db(*, debtors: int, days: int, seed: int, start: dt.date) -> dict[str, Any]:
    """Run the campaign through the gate in a rolled-back transaction; return the report."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not secrets
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result = _run(rng, debtors, days, start, seed)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _run(rng: random.Random, n: int, days: int, start: dt.date, seed: int) -> dict[str, Any]:
    org = Organisation.objects.create(
        name="模拟机构", short_code=f"sim{seed}-{rng.randrange(10**6)}"
    )
    creditor = Party.objects.create(organisation=org, kind="company", name="模拟债权人")
    parties = Party.objects.bulk_create(
        Party(
            organisation=org,
            kind="company",
            name=f"模拟债务人{i}",
            phone_hash=f"sim{i:061x}",
            phone_masked=f"1390000{i:04d}",
        )
        for i in range(n)
    )
    cases = Case.objects.bulk_create(
        Case(
            organisation=org,
            reference=f"SIM-{seed}-{i:06d}",
            creditor=creditor,
            debt_type="trade",
            principal=Decimal("1000.00"),
            channel="web",
            debtor_name=p.name,
            outstanding=Decimal("1000.00"),
        )
        for i, p in enumerate(parties)
    )
    CaseParty.objects.bulk_create(
        CaseParty(case=c, party=p, role="debtor") for c, p in zip(cases, parties, strict=True)
    )
    robot = contact_system_actor(organisation=org)
    collectors = [
        User.objects.create(
            username=f"sim-collector-{org.pk}-{k}",
            organisation=org,
            role="collector",
            cert_number=f"SIM-{k}",
            cert_issuer="模拟协会",
            # Some certificates lapse during the campaign.
            cert_expires=start + dt.timedelta(days=rng.randrange(0, days + 1))
            if k % 4 == 0
            else start + dt.timedelta(days=3650),
        )
        for k in range(8)
    ]
    answer = [rng.uniform(0.1, 0.6) for _ in range(n)]
    _, policy = contact_policy_current(None, org)
    attempts = 0
    denied_by_rule: Counter[str] = Counter()
    holds_placed: Counter[str] = Counter()
    for day_n in range(days):
        day = start + dt.timedelta(days=day_n)
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=SH)
        plans: list[tuple[int, int, str]] = []
        for i in range(n):
            for _ in range(rng.choice((0, 1, 1, 2, 3, 4, 8))):
                plans.append((rng.randrange(_DIAL_FROM, _DIAL_TO), i, "robot"))
            roll = rng.random()
            if roll < 0.15:
                plans.append((rng.randrange(_DIAL_FROM, _DIAL_TO), i, "voice"))
            elif roll < 0.25:
                plans.append((rng.randrange(_DIAL_FROM, _DIAL_TO), i, "sms"))
            elif roll < 0.28:
                plans.append((rng.randrange(_DIAL_FROM, _DIAL_TO), i, "letter"))
            elif roll < 0.31:
                plans.append((rng.randrange(_DIAL_FROM, _DIAL_TO), i, "visit"))
        plans.sort()
        for second, i, channel in plans:
            at = midnight + dt.timedelta(seconds=second)
            actor: Any = robot
            if channel == "voice":
                actor = rng.choice(collectors)
            elif channel == "visit":
                actor = rng.sample(collectors, 1 if rng.random() < 0.3 else 2)
            attempts += 1
            a = contact_attempt_authorize(
                case=cases[i],
                party=parties[i],
                channel=channel,
                actor=actor,
                at=at,
                purpose="legal_notice"
                if channel == "letter" and rng.random() < 0.5
                else "collection",
            )
            if not a.allowed:
                denied_by_rule[a.rule] += 1
                continue
            outcome = _outcome(rng, channel, answer[i])
            contact_outcome_record(attempt=a, outcome=outcome, at=at)
            if outcome == "connected" and rng.random() < 0.03:
                kind = rng.choice(("vulnerability", "dispute", "cease", "representation"))
                hold = contact_hold_place(
                    case=cases[i], party=parties[i], kind=kind, actor=None, reason="模拟"
                )
                # Dated at the simulated time, so the re-check judges earlier attempts fairly.
                ContactHold.objects.filter(pk=hold.pk).update(
                    placed_at=at + dt.timedelta(seconds=1)
                )
                holds_placed[kind] += 1
    violations = _recheck_from_db(org, policy)
    allowed = ContactAttempt.objects.filter(organisation=org, allowed=True).count()
    return {
        "mode": "db",
        "policy_version": policy.label,
        "debtors": n,
        "days": days,
        "seed": seed,
        "attempts": attempts,
        "allowed": allowed,
        "denied": attempts - allowed,
        "denied_by_rule": dict(sorted(denied_by_rule.items())),
        "holds_placed": dict(sorted(holds_placed.items())),
        "violations": len(violations),
        "violations_by_code": dict(sorted(Counter(v.code for v in violations).items())),
    }


def _recheck_from_db(org: Organisation, policy: pol.Policy) -> list[Any]:
    """Rebuild the log and the holds from the stored rows and re-check them independently."""
    certs = {u.username: u.cert_expires for u in User.objects.filter(organisation=org)}
    log = []
    for a in ContactAttempt.objects.filter(organisation=org, allowed=True).order_by("at", "pk"):
        names = [x for x in a.actor_label.split(",") if x and not x.startswith("contact-robot@")]
        day = a.at.astimezone(SH).date()
        request = pol.ContactRequest(
            channel=pol.Channel(a.channel),
            party_role=pol.PartyRole(a.party_role),
            number=a.number_hash or None,
            party_id=str(a.party_id),
            debt_id=str(a.case_id),
            collectors=tuple(
                c if (c := certs.get(name)) is not None and c >= day else None for name in names
            ),
            legal_notice=a.purpose == Purpose.LEGAL_NOTICE,
            opt_out_line=True,
        )
        log.append(LoggedAttempt(request, a.at, pol.Outcome(a.outcome) if a.outcome else None))
    holds = [
        pol.Hold(
            kind=HOLD_KERNEL_KIND[h.kind],
            party_id=str(h.party_id) if h.party_id else None,
            channel=pol.Channel(h.channel) if h.channel else None,
            since=h.placed_at,
            until=h.lifted_at,
        )
        for h in ContactHold.objects.filter(organisation=org)
    ]
    return recheck(policy, log, holds)
