"""The case book's API schemas (``cases.api``)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class PartyRef(Schema):
    id: int
    name: str
    kind: str
    identifier_masked: str = ""


class PartyIn(Schema):
    """Either ``id`` of an existing party, or the details of a new one."""

    id: int | None = None
    kind: str | None = None
    name: str | None = None
    credit_code: str = ""
    id_number: str = ""
    phone: str = ""
    city: str = ""
    district: str = ""
    address: str = ""


class InvoiceIn(Schema):
    number: str = Field(min_length=1, max_length=64)
    amount: str | int | float
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    note: str = ""


class CaseIn(Schema):
    creditor_id: int
    debtors: list[PartyIn] = Field(min_length=1)
    guarantors: list[PartyIn] = []
    debt_type: str
    principal: str | int | float | None = None
    currency: str = "CNY"
    interest_rate: str | None = None
    interest_terms: str = ""
    contract_date: dt.date | None = None
    funds_transfer_date: dt.date | None = None
    due_date: dt.date | None = None
    last_payment_date: dt.date | None = None
    summary: str = ""
    handler_id: int | None = None
    invoices: list[InvoiceIn] = []


class CaseItemOut(Schema):
    id: int
    reference: str
    state: str
    outcome: str
    debt_type: str
    principal: str
    outstanding: str
    currency: str
    creditor: PartyRef
    debtors: list[PartyRef]
    handler: str | None
    oldest_due_date: dt.date | None
    days_overdue: int | None
    aging_bucket: str | None
    judicial_route: bool
    channel: str
    created_at: dt.datetime


class CaseListOut(Schema):
    items: list[CaseItemOut]
    #: Exact up to ``QINGQIAN_EXACT_COUNT_UP_TO`` results; above, the planner's estimate.
    count: int
    count_exact: bool = True
    page: int
    per_page: int


class InvoiceOut(Schema):
    id: int
    number: str
    amount: str
    outstanding: str
    issue_date: dt.date | None
    due_date: dt.date | None


class TimelineOut(Schema):
    at: dt.datetime
    kind: str
    from_state: str
    to_state: str
    note: str
    actor: str | None


class CaseDetailOut(CaseItemOut):
    guarantors: list[PartyRef]
    interest_rate: str | None
    interest_terms: str
    contract_date: dt.date | None
    funds_transfer_date: dt.date | None
    due_date: dt.date | None
    last_payment_date: dt.date | None
    summary: str
    invoices: list[InvoiceOut]
    timeline: list[TimelineOut]
    allowed_transitions: list[str]


class TransitionIn(Schema):
    to_state: str
    outcome: str | None = None
    note: str = ""


class AssignIn(Schema):
    handler_id: int | None = None


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


class ImportErrorOut(Schema):
    line: int
    code: str
    message: str
    column: str = ""
    header: str = ""


class ImportOut(Schema):
    rows: int
    imported: int
    duplicates: int
    cases_created: int
    dry_run: bool
    errors_truncated: bool = False
    errors: list[ImportErrorOut]
