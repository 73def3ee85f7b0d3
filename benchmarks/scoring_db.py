"""Stored re-scoring throughput on PostgreSQL (the nightly batch), against a per-row peer.

Fills a scratch PostgreSQL database (default ``qq_scoring``, tables created by ``migrate``,
rows deleted at the end unless ``--keep``) with N open cases, one company debtor each (a
fifth of them with a public-record profile, a third part-paid, each with one or two evidence
items). Then:

* **radar** — ``scoring.services.rescore`` (four reads per batch of 2,000, vectorised card,
  one ``UPDATE`` of the previous latest rows, one multi-row ``INSERT`` of scores and one of
  audit rows per batch);
* **peer** — the same scores stored the obvious way, one ``CaseScore.objects.create`` and
  one ``update()`` of the previous latest row per case (the per-row ORM loop), on a sample of
  ``--peer`` cases, scaled to cases/s.

Run: ``nice .venv/bin/python benchmarks/scoring_db.py [--cases N] [--peer N] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PG_URL = "postgres://postgres@127.0.0.1:5432/qq_scoring"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--peer", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", PG_URL)
    os.environ.setdefault("QINGQIAN_DEV", "1")  # development keys (docs/security.md)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingqian.settings")
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)
    with psycopg.connect(base[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (base[1],)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{base[1]}"')
    import django
    import django.utils.timezone

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from qingqian.accounts.models import Organisation
    from qingqian.cases.models import Case, CaseParty
    from qingqian.evidence.models import EvidenceItem
    from qingqian.parties.models import Party
    from qingqian.scoring import selectors, services
    from qingqian.scoring.features import compute_features
    from qingqian.scoring.models import CaseScore, DebtorProfile

    rng = random.Random(11)
    org, _ = Organisation.objects.get_or_create(short_code="bench-radar", defaults={"name": "基准"})
    _clean(org)
    t = time.perf_counter()
    creditor = Party.objects.create(
        organisation=org, kind="company", name="基准债权人", is_client=True
    )
    debtors = Party.objects.bulk_create(
        [Party(organisation=org, kind="company", name=f"基准债务人{i}") for i in range(args.cases)],
        batch_size=5000,
    )
    today = dt.date(2026, 11, 29)
    cases = []
    for i, d in enumerate(debtors):
        principal = Decimal(rng.randint(5_000, 2_000_000))
        paid = principal * Decimal(rng.choice([0, 0, 0.1, 0.5])) // 1
        due = today - dt.timedelta(days=rng.randint(10, 1500))
        cases.append(
            Case(
                organisation=org,
                reference=f"BR-{i:07d}",
                creditor=creditor,
                debt_type=rng.choice(["trade", "construction", "private_loan", "other"]),
                principal=principal,
                channel="import",
                state="negotiation",
                debtor_name=d.name,
                oldest_due_date=due,
                outstanding=principal - paid,
                last_payment_date=due + dt.timedelta(days=30) if paid else None,
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=5000)
    CaseParty.objects.bulk_create(
        [CaseParty(case=c, party=d, role="debtor") for c, d in zip(cases, debtors, strict=True)],
        batch_size=5000,
    )
    types = ["iou", "invoice", "delivery_note", "transfer_record", "reconciliation", "chat_record"]
    EvidenceItem.objects.bulk_create(
        [
            EvidenceItem(
                case=c,
                evidence_type=rng.choice(types),
                title="证据",
                collected_by="基准",
                collected_at=django.utils.timezone.now(),
                capture_method="扫描",
                original_location="档案室",
            )
            for c in cases
            for _ in range(rng.randint(1, 2))
        ],
        batch_size=5000,
    )
    DebtorProfile.objects.bulk_create(
        [
            DebtorProfile(
                party=d,
                registry_status=rng.choice(["active", "abnormal", "deregistered"]),
                judgments=rng.randint(0, 2),
                checked_on=today,
            )
            for d in debtors[: args.cases // 5]
        ],
        batch_size=5000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"filled {args.cases:,} cases in {time.perf_counter() - t:.1f} s")

    qs = Case.objects.filter(organisation=org)
    t = time.perf_counter()
    result = services.rescore(qs, at=today)
    radar_s = time.perf_counter() - t
    print(
        f"radar rescore (batched): {result['scored']:,} cases in {radar_s:.1f} s = "
        f"{result['scored'] / radar_s:,.0f} cases/s stored (refused {result['refused']})"
    )
    t = time.perf_counter()
    result = services.rescore(qs, at=today + dt.timedelta(days=1))
    again_s = time.perf_counter() - t
    print(
        f"radar rescore, second day (history kept): {result['scored']:,} cases in "
        f"{again_s:.1f} s = {result['scored'] / again_s:,.0f} cases/s"
    )

    sample = list(qs.order_by("id")[: args.peer])
    t = time.perf_counter()
    for case in sample:
        inputs = selectors.case_inputs(Case.objects.filter(pk=case.pk))
        feats = [compute_features(i.facts, today) for i in inputs]
        [(score, reasons, version)] = services.score_features(feats, None)
        with transaction.atomic():
            CaseScore.objects.filter(case=case, is_latest=True).update(is_latest=False)
            CaseScore.objects.create(
                case=case,
                score=score,
                reasons=reasons,
                model_version=version,
                feature_digest=feats[0].digest(),
                features_at=today,
                scored_at=django.utils.timezone.now(),
            )
    peer_s = time.perf_counter() - t
    peer_rate = len(sample) / peer_s
    radar_rate = result["scored"] / again_s
    print(
        f"peer (per-row ORM loop): {len(sample):,} cases in {peer_s:.1f} s = "
        f"{peer_rate:,.0f} cases/s; radar is {radar_rate / peer_rate:.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:,.0f} MB")
    if not args.keep:
        _clean(org)


def _clean(org: object) -> None:
    from qingqian.cases.models import Case
    from qingqian.evidence.models import EvidenceItem
    from qingqian.parties.models import Party

    EvidenceItem.objects.filter(case__organisation=org).delete()
    Case.objects.filter(organisation=org).delete()
    Party.objects.filter(organisation=org).delete()


if __name__ == "__main__":
    main()
