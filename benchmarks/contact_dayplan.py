"""How long the day's contact plan takes to build from PostgreSQL, and how many queries.

A scratch organisation with ``--debtors`` debtors (one open, scored case each, a phone
number, an address), ``--history`` past robot calls per debtor over the last two weeks (about
a third connected, at hours that vary by debtor), a dispute hold on every 25th debtor and 20
certified collectors. ``day_plan`` plans tomorrow with 10 robots.

Peer, measured in the same run: the same plan with each debtor's history and holds read one
debtor at a time through the gate's own reads (``services._history`` and
``contact_holds_active``), i.e. asking per person what the gate would read.

    nice -n 10 .venv/bin/python benchmarks/contact_dayplan.py --debtors 2000 --history 6

Needs PostgreSQL (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/
qq_plan_bench``; the database is dropped and created afresh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any


def recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_data(debtors: int, history: int, seed: int) -> Any:
    from qingqian.accounts.models import Organisation, User
    from qingqian.cases.models import Case, CaseParty
    from qingqian.common import clock
    from qingqian.contact.models import ContactAttempt, ContactHold
    from qingqian.contact.services import contact_policy_current, contact_system_actor
    from qingqian.parties.models import Party
    from qingqian.scoring.models import CaseScore

    rng = random.Random(seed)
    org = Organisation.objects.create(name="基准测试中心", short_code="bench")
    creditor = Party.objects.create(organisation=org, kind="company", name="债权人")
    User.objects.bulk_create(
        User(
            username=f"collector{i}",
            organisation=org,
            role="collector",
            cert_number=f"SZ-{i}",
            cert_issuer="协会",
            cert_expires=dt.date(2099, 1, 1),
        )
        for i in range(20)
    )
    parties = Party.objects.bulk_create(
        Party(
            organisation=org,
            kind="company",
            name=f"债务人{i}",
            phone_hash=f"{i:064x}",
            address=f"苏州市姑苏区{i}号",
        )
        for i in range(debtors)
    )
    cases = Case.objects.bulk_create(
        Case(
            organisation=org,
            reference=f"BENCH-{i:06d}",
            creditor=creditor,
            debt_type="trade",
            principal=Decimal(1000 + i),
            outstanding=Decimal(1000 + i),
            channel="web",
            state="negotiation",
            debtor_name=p.name,
            due_date=dt.date(2026, 3, 1),
        )
        for i, p in enumerate(parties)
    )
    CaseParty.objects.bulk_create(
        CaseParty(case=c, party=p, role="debtor") for c, p in zip(cases, parties, strict=True)
    )
    now = clock.now()
    CaseScore.objects.bulk_create(
        CaseScore(
            case=c,
            score=rng.randint(10, 90),
            model_version="bench",
            feature_digest="0" * 64,
            features_at=now.date(),
            scored_at=now,
        )
        for c in cases
    )
    row, _ = contact_policy_current()
    robot = contact_system_actor(organisation=org)
    attempts = []
    for c, p in zip(cases, parties, strict=True):
        best = rng.choice([9, 12, 19, 20])
        for k in range(history):
            day = now.astimezone(clock.BUSINESS_TZ).date() - dt.timedelta(days=1 + k * 2)
            hour = best if k % 2 else rng.randint(8, 21)
            at = dt.datetime.combine(day, dt.time(hour, 5), tzinfo=clock.BUSINESS_TZ)
            outcome = "connected" if hour == best and rng.random() < 0.7 else "no_answer"
            attempts.append(
                ContactAttempt(
                    organisation=org,
                    case=c,
                    party=p,
                    party_role="debtor",
                    channel="robot",
                    actor=robot,
                    actor_label=robot.username,
                    at=at,
                    allowed=True,
                    rule="all_rules_passed",
                    policy=row,
                    policy_version=row.label,
                    number_hash=p.phone_hash,
                    outcome=outcome,
                    outcome_at=at + dt.timedelta(minutes=2),
                )
            )
    ContactAttempt.objects.bulk_create(attempts, batch_size=5000)
    ContactHold.objects.bulk_create(
        ContactHold(organisation=org, case=c, party=p, kind="dispute", placed_at=now)
        for i, (c, p) in enumerate(zip(cases, parties, strict=True))
        if i % 25 == 0
    )
    return org


def per_debtor_reads() -> None:
    """The peer: read each debtor's history and holds one at a time, as the gate does."""
    from collections import defaultdict

    from qingqian.cases.models import Case
    from qingqian.contact import services
    from qingqian.desk import dayplan
    from qingqian.parties.models import Party

    def history(organisation: Any, parties: Any, since: Any) -> Any:
        out = {}
        for pid, p in parties.items():
            party = Party.objects.get(pk=pid)
            out[pid] = services._history(
                organisation_id=organisation.pk,
                party=party,
                number_hash=p["phone_hash"],
                since=since,
            )
        return out

    def holds(organisation: Any, party_ids: Any, case_party: Any) -> Any:
        out = defaultdict(list)
        first_case = {}
        for case_id, pid in case_party.items():
            first_case.setdefault(pid, case_id)
        for pid in party_ids:
            case = Case.objects.get(pk=first_case[pid])
            party = Party.objects.get(pk=pid)
            out[pid] = [
                services.kernel_hold(h)
                for h in services.contact_holds_active(case=case, party=party)
            ]
        return out

    dayplan._history = history  # type: ignore[assignment]
    dayplan._holds = holds  # type: ignore[assignment]


def measure(org: Any, label: str) -> dict[str, Any]:
    from django.db import connection

    from qingqian.common import clock
    from qingqian.desk import dayplan
    from qingqian.desk.dayplan import Capacity, day_plan

    tomorrow = clock.today() + dt.timedelta(days=1)
    cap = Capacity.from_settings(robots=10)
    calls = {"pure": 0.0}
    real = dayplan.plan_day

    def timed(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(*a, **kw)
        finally:
            calls["pure"] += time.perf_counter() - t

    dayplan.plan_day = timed  # type: ignore[assignment]
    count = [0]

    def counter(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    try:
        load = os.getloadavg()[0]
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            view = day_plan(org, tomorrow, capacity=cap)
            wall = time.perf_counter() - t0
        queries = count[0]
    finally:
        dayplan.plan_day = real
    return {
        "builder": label,
        "wall_s": round(wall, 3),
        "pure_planner_s": round(calls["pure"], 3),
        "queries": queries,
        "planned": len(view.slots),
        "per_channel": view.totals,
        "left_out_by_category": view.left_out_by_category(),
        "load_1min": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--history", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/qq_plan_bench"
    )
    args = parser.parse_args()
    if "plan" not in args.database_url.rsplit("/", 1)[1]:
        sys.exit("the scratch database's name must contain 'plan'")
    recreate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    org = setup_data(args.debtors, args.history, args.seed)
    setup_s = round(time.perf_counter() - t, 1)
    ours = measure(org, "bulk reads (day_plan)")
    per_debtor_reads()
    peer = measure(org, "per-debtor reads (peer)")
    same = {k: ours[k] for k in ("planned", "per_channel")} == {
        k: peer[k] for k in ("planned", "per_channel")
    }
    print(
        json.dumps(
            {
                "debtors": args.debtors,
                "history_per_debtor": args.history,
                "setup_s": setup_s,
                "runs": [ours, peer],
                "same_plan": same,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
