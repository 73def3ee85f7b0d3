# ruff: noqa: E501, S608 - set-based fill SQL built from our own integers
"""Server time of the performance pages (经营指标) on PostgreSQL with a large book, against a
naive ORM aggregation in the same run.

Fills the scratch database (default ``qingqian_h20``; dropped and re-created unless
``--reuse``) by set-based SQL: ``--cases`` cases (default 100,000) over three creditors and
ten handlers, 90 % accepted over two years (first acceptance on the timeline, a tenth closed
later), ``--payments`` payments (default 1,000,000) after each case's acceptance,
``--contacts`` contact attempts (default 1,000,000; 5 % refused by the gate, dispositions
spread over the codes) and one promise per ten attempts; then ``ANALYZE``.

Logged in as the administrator with Django's test ``Client`` (every middleware, no network),
it times each page — the dashboard (one month), the drill-downs by period, creditor and team,
and ``GET /api/v1/reports/kpis`` — with ``--warmup`` discarded and ``--requests`` timed
requests, and prints p50/p95/max and queries per request. The peer computes the dashboard's
headline numbers the naive way (rows read through the ORM and added up in Python); it runs
``--peer-runs`` times and must give the same figures. The load average is printed before
and after.

Run: ``.venv/bin/python benchmarks/reports.py [--cases N] [--payments N] [--contacts N]
[--requests N] [--reuse] [--pg-url URL]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_URL = "postgres://postgres@127.0.0.1:5432/qingqian_h20"
TARGET_P95_MS = 200.0
MONTH = ("2026-10-01", "2026-10-31")


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.format(name=name))  # name comes from our own --pg-url


def _setup_django(db_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["QINGQIAN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("QINGQIAN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("QINGQIAN_DEV", "1")
    # the pages are timed, not the sign-in: the administrator needs no second factor here
    os.environ["QINGQIAN_2FA_REQUIRED_ROLES"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingqian.settings"
    import django

    django.setup()


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def fill(cases: int, payments: int, contacts: int) -> None:
    from django.db import connection

    from qingqian.accounts.models import Organisation, User
    from qingqian.contact.services import contact_policy_current
    from qingqian.parties.models import Party

    org = Organisation.objects.create(name="苏州清欠商事调解中心", short_code="szqq")
    User.objects.create_user(username="bench-admin", organisation=org, role="admin", is_staff=True)
    handlers = [
        User.objects.create_user(username=f"{role}{i}", organisation=org, role=role)
        for role, n in (("collector", 6), ("lawyer", 2), ("mediator", 2))
        for i in range(1, n + 1)
    ]
    creditors = [
        Party.objects.create(organisation=org, kind="company", name=name, is_client=True)
        for name in (
            "苏州园区精密电子有限公司",
            "苏州相城汽车零部件有限公司",
            "苏州姑苏文旅发展有限公司",
        )
    ]
    debtor = Party.objects.create(organisation=org, kind="company", name="苏州某债务人有限公司")
    policy, _ = contact_policy_current()
    hs = ",".join(str(h.pk) for h in handlers)
    cs = ",".join(str(c.pk) for c in creditors)
    steps = [
        (
            "cases",
            f"""
            WITH s AS (
              SELECT g, round((1000 + random() * 200000)::numeric, 2) AS p FROM generate_series(1, {cases}) g
            )
            INSERT INTO cases_case (reference, debt_type, principal, currency, interest_terms,
              channel, summary, state, outcome, debtor_name, oldest_due_date, due_date,
              outstanding, created_at, updated_at, creditor_id, handler_id, organisation_id)
            SELECT 'B-' || g, (ARRAY['trade','construction','private_loan','other'])[1 + g % 4],
              p, 'CNY', '', 'import', '',
              CASE WHEN g % 10 = 0 THEN 'closed' WHEN g % 10 = 1 THEN 'intake'
                   ELSE (ARRAY['negotiation','payment_plan','mediation','litigation','enforcement'])[1 + g % 5] END,
              CASE WHEN g % 10 = 0 THEN (ARRAY['paid_in_full','settled','uncollectable'])[1 + g % 3] ELSE '' END,
              '债务人' || g, date '2026-11-01' - (30 + (g::bigint * 7919) % 900)::int, date '2026-11-01' - (30 + (g::bigint * 7919) % 900)::int,
              round(p * 0.6, 2), now(), now(), (ARRAY[{cs}])[1 + g % 3], (ARRAY[{hs}])[1 + g % 10], {org.pk}
            FROM s""",
        ),
        (
            "acceptance",
            f"""
            INSERT INTO cases_timelineevent (at, kind, from_state, to_state, note, case_id)
            SELECT timestamptz '2024-11-20 09:00+08' + ((c.id * 7919) % 720) * interval '1 day'
                   + ((c.id * 13) % 600) * interval '1 minute',
                   'transition', 'evidence_review', 'accepted', '', c.id
            FROM cases_case c WHERE c.organisation_id = {org.pk} AND c.state <> 'intake'""",
        ),
        (
            "closing",
            f"""
            INSERT INTO cases_timelineevent (at, kind, from_state, to_state, note, case_id)
            SELECT least(timestamptz '2024-11-20 09:00+08' + ((c.id * 7919) % 720) * interval '1 day'
                   + (20 + (c.id % 200)) * interval '1 day', timestamptz '2026-11-19'),
                   'transition', 'negotiation', 'closed', '', c.id
            FROM cases_case c WHERE c.state = 'closed' AND c.organisation_id = {org.pk}""",
        ),
        (
            "accepted index",
            """CREATE TEMP TABLE acc AS SELECT row_number() OVER (ORDER BY case_id) AS i, case_id, at,
               c.handler_id FROM cases_timelineevent t JOIN cases_case c ON c.id = t.case_id
               WHERE to_state = 'accepted'""",
        ),
        (
            "payments",
            f"""
            WITH n AS (SELECT count(*) AS k FROM acc),
            s AS (SELECT g, round((50 + random() * 5000)::numeric, 2) AS a FROM generate_series(1, {payments}) g)
            INSERT INTO payments_payment (organisation_id, case_id, kind, amount, received_at,
              idempotency_key, reference, note, commissionable, commission, created_at)
            SELECT {org.pk}, acc.case_id,
              (ARRAY['bank_transfer','bank_transfer','portal','cash','setoff','court'])[1 + s.g % 6],
              s.a, least(acc.at + ((s.g::bigint * 31) % 400) * interval '1 day' + (s.g % 500) * interval '1 minute',
                         timestamptz '2026-11-19 12:00+08'),
              'b' || s.g, '', '', s.a, round(s.a * 0.1, 2), now()
            FROM s, n JOIN acc ON true WHERE acc.i = 1 + (s.g::bigint * 7907) % n.k""",
        ),
        (
            "contacts",
            f"""
            WITH n AS (SELECT count(*) AS k FROM acc)
            INSERT INTO contact_contactattempt (party_role, channel, purpose, actor_label, at,
              allowed, rule, reasons, policy_version, number_hash, number_masked, outcome, case_id,
              organisation_id, party_id, policy_id, provider_ref, script, disposition, actor_id)
            SELECT 'debtor', 'phone', 'collection', 'bench', least(acc.at + ((g::bigint * 17) % 420) * interval '1 day'
                     + (g % 480) * interval '1 minute', timestamptz '2026-11-19 16:00+08'),
              g % 20 <> 0, CASE WHEN g % 20 = 0 THEN (ARRAY['quiet_hours','daily_cap','hold'])[1 + g % 3] ELSE 'allowed' END,
              '[]'::jsonb, 'v1', '', '', '', acc.case_id, {org.pk}, {debtor.pk}, {policy.pk}, '', '',
              CASE WHEN g % 20 = 0 THEN ''
                   ELSE (ARRAY['rpc','no_answer','no_answer','third_party','promise','refused','callback','wrong_number','dispute',''])[1 + g % 10] END,
              acc.handler_id
            FROM generate_series(1, {contacts}) g, n JOIN acc ON true WHERE acc.i = 1 + (g::bigint * 7901) % n.k""",
        ),
        (
            "promises",
            f"""
            INSERT INTO negotiation_promise (case_id, amount, due_date, made_on, source, state, paid, created_at)
            SELECT a.case_id, 500, (a.at + interval '8 days')::date, (a.at + interval '1 day')::date, 'handler',
                   CASE WHEN a.id % 3 = 0 THEN 'broken' WHEN a.at > timestamptz '2026-11-10' THEN 'open' ELSE 'kept' END,
                   0, now()
            FROM contact_contactattempt a WHERE a.disposition = 'promise' AND a.organisation_id = {org.pk}""",
        ),
        # Rows arrive in time order in production (the gate and the payment service write
        # at the current instant); the generator writes them in case order, so lay them out
        # by time as they would be.
        ("arrival order: contacts", "CLUSTER contact_contactattempt USING contact_attempt_org_at"),
        (
            "arrival order: payments",
            "CLUSTER payments_payment USING payments_payment_received_at_daadf5ee",
        ),
        ("vacuum analyze", "VACUUM ANALYZE"),
    ]
    with connection.cursor() as cur:
        for name, sql in steps:
            t0 = time.perf_counter()
            cur.execute(sql)
            print(
                f"  fill {name}: {cur.rowcount if cur.rowcount >= 0 else ''} rows, "
                f"{time.perf_counter() - t0:.1f} s",
                flush=True,
            )


def naive(window: Any) -> dict[str, Any]:
    """The dashboard's headline numbers as a first ORM version would compute them: read the
    rows, add up in Python."""
    from qingqian.cases.models import Case, TimelineEvent
    from qingqian.contact.models import ContactAttempt
    from qingqian.kpis.measures import RIGHT_PARTY
    from qingqian.negotiation.models import Promise
    from qingqian.payments.models import Payment

    lo, hi = window.lo, window.hi
    accepted: dict[int, Any] = {}
    for case_id, at in TimelineEvent.objects.filter(to_state="accepted").values_list(
        "case_id", "at"
    ):
        if case_id not in accepted or at < accepted[case_id]:
            accepted[case_id] = at
    cohort = {c for c, at in accepted.items() if lo <= at < hi}
    principal = {c: p for c, p in Case.objects.values_list("id", "principal") if c in cohort}
    gross = commission = recovered = Decimal(0)
    paid_cases: set[int] = set()
    for case_id, amount, com, at in Payment.objects.values_list(
        "case_id", "amount", "commission", "received_at"
    ):
        if lo <= at < hi:
            gross += amount
            commission += com
            if amount > 0:
                paid_cases.add(case_id)
        if case_id in cohort and at < hi:
            recovered += amount
    attempts = rpc = dispositioned = 0
    contacted: set[int] = set()
    for case_id, allowed, disposition, at in ContactAttempt.objects.values_list(
        "case_id", "allowed", "disposition", "at"
    ):
        if allowed and lo <= at < hi:
            attempts += 1
            contacted.add(case_id)
            if disposition:
                dispositioned += 1
                rpc += disposition in RIGHT_PARTY
    promised = {
        c
        for c, made in Promise.objects.values_list("case_id", "made_on")
        if window.start <= made <= window.end
    }
    return {
        "gross": gross,
        "commission": commission,
        "recovered": recovered,
        "principal": sum(principal.values(), Decimal(0)),
        "attempts": attempts,
        "rpc": rpc,
        "funnel": (
            len(contacted),
            len(contacted & promised),
            len(contacted & promised & paid_cases),
        ),
    }


def measured(window: Any, *, rolled: bool = False) -> dict[str, Any]:
    from qingqian.accounts.models import Organisation
    from qingqian.cases.models import Case
    from qingqian.kpis import measures, rollup

    cases = Case.objects.all()
    if rolled:  # the organisation's cases, marked so that the rollup and case facts are read
        org = Organisation.objects.get()
        cases = measures.whole_organisation(Case.objects.filter(organisation=org), org.pk)
        rollup.mark(cases, organisation=org.pk)
    col = measures.collections(cases, window)
    rec = measures.recovery(cases, window)["total"]
    con = measures.contact(cases, window)
    f = measures.funnel(cases, window)
    return {
        "gross": col["gross"],
        "commission": col["commission"],
        "recovered": rec["recovered"],
        "principal": rec["principal"],
        "attempts": con["attempts"],
        "rpc": con["rpc"],
        "funnel": (f["contacted"], f["promised"], f["paid"]),
    }


def time_pages(requests: int, warmup: int) -> list[tuple[str, list[float], int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qingqian.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    q = f"from={MONTH[0]}&to={MONTH[1]}"
    pages = [
        ("dashboard (month)", f"/kpis/?{q}"),
        ("dashboard by aging", f"/kpis/?{q}&group_by=aging"),
        ("drill by period (weeks)", f"/kpis/drill/period/?{q}&grain=week"),
        ("drill by creditor", f"/kpis/drill/creditor/?{q}"),
        ("drill by team", f"/kpis/drill/team/?{q}"),
        ("API /reports/kpis", f"/api/v1/reports/kpis?{q}"),
    ]
    out = []
    for name, url in pages:
        with CaptureQueriesContext(connection) as ctx:
            for _ in range(warmup):
                assert client.get(url).status_code == 200, url
        queries = len(ctx.captured_queries) // max(warmup, 1)
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        out.append((name, times, queries))
        print(
            f"  {name:26} p50 {statistics.median(times):8.1f} ms  p95 {_p95(times):8.1f} ms  "
            f"max {max(times):8.1f} ms  {queries} queries  (load {_load()})",
            flush=True,
        )
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--peer-runs", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the filled database")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument(
        "--paths",
        default="direct,rollup",
        help="direct (records), rollup (daily rollup and case facts), or both",
    )
    args = parser.parse_args()
    print(f"load average at start: {_load()}", flush=True)
    if not args.reuse:
        _pg_admin(args.pg_url, "DROP DATABASE IF EXISTS {name}")
        _pg_admin(args.pg_url, "CREATE DATABASE {name}")
    _setup_django(args.pg_url, Path(tempfile.mkdtemp(prefix="qq-reports-")))
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)  # a reused database gets this branch's tables too
    print(f"  migrate: {time.perf_counter() - t0:.1f} s", flush=True)
    if not args.reuse:
        t0 = time.perf_counter()
        fill(args.cases, args.payments, args.contacts)
        print(f"  fill: {time.perf_counter() - t0:.1f} s", flush=True)
    from qingqian.kpis.periods import Window, parse_iso

    window = Window(parse_iso(MONTH[0]), parse_iso(MONTH[1]))
    from qingqian.accounts.models import Organisation
    from qingqian.kpis import rollup
    from qingqian.kpis.models import DayFigure, RollupState

    results: list[tuple[str, list[float], int]] = []
    paths = args.paths.split(",")
    for path in paths:
        if path == "direct":  # every day read from the records
            RollupState.objects.all().delete()
            DayFigure.objects.all().delete()
        else:  # rollup and case facts built through yesterday (what ``qingqian daily`` keeps)
            t0 = time.perf_counter()
            for org in Organisation.objects.all():
                built = rollup.build(org.pk, through=dt.date(2026, 12, 31), rebuild=True)
                print(
                    f"  rollup rebuild: {built['rows']} rows, {built['facts']} facts, "
                    f"{built['months']} funnel rows",
                    end="",
                )
            print(f" in {time.perf_counter() - t0:.1f} s (load {_load()})", flush=True)
        print(
            f"pages, {path} path, {args.requests} timed requests each "
            f"(target p95 < {TARGET_P95_MS:.0f} ms):"
        )
        results += time_pages(args.requests, args.warmup)
    print(f"peer: naive ORM aggregation of the headline numbers, {args.peer_runs} runs:")
    peer_times = []
    for _ in range(args.peer_runs):
        t0 = time.perf_counter()
        expected = naive(window)
        peer_times.append((time.perf_counter() - t0) * 1000)
    print(f"  naive ORM: {statistics.median(peer_times):9.1f} ms (median of {len(peer_times)})")
    for label, rolled in (
        ("direct SQL aggregation", False),
        ("with the rollup and case facts", True),
    ):
        if rolled and "rollup" not in args.paths:
            continue
        t0 = time.perf_counter()
        got = measured(window, rolled=rolled)
        ours = (time.perf_counter() - t0) * 1000
        same = got == expected
        print(f"  {label}, same numbers: {ours:8.1f} ms  same answer: {same}  (load {_load()})")
        if not same:
            print(f"  differ: {got} vs {expected}")
    pages = len(results) // len(paths)
    for i, path in enumerate(paths):
        worst = max(_p95(t) for _, t, _ in results[i * pages : (i + 1) * pages])
        print(f"worst page p95, {path} path: {worst:.1f} ms")
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
