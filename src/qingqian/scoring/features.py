"""Repayment-propensity features from lawful data only (还款意愿特征).

Pure: no Django, no clock. Every feature is computed *as at* a date ``at`` passed in, and only
from facts dated on or before it, so the same function serves live scoring and the building
of training rows without leaking the future into the past.

What goes in (issue 6): days overdue, amount and balance, debt type, evidence strength,
debtor kind (person/company), company registry status (a field staff fill in from the public
registry), court judgments and the dishonest-judgment-debtor flag (失信被执行人) entered from
public records, contact history (attempts, reached, connected, promises kept and broken),
payments so far and the proximity of the limitation deadline.

What never goes in: gender, ethnicity, age, anything about the debtor's contacts (通讯录)
or third parties. `is_forbidden_column` names the words that a feature or training
column may not contain; the learning pipeline refuses such columns as features (an auditor
may still name them as *audit* columns for the fairness report).

Every score records :data:`FEATURE_VERSION` and :meth:`Features.digest`, the SHA-256 of the
RFC 8785 canonical JSON of :meth:`Features.as_dict`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from qingqian.ledger.canonical import canonicalize
from qingqian.scoring.errors import fail

FEATURE_VERSION = "features-1"

DebtorKind = Literal["person", "company"]
DEBTOR_KINDS: tuple[str, ...] = ("person", "company")
#: Mirrors ``cases.models.DebtType`` (kept as plain strings: the kernel imports no Django).
DEBT_TYPES: tuple[str, ...] = ("trade", "construction", "private_loan", "other")
#: strong: signed contract + delivery/acceptance + the debtor's written acknowledgement (对账单);
#: medium: contract or invoices with delivery proof; weak: invoices or chat records only.
EVIDENCE_LEVELS: tuple[str, ...] = ("strong", "medium", "weak", "none")
#: Company registry status as staff read it from the public registry (国家企业信用信息公示系统):
#: active (存续/在业), abnormal (经营异常名录), deregistered (注销/吊销), unknown (not checked).
#: Persons have no registry entry: ``not_applicable``.
REGISTRY_STATUSES: tuple[str, ...] = (
    "active",
    "abnormal",
    "deregistered",
    "unknown",
    "not_applicable",
)

#: Known directions for the firm's own training rows (target: paid within N days): +1 when
#: more of the feature makes payment likelier, −1 when less. Every learned candidate is held
#: monotone in these (docs/scoring.md); the rest are left to the data.
KNOWN_DIRECTIONS: tuple[tuple[str, int], ...] = (
    ("days_overdue", -1),
    ("paid_permille", 1),
    ("promises_kept", 1),
    ("promises_broken", -1),
    ("contacts_connected", 1),
    ("judgments", -1),
    ("days_to_limitation", 1),
)

#: Name tokens no feature or training column may contain. A column name is split into
#: lower-case tokens at every non-alphanumeric character (``age_in_years`` → ``age``, ``in``,
#: ``years``); ``percentage`` is one token and passes. Chinese words match as substrings.
FORBIDDEN_FEATURE_TOKENS: frozenset[str] = frozenset(
    {
        "gender",
        "sex",
        "ethnic",
        "ethnicity",
        "race",
        "nationality",
        "minzu",
        "age",
        "birth",
        "birthday",
        "dob",
        "religion",
        "marital",
        "contacts",
        "relatives",
        "addressbook",
    }
)
FORBIDDEN_FEATURE_WORDS_ZH: tuple[str, ...] = (
    "性别",
    "民族",
    "种族",
    "年龄",
    "出生",
    "通讯录",
    "联系人",
    "婚姻",
    "宗教",
)
#: Column names that contain a forbidden token but are lawful features of this module
#: (the debtor's own contact history, not data about the debtor's contacts).
ALLOWED_DESPITE_TOKENS: frozenset[str] = frozenset({"contacts_reached", "contacts_connected"})

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ContactAttempt:
    """One outbound contact attempt. ``reached``: someone answered or replied;
    ``connected``: the debtor (or a person entitled to speak for a company debtor) engaged."""

    on: dt.date
    reached: bool
    connected: bool


@dataclass(frozen=True)
class Promise:
    """A promise to pay (承诺还款). ``kept`` is None until its outcome is known."""

    made_on: dt.date
    due_on: dt.date
    kept: bool | None


@dataclass(frozen=True)
class Payment:
    on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class CaseFacts:
    """What the firm lawfully knows about one debtor's debt in one case."""

    debtor_kind: str
    debt_type: str
    principal: Decimal
    accepted_on: dt.date
    oldest_due_on: dt.date
    evidence_strength: str
    registry_status: str | None = None
    judgments_on: tuple[dt.date, ...] = ()
    dishonest_listed_on: dt.date | None = None
    contacts: tuple[ContactAttempt, ...] = ()
    promises: tuple[Promise, ...] = ()
    payments: tuple[Payment, ...] = ()
    limitation_expires_on: dt.date | None = None


@dataclass(frozen=True)
class Features:
    """The feature vector of one case as at ``at``; integers, strings, booleans and money."""

    at: dt.date
    days_overdue: int
    days_since_acceptance: int
    principal: Decimal
    balance: Decimal
    paid: Decimal
    paid_permille: int
    debt_type: str
    evidence_strength: str
    debtor_kind: str
    registry_status: str
    judgments: int
    dishonest_debtor: bool
    contact_attempts: int
    contacts_reached: int
    contacts_connected: int
    days_since_last_contact: int | None
    promises_kept: int
    promises_broken: int
    promises_open: int
    payments_count: int
    days_since_last_payment: int | None
    days_to_limitation: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money as decimal strings, the date as ISO text, plus the version."""
        out: dict[str, Any] = {"feature_version": FEATURE_VERSION}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                out[name] = f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"
            elif isinstance(value, dt.date):
                out[name] = value.isoformat()
            else:
                out[name] = value
        return out

    def digest(self) -> str:
        """SHA-256 (hex) of the RFC 8785 canonical JSON of :meth:`as_dict`.

        The vector holds no floats and only ASCII keys, so the standard library's sorted,
        compact ``json.dumps`` writes exactly the RFC 8785 bytes (same escapes, same key order)
        at a fraction of the cost; :func:`digest_reference` is the general encoder, and the
        tests hold the two equal.
        """
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def digest_reference(self) -> str:
        """The same digest through the general RFC 8785 encoder (slower)."""
        return hashlib.sha256(canonicalize(self.as_dict())).hexdigest()


def _check_choice(value: str, allowed: Sequence[str], field: str) -> None:
    if value not in allowed:
        raise fail(
            f"{field}_unknown",
            f"{field} 的取值 {value!r} 不在 {', '.join(allowed)} 之中。",
            f"{field} {value!r} is not one of {', '.join(allowed)}.",
            field=field,
            value=value,
            allowed=",".join(allowed),
        )


def _validate(facts: CaseFacts, at: dt.date) -> str:
    _check_choice(facts.debtor_kind, DEBTOR_KINDS, "debtor_kind")
    _check_choice(facts.debt_type, DEBT_TYPES, "debt_type")
    _check_choice(facts.evidence_strength, EVIDENCE_LEVELS, "evidence_strength")
    registry = facts.registry_status
    if facts.debtor_kind == "person":
        if registry not in (None, "not_applicable"):
            raise fail(
                "registry_status_for_person",
                "自然人债务人没有企业登记状态。",
                "A person debtor has no company registry status.",
                registry_status=registry,
            )
        registry = "not_applicable"
    else:
        registry = registry or "unknown"
        _check_choice(registry, REGISTRY_STATUSES[:4], "registry_status")
    if not facts.principal.is_finite() or facts.principal <= 0:
        raise fail(
            "principal_not_positive",
            f"欠款本金必须大于零：{facts.principal}",
            f"The principal must be greater than zero: {facts.principal}",
            principal=facts.principal,
        )
    if at < facts.accepted_on:
        raise fail(
            "at_before_acceptance",
            f"评分日期 {at} 早于受理日期 {facts.accepted_on}。",
            f"The scoring date {at} is before the case was accepted on {facts.accepted_on}.",
            at=at,
            accepted_on=facts.accepted_on,
        )
    for payment in facts.payments:
        if not payment.amount.is_finite() or payment.amount <= 0:
            raise fail(
                "payment_not_positive",
                f"还款金额必须大于零：{payment.amount}",
                f"A payment must be greater than zero: {payment.amount}",
                amount=payment.amount,
                on=payment.on,
            )
    for promise in facts.promises:
        if promise.due_on < promise.made_on:
            raise fail(
                "promise_due_before_made",
                f"承诺还款日 {promise.due_on} 早于承诺日 {promise.made_on}。",
                f"A promise falls due ({promise.due_on}) before it was made ({promise.made_on}).",
                made_on=promise.made_on,
                due_on=promise.due_on,
            )
    for contact in facts.contacts:
        if contact.connected and not contact.reached:
            raise fail(
                "connected_without_reach",
                "未接通的联系不能记为已沟通。",
                "A contact cannot be connected without being reached.",
                on=contact.on,
            )
    return registry


def compute_features(facts: CaseFacts, at: dt.date) -> Features:
    """The features of ``facts`` as at ``at`` (facts dated after ``at`` are not seen).

    Raises :class:`~qingqian.scoring.errors.ScoringError` for unknown categories, a
    non-positive principal or payment, ``at`` before acceptance, payments above the
    principal, promises due before they were made and connected-but-not-reached contacts.
    """
    registry = _validate(facts, at)
    contacts = [c for c in facts.contacts if c.on <= at]
    payments = [p for p in facts.payments if p.on <= at]
    paid = sum((p.amount for p in payments), Decimal(0))
    if paid > facts.principal:
        raise fail(
            "payments_exceed_principal",
            f"截至 {at} 的还款 {paid} 超过本金 {facts.principal}。",
            f"Payments up to {at} ({paid}) exceed the principal ({facts.principal}).",
            paid=paid,
            principal=facts.principal,
        )
    kept = broken = open_ = 0
    for promise in facts.promises:
        if promise.made_on > at:
            continue
        if promise.due_on <= at and promise.kept is True:
            kept += 1
        elif promise.due_on <= at and promise.kept is False:
            broken += 1
        else:
            open_ += 1
    last_contact = max((c.on for c in contacts), default=None)
    last_payment = max((p.on for p in payments), default=None)
    permille = (paid * 1000 / facts.principal).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Features(
        at=at,
        days_overdue=(at - facts.oldest_due_on).days,
        days_since_acceptance=(at - facts.accepted_on).days,
        principal=facts.principal,
        balance=facts.principal - paid,
        paid=paid,
        paid_permille=int(permille),
        debt_type=facts.debt_type,
        evidence_strength=facts.evidence_strength,
        debtor_kind=facts.debtor_kind,
        registry_status=registry,
        judgments=sum(1 for d in facts.judgments_on if d <= at),
        dishonest_debtor=facts.dishonest_listed_on is not None and facts.dishonest_listed_on <= at,
        contact_attempts=len(contacts),
        contacts_reached=sum(1 for c in contacts if c.reached),
        contacts_connected=sum(1 for c in contacts if c.connected),
        days_since_last_contact=None if last_contact is None else (at - last_contact).days,
        promises_kept=kept,
        promises_broken=broken,
        promises_open=open_,
        payments_count=len(payments),
        days_since_last_payment=None if last_payment is None else (at - last_payment).days,
        days_to_limitation=(
            None if facts.limitation_expires_on is None else (facts.limitation_expires_on - at).days
        ),
    )


def is_forbidden_column(name: str) -> bool:
    """True when ``name`` looks like a protected attribute or data about the debtor's contacts."""
    if name in ALLOWED_DESPITE_TOKENS:
        return False
    tokens = {t for t in re.split(r"[^0-9a-z]+", name.lower()) if t}
    return bool(tokens & FORBIDDEN_FEATURE_TOKENS) or any(
        word in name for word in FORBIDDEN_FEATURE_WORDS_ZH
    )


#: The columns :func:`to_columns` produces (numeric numpy arrays, one value per case).
COLUMNS: tuple[str, ...] = (
    "days_overdue",
    "balance",
    "paid_permille",
    "has_payment",
    "days_since_last_payment",
    "contact_attempts",
    "contacts_reached",
    "contacts_connected",
    "promises_kept",
    "promises_broken",
    "promises_open",
    "evidence",
    "registry",
    "judgments",
    "dishonest_debtor",
    "has_limitation",
    "days_to_limitation",
)

Columns = dict[str, npt.NDArray[Any]]


def to_columns(rows: Sequence[Features]) -> Columns:
    """Columnar numpy form for vectorised scoring.

    ``evidence`` and ``registry`` are indices into :data:`EVIDENCE_LEVELS` and
    :data:`REGISTRY_STATUSES`; a missing ``days_since_last_payment`` or ``days_to_limitation``
    is 0 with ``has_payment`` / ``has_limitation`` False. ``balance`` is in yuan as float64,
    used only to pick a band (the thresholds are whole yuan, exact in binary).
    """
    ev = {name: i for i, name in enumerate(EVIDENCE_LEVELS)}
    rg = {name: i for i, name in enumerate(REGISTRY_STATUSES)}
    return {
        "days_overdue": np.array([r.days_overdue for r in rows], dtype=np.int64),
        "balance": np.array([float(r.balance) for r in rows], dtype=np.float64),
        "paid_permille": np.array([r.paid_permille for r in rows], dtype=np.int64),
        "has_payment": np.array([r.payments_count > 0 for r in rows], dtype=bool),
        "days_since_last_payment": np.array(
            [r.days_since_last_payment or 0 for r in rows], dtype=np.int64
        ),
        "contact_attempts": np.array([r.contact_attempts for r in rows], dtype=np.int64),
        "contacts_reached": np.array([r.contacts_reached for r in rows], dtype=np.int64),
        "contacts_connected": np.array([r.contacts_connected for r in rows], dtype=np.int64),
        "promises_kept": np.array([r.promises_kept for r in rows], dtype=np.int64),
        "promises_broken": np.array([r.promises_broken for r in rows], dtype=np.int64),
        "promises_open": np.array([r.promises_open for r in rows], dtype=np.int64),
        "evidence": np.array([ev[r.evidence_strength] for r in rows], dtype=np.int64),
        "registry": np.array([rg[r.registry_status] for r in rows], dtype=np.int64),
        "judgments": np.array([r.judgments for r in rows], dtype=np.int64),
        "dishonest_debtor": np.array([r.dishonest_debtor for r in rows], dtype=bool),
        "has_limitation": np.array([r.days_to_limitation is not None for r in rows], dtype=bool),
        "days_to_limitation": np.array([r.days_to_limitation or 0 for r in rows], dtype=np.int64),
    }


def training_row(features: Features) -> dict[str, Any]:
    """One row for the learning pipeline: the lawful features, model-ready (no date, no ids)."""
    data = features.as_dict()
    for key in ("feature_version", "at"):
        data.pop(key)
    for key in ("principal", "balance", "paid"):
        data[key] = float(Decimal(data[key]))
    return data
