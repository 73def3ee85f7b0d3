"""Bulk import of a creditor's receivables ledger into cases and invoices.

Two passes: the pure parser validates every row (nothing is written if any row is bad),
then one transaction writes parties, cases, invoices, timeline and audit rows in bulk.
Re-importing the same file creates nothing new: (creditor, invoice number) is unique, and
rows already present are counted as duplicates. Invoices for a debtor who already has an
open case with this creditor join that case (a case groups one debtor's invoices).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import F, Min, Q

from qingqian.accounts.models import Organisation, User
from qingqian.accounts.roles import Perm, Role
from qingqian.audit.services import audit_record, audit_record_many
from qingqian.cases.ledger_parse import (
    LedgerRow,
    ReadLimits,
    RowError,
    estimate_rows,
    parse_ledger,
)
from qingqian.cases.models import (
    Case,
    CaseParty,
    ImportJob,
    ImportStatus,
    IntakeChannel,
    Invoice,
    PartyRole,
    TimelineEvent,
)
from qingqian.cases.services import references_reserve, require, timeline_events_log
from qingqian.common import clock, crypto
from qingqian.common.bulk import bulk_insert
from qingqian.common.exceptions import ApplicationError, PermissionDenied, ValidationFailed
from qingqian.parties.identifiers import mask, mask_id_number, phone_kind
from qingqian.parties.models import Party

BATCH = 2000


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    cases_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    errors_truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "cases_created": self.cases_created,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
            "errors_truncated": self.errors_truncated,
        }


def import_limits() -> ReadLimits:
    """The reader's bounds from settings (``QINGQIAN_IMPORT_*``; docs/security.md)."""
    from django.conf import settings

    return ReadLimits(
        max_cell_chars=settings.QINGQIAN_IMPORT_MAX_CELL_CHARS,
        max_rows=settings.QINGQIAN_IMPORT_MAX_ROWS,
        max_errors=settings.QINGQIAN_IMPORT_MAX_ERRORS,
        max_unzipped_bytes=settings.QINGQIAN_IMPORT_MAX_UNZIPPED_BYTES,
    )


def _check_scope(actor: User | None, organisation: Organisation, creditor: Party) -> None:
    require(actor, Perm.IMPORT_RUN)
    if creditor.organisation_id != organisation.pk:
        raise ValidationFailed(
            "债权人不存在。", "Unknown creditor.", code="creditor_not_found", status=404
        )
    if actor is not None and actor.role == Role.CREDITOR and actor.creditor_id != creditor.pk:
        raise PermissionDenied(
            "只能导入本债权人的台账。",
            "You can only import your own ledger.",
            code="creditor_scope",
        )


def ledger_import(
    *,
    organisation: Organisation,
    creditor: Party,
    actor: User | None,
    filename: str,
    path: Path | None = None,
    file: IO[bytes] | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    columns: dict[str, str] | None = None,
) -> ImportResult:
    """Validate then import a ledger file. Returns counts and every bad row (up to the limit).

    The one import path for the web (a stored upload), the API (the upload itself) and the
    CLI (a path): ``file`` is any seekable binary file object, read through the file API and
    never by a name on disk; ``path`` is for the command line. ``columns`` is the user's
    column mapping (header as spelt in the file → field, or ``""`` to ignore the column).
    """
    _check_scope(actor, organisation, creditor)
    from django.conf import settings

    source: Path | IO[bytes]
    if file is not None:
        source = file
        size = file.seek(0, 2)
        file.seek(0)
    elif path is not None:
        source = path
        size = path.stat().st_size
    else:
        raise TypeError("ledger_import needs a path or a file")

    if size > settings.QINGQIAN_MAX_IMPORT_BYTES:
        raise ValidationFailed(
            f"文件过大（{size // (1024 * 1024)} MB），"
            f"上限 {settings.QINGQIAN_MAX_IMPORT_BYTES // (1024 * 1024)} MB。",
            f"The file is too large ({size // (1024 * 1024)} MB); the limit is "
            f"{settings.QINGQIAN_MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            status=413,
        )
    if progress:
        progress("counted", 0, estimate_rows(source, filename))
    parsed = parse_ledger(
        source,
        filename,
        progress=(lambda n: progress("validating", n, 0)) if progress else None,
        limits=import_limits(),
        columns=columns,
    )
    result = ImportResult(
        rows=parsed.rows_seen,
        errors=parsed.errors,
        dry_run=dry_run,
        errors_truncated=parsed.errors_truncated,
    )
    existing = (
        set(
            Invoice.objects.filter(
                creditor=creditor, number__in=[r.invoice_no for r in parsed.rows]
            ).values_list("number", flat=True)
        )
        if len(parsed.rows) <= 5000
        else set(Invoice.objects.filter(creditor=creditor).values_list("number", flat=True))
    )
    new_rows = [r for r in parsed.rows if r.invoice_no not in existing]
    result.duplicates = len(parsed.rows) - len(new_rows)
    if result.errors:
        return result
    if dry_run:
        result.imported = len(new_rows)
        return result
    if progress:
        progress("writing", 0, len(new_rows))
    with transaction.atomic():
        result.cases_created = _write(organisation, creditor, actor, new_rows)
        result.imported = len(new_rows)
        audit_record(
            actor=actor,
            organisation=organisation,
            action="ledger.import",
            obj=creditor,
            after={
                "file": filename,
                "rows": result.rows,
                "imported": result.imported,
                "duplicates": result.duplicates,
                "cases_created": result.cases_created,
            },
        )
    return result


def _party_key(r: LedgerRow) -> tuple[str, str]:
    if r.credit_code:
        return ("code", r.credit_code)
    if r.id_number:
        return ("id", crypto.lookup_hash(r.id_number))
    return ("name", f"{r.debtor_kind}:{r.debtor_name}")


def _write(
    organisation: Organisation, creditor: Party, actor: User | None, rows: list[LedgerRow]
) -> int:
    if not rows:
        return 0
    now = clock.now()
    # 1. Parties: reuse by credit code, ID hash, or (kind, exact name) when neither is given.
    first_row: dict[tuple[str, str], LedgerRow] = {}
    for r in rows:
        first_row.setdefault(_party_key(r), r)
    parties: dict[tuple[str, str], Party] = {}
    orgp = Party.objects.filter(organisation=organisation)
    codes = [k[1] for k in first_row if k[0] == "code"]
    for i in range(0, len(codes), BATCH):
        for p in orgp.filter(credit_code__in=codes[i : i + BATCH]):
            parties[("code", p.credit_code)] = p
    hashes = [k[1] for k in first_row if k[0] == "id"]
    for i in range(0, len(hashes), BATCH):
        for p in orgp.filter(id_number_hash__in=hashes[i : i + BATCH]):
            parties[("id", p.id_number_hash)] = p
    names = [k[1].split(":", 1)[1] for k in first_row if k[0] == "name"]
    for i in range(0, len(names), BATCH):
        for p in orgp.filter(name__in=names[i : i + BATCH], credit_code="", id_number_hash=""):
            parties.setdefault(("name", f"{p.kind}:{p.name}"), p)
    new_parties = []
    for key, r in first_row.items():
        if key in parties:
            continue
        p = Party(
            organisation=organisation,
            kind=r.debtor_kind,
            name=r.debtor_name,
            credit_code=r.credit_code,
            city=r.city,
            district=r.district,
            address=r.address,
        )
        if r.id_number:
            p.id_number_enc = crypto.encrypt(r.id_number)
            p.id_number_hash = crypto.lookup_hash(r.id_number)
            p.id_number_masked = mask_id_number(r.id_number)
        if r.phone:
            p.phone_enc = crypto.encrypt(r.phone)
            p.phone_hash = crypto.lookup_hash(r.phone)
            p.phone_masked = mask(r.phone, 6, 2)
            p.phone_kind = phone_kind(r.phone)
        parties[key] = p
        new_parties.append(p)
    Party.objects.bulk_create(new_parties, batch_size=BATCH)
    if new_parties:
        audit_record_many(
            actor=actor,
            organisation=organisation,
            action="party.create",
            object_type="parties.party",
            rows=(
                (p.pk, {"kind": p.kind, "name": p.name, "source": "import"}) for p in new_parties
            ),
        )

    # 2. Cases: one open case per (creditor, debtor); join it if it exists.
    by_party: dict[int, list[LedgerRow]] = defaultdict(list)
    for r in rows:
        party = parties[_party_key(r)]
        assert party.pk is not None
        by_party[party.pk].append(r)
    open_cases: dict[int, Case] = {}
    party_ids = list(by_party)
    for i in range(0, len(party_ids), BATCH):
        links = (
            CaseParty.objects.filter(
                role=PartyRole.DEBTOR,
                party_id__in=party_ids[i : i + BATCH],
                case__creditor=creditor,
                case__organisation=organisation,
            )
            .exclude(case__state="closed")
            .select_related("case")
            .order_by("case_id")
        )
        for link in links:
            open_cases.setdefault(link.party_id, link.case)
    to_create = [pid for pid in by_party if pid not in open_cases]
    refs = (
        references_reserve(organisation=organisation, count=len(to_create), year=clock.today().year)
        if to_create
        else []
    )
    party_by_id = {p.pk: p for p in parties.values()}
    new_cases = []
    for pid, ref in zip(to_create, refs, strict=True):
        prow = by_party[pid]
        total = sum((r.amount for r in prow), Decimal("0.00"))
        new_cases.append(
            Case(
                organisation=organisation,
                reference=ref,
                creditor=creditor,
                debt_type=prow[0].debt_type,
                principal=total,
                outstanding=total,
                channel=IntakeChannel.IMPORT,
                debtor_name=party_by_id[pid].name,
                oldest_due_date=min(r.due_date for r in prow),
                due_date=min(r.due_date for r in prow),
                summary=f"台账导入：{len(prow)} 张发票 / "
                f"imported from ledger: {len(prow)} invoice(s)",
            )
        )
    Case.objects.bulk_create(new_cases, batch_size=BATCH)
    for pid, case in zip(to_create, new_cases, strict=True):
        open_cases[pid] = case
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=c, party_id=pid, role=PartyRole.DEBTOR)
            for pid, c in zip(to_create, new_cases, strict=True)
        ],
        batch_size=BATCH,
    )
    opened = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                case=c, at=now, actor=actor, kind="opened", to_state=c.state, note="来源：台账导入"
            )
            for c in new_cases
        ],
        batch_size=BATCH,
    )
    timeline_events_log(opened)
    audit_record_many(
        actor=actor,
        organisation=organisation,
        action="case.open",
        object_type="cases.case",
        rows=(
            (
                c.pk,
                {
                    "reference": c.reference,
                    "state": c.state,
                    "principal": str(c.principal),
                    "channel": "import",
                },
            )
            for c in new_cases
        ),
    )

    # 3. Invoices: plain rows, the bulk of the file.
    creditor_id = creditor.pk
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
                open_cases[parties[_party_key(r)].pk].pk,
                creditor_id,
                r.invoice_no,
                r.amount,
                r.amount,
                r.issue_date,
                r.due_date,
                r.note,
                now,
            )
            for r in rows
        ),
    )
    # 4. Existing cases that received invoices: add to their totals and note it.
    created_ids = {c.pk for c in new_cases}
    added: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    joined: dict[int, Case] = {}
    for pid, case in open_cases.items():
        if case.pk not in created_ids and pid in by_party:
            added[case.pk] += sum((r.amount for r in by_party[pid]), Decimal("0.00"))
            joined[case.pk] = case
    for case_pk, amount in added.items():
        oldest = Invoice.objects.filter(case_id=case_pk).aggregate(m=Min("due_date"))["m"]
        Case.objects.filter(pk=case_pk).update(
            principal=F("principal") + amount,
            outstanding=F("outstanding") + amount,
            oldest_due_date=oldest,
            updated_at=now,
        )
    added_events = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                case=c,
                at=now,
                actor=actor,
                kind="invoices_added",
                note="台账导入追加发票",
            )
            for c in joined.values()
        ],
        batch_size=BATCH,
    )
    timeline_events_log(added_events)
    return len(new_cases)


def import_job_run(job: ImportJob) -> ImportJob:
    """Run a stored import job, recording progress on the job row as it goes."""

    def progress(phase: str, done: int, total: int) -> None:
        # Autocommitted updates outside the import's transaction, so the page sees them.
        if phase == "counted":
            ImportJob.objects.filter(pk=job.pk).update(rows_total=total)
        elif phase == "validating":
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done)
        else:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.WRITING, rows_done=F("rows_total")
            )

    ImportJob.objects.filter(pk=job.pk).update(status="running")
    try:
        with job.file.open("rb") as stored:
            result = ledger_import(
                organisation=job.organisation,
                creditor=job.creditor,
                actor=job.uploaded_by,
                file=stored,
                filename=job.filename,
                dry_run=job.dry_run,
                progress=progress,
                columns=job.mapping or None,
            )
    except ApplicationError as exc:
        errors = [
            {
                "line": 0,
                "code": exc.code,
                "message": exc.message,
                "message_zh": exc.message_zh,
                "message_en": exc.message_en,
                "column": "",
            }
        ]
        ImportJob.objects.filter(pk=job.pk).update(
            status="failed", errors=errors, finished_at=clock.now()
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status="failed" if result.errors else "done",
            rows_total=result.rows,
            rows_done=result.rows,
            imported=result.imported,
            duplicates=result.duplicates,
            cases_created=result.cases_created,
            errors=[e.as_dict() for e in result.errors],
            finished_at=clock.now(),
        )
    job.refresh_from_db()
    if settings_import_retention_hours() == 0:
        import_file_discard(job)
    return job


def settings_import_retention_hours() -> int:
    from django.conf import settings

    return int(settings.QINGQIAN_IMPORT_FILE_RETENTION_HOURS)


def import_file_discard(job: ImportJob) -> None:
    """Delete an import's uploaded file (its rows now live encrypted in the database)."""
    if job.file and job.file.name:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete every uploaded ledger of a finished import older than the retention period
    (``QINGQIAN_IMPORT_FILE_RETENTION_HOURS``), and of one stuck for a day; returns the count.

    Uploads are plain copies of a creditor's ledger (names, ID and phone numbers): they are
    kept only as long as an import needs them (docs/security.md, finding 13).
    """
    now = now or clock.now()
    finished = now - dt.timedelta(hours=settings_import_retention_hours())
    stuck = now - dt.timedelta(days=1)
    jobs = ImportJob.objects.exclude(file="").filter(
        Q(status__in=[ImportStatus.DONE, ImportStatus.FAILED], finished_at__lte=finished)
        | Q(created_at__lte=stuck)
    )
    count = 0
    for job in jobs.iterator():
        import_file_discard(job)
        count += 1
    return count
