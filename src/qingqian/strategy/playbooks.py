"""Strategy playbooks by aging (pure kernel): data in, one treatment per debtor out.

A playbook is JSON-serialisable data::

    {"key": "judicial", "name_zh": "司法途径", "name_en": "Judicial route",
     "conditions": {"aging_buckets": ["181_365", "over_365"], "debt_types": ["trade"],
                    "amount": {"min": "0", "max": null}, "score": {"min": "0", "max": "1"},
                    "evidence_strength": {"min": "weak", "max": "strong"},
                    "debtor_kinds": ["company"]},
     "steps": [{"kind": "lawyer_letter", "channels": ["letter", "email"], "wait_days": 0},
               {"kind": "payment_order", "channels": ["court"], "wait_days": 15}],
     "challenger": {"experiment": "judicial-2027", "share": "0.5", "steps": [...]}}

Every condition is optional (absent: any value matches). ``wait_days`` is the wait after the
previous step (for the first step, after the treatment starts). The first playbook in the
list whose conditions match wins. :func:`load_playbooks` validates the data and reports
every problem with its path, for an editor with a preview.

:func:`plan` gives ONE treatment per debtor across all their invoices: disputed invoices are
left out until resolved; the others are pooled (the oldest overdue invoice sets the aging
bucket, the sum sets the amount, the debt type with the largest amount stands for the
debtor). The treatment names the playbook, the arm, the next step, its date and the reason,
in both languages. Every step's contact still goes through the contact gate: the engine
proposes, it does not contact anyone.

Champion/challenger: :func:`assign_arm` hashes the experiment name and the debtor id
(SHA-256), so a debtor always lands in the same arm; :func:`compare_arms` sums recovery and
cost per arm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from qingqian.cases.aging import BUCKETS, JUDICIAL_ROUTE_DAYS, bucket_for
from qingqian.strategy.errors import StrategyError

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
EVIDENCE_ORDER: tuple[str, ...] = ("none", "weak", "medium", "strong")
DEBT_TYPES: tuple[str, ...] = ("trade", "construction", "private_loan", "other")
DEBTOR_KINDS: tuple[str, ...] = ("person", "company")
BUCKET_KEYS: tuple[str, ...] = tuple(b.key for b in BUCKETS)
MAX_WAIT_DAYS = 365


class StepKind(StrEnum):
    SMS_REMINDER = "sms_reminder"
    CALL = "call"
    FORMAL_DEMAND = "formal_demand"
    LAWYER_LETTER = "lawyer_letter"
    MEDIATION = "mediation"
    PAYMENT_ORDER = "payment_order"
    LITIGATION = "litigation"
    PRESERVATION = "preservation"


STEP_LABELS: dict[StepKind, tuple[str, str]] = {
    StepKind.SMS_REMINDER: ("短信提醒", "SMS reminder"),
    StepKind.CALL: ("电话沟通", "call"),
    StepKind.FORMAL_DEMAND: ("正式催款函", "formal demand letter"),
    StepKind.LAWYER_LETTER: ("律师函", "lawyer's letter"),
    StepKind.MEDIATION: ("调解", "mediation"),
    StepKind.PAYMENT_ORDER: ("申请支付令", "payment order"),
    StepKind.LITIGATION: ("起诉", "litigation"),
    StepKind.PRESERVATION: ("财产保全", "property preservation"),
}
JUDICIAL_STEPS = frozenset({StepKind.PAYMENT_ORDER, StepKind.LITIGATION, StepKind.PRESERVATION})


class Channel(StrEnum):
    SMS = "sms"
    CALL = "call"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    COURT = "court"


#: Each channel in words (the reasons a treatment gives are read by people).
CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    "sms": ("短信", "SMS"),
    "call": ("电话", "call"),
    "email": ("电子邮件", "e-mail"),
    "letter": ("信函", "letter"),
    "in_person": ("上门", "visit"),
    "court": ("法院", "court"),
}


# --- data model ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    channels: tuple[Channel, ...]
    wait_days: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "channels": [ch.value for ch in self.channels],
            "wait_days": self.wait_days,
        }


@dataclass(frozen=True, slots=True)
class Conditions:
    aging_buckets: frozenset[str] | None = None
    debt_types: frozenset[str] | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    score_min: Decimal | None = None
    score_max: Decimal | None = None
    evidence_min: str | None = None
    evidence_max: str | None = None
    debtor_kinds: frozenset[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.aging_buckets is not None:
            out["aging_buckets"] = [k for k in BUCKET_KEYS if k in self.aging_buckets]
        if self.debt_types is not None:
            out["debt_types"] = sorted(self.debt_types)
        if self.amount_min is not None or self.amount_max is not None:
            out["amount"] = {"min": _s(self.amount_min), "max": _s(self.amount_max)}
        if self.score_min is not None or self.score_max is not None:
            out["score"] = {"min": _s(self.score_min), "max": _s(self.score_max)}
        if self.evidence_min is not None or self.evidence_max is not None:
            out["evidence_strength"] = {"min": self.evidence_min, "max": self.evidence_max}
        if self.debtor_kinds is not None:
            out["debtor_kinds"] = sorted(self.debtor_kinds)
        return out


@dataclass(frozen=True, slots=True)
class Challenger:
    experiment: str
    share: Decimal
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Playbook:
    key: str
    name_zh: str
    name_en: str
    conditions: Conditions
    steps: tuple[Step, ...]
    challenger: Challenger | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "conditions": self.conditions.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
        }
        if self.challenger is not None:
            out["challenger"] = {
                "experiment": self.challenger.experiment,
                "share": str(self.challenger.share),
                "steps": [s.to_dict() for s in self.challenger.steps],
            }
        return out


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- validation ----------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, zh: str, en: str) -> None:
        self.items.append({"path": path, "zh": zh, "en": en})


def _decimal(raw: object, path: str, errors: _Errors) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        errors.add(
            path, "数字须以字符串给出（不能是浮点数）", "numbers must be strings, not floats"
        )
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        errors.add(path, f"不是有效的非负数：{raw}", f"not a valid non-negative number: {raw}")
        return None
    return value


def _choices(
    raw: object, path: str, allowed: Sequence[str], errors: _Errors
) -> frozenset[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        errors.add(path, "须为非空列表", "must be a non-empty list")
        return None
    for index, item in enumerate(raw):
        if item not in allowed:
            errors.add(
                f"{path}[{index}]",
                f"未知的取值 {item!r}（可选：{'、'.join(allowed)}）",
                f"unknown value {item!r} (choose from: {', '.join(allowed)})",
            )
    return frozenset(str(i) for i in raw)


def _range(
    raw: object, path: str, errors: _Errors, *, top: Decimal | None = None
) -> tuple[Decimal | None, Decimal | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping) or set(raw) - {"min", "max"}:
        errors.add(path, "须为 {min, max} 对象", "must be an object with min and max")
        return None, None
    low = _decimal(raw.get("min"), f"{path}.min", errors)
    high = _decimal(raw.get("max"), f"{path}.max", errors)
    for value, name in ((low, "min"), (high, "max")):
        if value is not None and top is not None and value > top:
            errors.add(f"{path}.{name}", f"不能大于 {top}", f"must not exceed {top}")
    if low is not None and high is not None and low > high:
        errors.add(path, "最小值大于最大值", "min is greater than max")
    return low, high


def _steps(raw: object, path: str, errors: _Errors) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        errors.add(path, "至少需要一个步骤", "at least one step is needed")
        return ()
    steps: list[Step] = []
    for index, item in enumerate(raw):
        here = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            errors.add(here, "每个步骤须为对象", "each step must be an object")
            continue
        extra = set(item) - {"kind", "channels", "wait_days"}
        if extra:
            errors.add(here, f"未知字段：{sorted(extra)}", f"unknown fields: {sorted(extra)}")
        try:
            kind = StepKind(str(item.get("kind")))
        except ValueError:
            errors.add(
                f"{here}.kind",
                f"未知的步骤类型 {item.get('kind')!r}",
                f"unknown step kind {item.get('kind')!r} (choose from:"
                f" {', '.join(k.value for k in StepKind)})",
            )
            continue
        raw_channels = item.get("channels")
        channels: list[Channel] = []
        if not isinstance(raw_channels, list) or not raw_channels:
            errors.add(f"{here}.channels", "至少需要一个渠道", "at least one channel is needed")
        else:
            for ci, ch in enumerate(raw_channels):
                try:
                    channel = Channel(ch)
                except ValueError:
                    errors.add(
                        f"{here}.channels[{ci}]",
                        f"未知的渠道 {ch!r}",
                        f"unknown channel {ch!r} (choose from:"
                        f" {', '.join(c.value for c in Channel)})",
                    )
                    continue
                if channel in channels:
                    errors.add(f"{here}.channels[{ci}]", "渠道重复", "duplicate channel")
                channels.append(channel)
            judicial = kind in JUDICIAL_STEPS
            if judicial and channels != [Channel.COURT]:
                errors.add(
                    f"{here}.channels",
                    "司法步骤只能使用 court 渠道",
                    "judicial steps use the court channel only",
                )
            if not judicial and Channel.COURT in channels:
                errors.add(
                    f"{here}.channels",
                    "court 渠道只用于司法步骤",
                    "the court channel is for judicial steps only",
                )
        wait = item.get("wait_days", 0)
        if isinstance(wait, bool) or not isinstance(wait, int) or not 0 <= wait <= MAX_WAIT_DAYS:
            errors.add(
                f"{here}.wait_days",
                f"等待天数须为 0 至 {MAX_WAIT_DAYS} 的整数",
                f"wait_days must be a whole number from 0 to {MAX_WAIT_DAYS}",
            )
            wait = 0
        steps.append(Step(kind, tuple(channels), wait))
    return tuple(steps)


def _playbook(raw: object, path: str, errors: _Errors) -> Playbook | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "每个策略须为对象", "each playbook must be an object")
        return None
    allowed = {"key", "name_zh", "name_en", "conditions", "steps", "challenger"}
    extra = set(raw) - allowed
    if extra:
        errors.add(path, f"未知字段：{sorted(extra)}", f"unknown fields: {sorted(extra)}")
    key = raw.get("key")
    if not isinstance(key, str) or not key or not key.replace("_", "").replace("-", "").isalnum():
        errors.add(f"{path}.key", "key 须为字母、数字、- 或 _", "key: letters, digits, - and _")
        key = ""
    names = []
    for name in ("name_zh", "name_en"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            errors.add(f"{path}.{name}", "名称不能为空", "a name is required")
            value = ""
        names.append(value)
    cond = raw.get("conditions") or {}
    if not isinstance(cond, Mapping):
        errors.add(f"{path}.conditions", "条件须为对象", "conditions must be an object")
        cond = {}
    known = {"aging_buckets", "debt_types", "amount", "score", "evidence_strength", "debtor_kinds"}
    if set(cond) - known:
        errors.add(
            f"{path}.conditions",
            f"未知条件：{sorted(set(cond) - known)}",
            f"unknown conditions: {sorted(set(cond) - known)}",
        )
    cp = f"{path}.conditions"
    amount_min, amount_max = _range(cond.get("amount"), f"{cp}.amount", errors)
    score_min, score_max = _range(cond.get("score"), f"{cp}.score", errors, top=Decimal(1))
    ev = cond.get("evidence_strength")
    ev_min = ev_max = None
    if ev is not None:
        if not isinstance(ev, Mapping) or set(ev) - {"min", "max"}:
            errors.add(f"{cp}.evidence_strength", "须为 {min, max} 对象", "must be {min, max}")
        else:
            ev_min, ev_max = ev.get("min"), ev.get("max")
            for value, name in ((ev_min, "min"), (ev_max, "max")):
                if value is not None and value not in EVIDENCE_ORDER:
                    errors.add(
                        f"{cp}.evidence_strength.{name}",
                        f"未知的证据强度 {value!r}",
                        f"unknown evidence strength {value!r} (choose from:"
                        f" {', '.join(EVIDENCE_ORDER)})",
                    )
            if (
                ev_min in EVIDENCE_ORDER
                and ev_max in EVIDENCE_ORDER
                and EVIDENCE_ORDER.index(ev_min) > EVIDENCE_ORDER.index(ev_max)
            ):
                errors.add(f"{cp}.evidence_strength", "最小值大于最大值", "min is above max")
    conditions = Conditions(
        aging_buckets=_choices(
            cond.get("aging_buckets"), f"{cp}.aging_buckets", BUCKET_KEYS, errors
        ),
        debt_types=_choices(cond.get("debt_types"), f"{cp}.debt_types", DEBT_TYPES, errors),
        amount_min=amount_min,
        amount_max=amount_max,
        score_min=score_min,
        score_max=score_max,
        evidence_min=ev_min if isinstance(ev_min, str) else None,
        evidence_max=ev_max if isinstance(ev_max, str) else None,
        debtor_kinds=_choices(cond.get("debtor_kinds"), f"{cp}.debtor_kinds", DEBTOR_KINDS, errors),
    )
    steps = _steps(raw.get("steps"), f"{path}.steps", errors)
    challenger = None
    raw_ch = raw.get("challenger")
    if raw_ch is not None:
        chp = f"{path}.challenger"
        if not isinstance(raw_ch, Mapping):
            errors.add(chp, "挑战者须为对象", "challenger must be an object")
        else:
            experiment = raw_ch.get("experiment")
            if not isinstance(experiment, str) or not experiment.strip():
                errors.add(f"{chp}.experiment", "须提供实验名称", "an experiment name is needed")
                experiment = ""
            share = _decimal(raw_ch.get("share", "0.5"), f"{chp}.share", errors)
            if share is not None and not 0 < share < 1:
                errors.add(f"{chp}.share", "比例须在 0 与 1 之间", "share must be between 0 and 1")
            ch_steps = _steps(raw_ch.get("steps"), f"{chp}.steps", errors)
            challenger = Challenger(experiment, share or Decimal("0.5"), ch_steps)
    return Playbook(str(key), names[0], names[1], conditions, steps, challenger)


def validate_playbooks(data: object) -> list[dict[str, str]]:
    """Every problem in ``data`` (a list of playbooks), each ``{"path", "zh", "en"}``."""
    errors = _Errors()
    _parse(data, errors)
    return errors.items


def _parse(data: object, errors: _Errors) -> tuple[Playbook, ...]:
    if not isinstance(data, list) or not data:
        errors.add("playbooks", "须为非空的策略列表", "must be a non-empty list of playbooks")
        return ()
    books: list[Playbook] = []
    keys: set[str] = set()
    experiments: set[str] = set()
    for index, raw in enumerate(data):
        book = _playbook(raw, f"playbooks[{index}]", errors)
        if book is None:
            continue
        if book.key and book.key in keys:
            errors.add(
                f"playbooks[{index}].key", f"key 重复：{book.key}", f"duplicate key {book.key}"
            )
        keys.add(book.key)
        if book.challenger is not None and book.challenger.experiment:
            if book.challenger.experiment in experiments:
                errors.add(
                    f"playbooks[{index}].challenger.experiment",
                    "实验名称重复",
                    "duplicate experiment name",
                )
            experiments.add(book.challenger.experiment)
        books.append(book)
    return tuple(books)


def load_playbooks(data: object) -> tuple[Playbook, ...]:
    """Playbooks from JSON-like data, or :class:`StrategyError` (``playbook_invalid``) listing
    every problem with its path in ``details["errors"]``."""
    errors = _Errors()
    books = _parse(data, errors)
    if errors.items:
        first = errors.items[0]
        raise StrategyError(
            f"策略数据有 {len(errors.items)} 处错误，首个：{first['path']}：{first['zh']}",
            f"The playbook data has {len(errors.items)} problem(s); first: {first['path']}:"
            f" {first['en']}",
            code="playbook_invalid",
            details={"errors": errors.items},
        )
    return books


def dump_playbooks(playbooks: Iterable[Playbook]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in playbooks]


# --- the default set -----------------------------------------------------------------------

DEFAULT_PLAYBOOK_DATA: list[dict[str, Any]] = [
    {
        "key": "judicial",
        "name_zh": "司法途径（逾期超过 180 天）",
        "name_en": "Judicial route (over 180 days overdue)",
        "conditions": {"aging_buckets": ["181_365", "over_365"]},
        "steps": [
            {"kind": "lawyer_letter", "channels": ["letter", "email"], "wait_days": 0},
            {"kind": "payment_order", "channels": ["court"], "wait_days": 15},
            {"kind": "litigation", "channels": ["court"], "wait_days": 30},
            {"kind": "preservation", "channels": ["court"], "wait_days": 0},
        ],
    },
    {
        "key": "late",
        "name_zh": "正式催告与调解（91–180 天）",
        "name_en": "Formal demand and mediation (91-180 days)",
        "conditions": {"aging_buckets": ["91_180"]},
        "steps": [
            {"kind": "formal_demand", "channels": ["letter", "email"], "wait_days": 0},
            {"kind": "call", "channels": ["call"], "wait_days": 7},
            {"kind": "lawyer_letter", "channels": ["letter", "email"], "wait_days": 14},
            {"kind": "mediation", "channels": ["call", "in_person"], "wait_days": 14},
        ],
    },
    {
        "key": "early",
        "name_zh": "提醒与沟通（31–90 天）",
        "name_en": "Reminders and calls (31-90 days)",
        "conditions": {"aging_buckets": ["31_60", "61_90"]},
        "steps": [
            {"kind": "sms_reminder", "channels": ["sms", "email"], "wait_days": 0},
            {"kind": "call", "channels": ["call"], "wait_days": 5},
            {"kind": "formal_demand", "channels": ["letter", "email"], "wait_days": 10},
        ],
    },
    {
        "key": "fresh",
        "name_zh": "友好提醒（30 天以内）",
        "name_en": "Friendly reminder (up to 30 days)",
        "conditions": {"aging_buckets": ["0_30"]},
        "steps": [
            {"kind": "sms_reminder", "channels": ["sms", "email"], "wait_days": 0},
            {"kind": "call", "channels": ["call"], "wait_days": 7},
        ],
    },
]


def default_playbooks() -> tuple[Playbook, ...]:
    return load_playbooks(DEFAULT_PLAYBOOK_DATA)


# --- the engine ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceView:
    invoice_id: str
    amount: Decimal
    """What is still outstanding on the invoice."""
    due_date: dt.date
    debt_type: str = "trade"
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the debtor's current treatment stands: the playbook and arm it follows, how many
    of its steps are done, and when the last one was done (or the treatment started)."""

    playbook_key: str
    arm: str
    steps_done: int
    last_on: dt.date


@dataclass(frozen=True, slots=True)
class DebtorView:
    debtor_id: str
    invoices: tuple[InvoiceView, ...]
    debtor_kind: str | None = None
    score: Decimal | None = None
    evidence_strength: str | None = None
    progress: Progress | None = None


@dataclass(frozen=True, slots=True)
class Treatment:
    debtor_id: str
    status: str
    """``active``, ``completed``, ``on_hold`` (all disputed), ``not_due``, ``no_playbook``."""
    playbook_key: str | None
    arm: str | None
    experiment: str | None
    invoice_ids: tuple[str, ...]
    excluded_invoice_ids: tuple[str, ...]
    amount: Decimal
    days_overdue: int | None
    aging_bucket: str | None
    step_index: int | None
    next_step: Step | None
    next_date: dt.date | None
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "debtor_id": self.debtor_id,
            "status": self.status,
            "playbook": self.playbook_key,
            "arm": self.arm,
            "experiment": self.experiment,
            "invoice_ids": list(self.invoice_ids),
            "excluded_invoice_ids": list(self.excluded_invoice_ids),
            "amount": str(self.amount),
            "days_overdue": self.days_overdue,
            "aging_bucket": self.aging_bucket,
            "step_index": self.step_index,
            "next_step": None if self.next_step is None else self.next_step.to_dict(),
            "next_date": None if self.next_date is None else self.next_date.isoformat(),
            "reason": {"zh": self.reason_zh, "en": self.reason_en},
        }


def assign_arm(debtor_id: str, experiment: str, share: Decimal = Decimal("0.5")) -> str:
    """``challenger`` or ``champion``: the first 8 bytes of SHA-256(experiment, debtor id) as a
    fraction of 2**64, below ``share`` → challenger. Stable across runs and machines."""
    digest = hashlib.sha256(f"{experiment}\x1f{debtor_id}".encode()).digest()
    position = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)
    return "challenger" if position < share else "champion"


def _matches(
    book: Playbook, *, bucket: str, debt_type: str, amount: Decimal, view: DebtorView
) -> bool:
    c = book.conditions
    if c.aging_buckets is not None and bucket not in c.aging_buckets:
        return False
    if c.debt_types is not None and debt_type not in c.debt_types:
        return False
    if c.amount_min is not None and amount < c.amount_min:
        return False
    if c.amount_max is not None and amount > c.amount_max:
        return False
    if c.score_min is not None or c.score_max is not None:
        if view.score is None:
            return False
        if c.score_min is not None and view.score < c.score_min:
            return False
        if c.score_max is not None and view.score > c.score_max:
            return False
    if c.evidence_min is not None or c.evidence_max is not None:
        if view.evidence_strength not in EVIDENCE_ORDER:
            return False
        level = EVIDENCE_ORDER.index(view.evidence_strength)
        if c.evidence_min is not None and level < EVIDENCE_ORDER.index(c.evidence_min):
            return False
        if c.evidence_max is not None and level > EVIDENCE_ORDER.index(c.evidence_max):
            return False
    return not (c.debtor_kinds is not None and view.debtor_kind not in c.debtor_kinds)


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def plan(playbooks: Sequence[Playbook], debtor_view: DebtorView, *, today: dt.date) -> Treatment:
    """The one treatment for a debtor today, across all their invoices."""
    ids = [i.invoice_id for i in debtor_view.invoices]
    if len(set(ids)) != len(ids):
        raise StrategyError(
            "同一债务人的发票编号重复。",
            "Invoice ids repeat for the same debtor.",
            code="invoice_duplicate",
            details={"debtor_id": debtor_view.debtor_id},
        )
    for inv in debtor_view.invoices:
        if not isinstance(inv.amount, Decimal) or not inv.amount.is_finite() or inv.amount < 0:
            raise StrategyError(
                f"发票 {inv.invoice_id} 金额无效。",
                f"Invoice {inv.invoice_id} has an invalid amount.",
                code="invoice_amount_invalid",
                details={"invoice_id": inv.invoice_id, "amount": str(inv.amount)},
            )
    live = sorted(
        (i for i in debtor_view.invoices if not i.disputed and i.amount > 0),
        key=lambda i: i.invoice_id,
    )
    excluded = tuple(sorted(i.invoice_id for i in debtor_view.invoices if i.disputed))
    amount = sum((i.amount for i in live), Decimal(0)).quantize(CENT)
    invoice_ids = tuple(i.invoice_id for i in live)

    def make(**fields: Any) -> Treatment:
        return Treatment(
            debtor_id=debtor_view.debtor_id,
            invoice_ids=invoice_ids,
            excluded_invoice_ids=excluded,
            amount=amount,
            **fields,
        )

    excluded_zh = f"（已排除 {len(excluded)} 张争议发票，待解决后再纳入）" if excluded else ""
    excluded_en = (
        f" ({len(excluded)} disputed invoice(s) left out until resolved)" if excluded else ""
    )
    if not live:
        return make(
            status="on_hold" if excluded else "not_due",
            playbook_key=None,
            arm=None,
            experiment=None,
            days_overdue=None,
            aging_bucket=None,
            step_index=None,
            next_step=None,
            next_date=None,
            reason_zh="没有可处理的未结发票" + excluded_zh,
            reason_en="No open undisputed invoice" + excluded_en,
        )
    days = max((today - i.due_date).days for i in live)
    if days <= 0:
        return make(
            status="not_due",
            playbook_key=None,
            arm=None,
            experiment=None,
            days_overdue=days,
            aging_bucket=None,
            step_index=None,
            next_step=None,
            next_date=None,
            reason_zh=f"{len(live)} 张发票均未到期{excluded_zh}",
            reason_en=f"None of the {len(live)} invoice(s) is overdue yet{excluded_en}",
        )
    bucket = bucket_for(days)
    totals: dict[str, Decimal] = {}
    for inv in live:
        totals[inv.debt_type] = totals.get(inv.debt_type, Decimal(0)) + inv.amount
    debt_type = max(sorted(totals), key=lambda k: totals[k])
    book = next(
        (
            b
            for b in playbooks
            if _matches(b, bucket=bucket.key, debt_type=debt_type, amount=amount, view=debtor_view)
        ),
        None,
    )
    summary_zh = (
        f"{len(live)} 张未结发票合计 {_fmt(amount)} 元，最久逾期 {days} 天（{bucket.label_zh}）"
        f"{excluded_zh}"
    )
    summary_en = (
        f"{len(live)} open invoice(s) totalling ¥{_fmt(amount)}, the oldest {days} days overdue"
        f" ({bucket.label_en}){excluded_en}"
    )
    if book is None:
        return make(
            status="no_playbook",
            playbook_key=None,
            arm=None,
            experiment=None,
            days_overdue=days,
            aging_bucket=bucket.key,
            step_index=None,
            next_step=None,
            next_date=None,
            reason_zh=f"{summary_zh}；没有匹配的策略，请人工处理",
            reason_en=f"{summary_en}; no playbook matches: handle by hand",
        )
    arm, experiment, steps = "champion", None, book.steps
    if book.challenger is not None:
        experiment = book.challenger.experiment
        arm = assign_arm(debtor_view.debtor_id, experiment, book.challenger.share)
        if arm == "challenger":
            steps = book.challenger.steps
    progress = debtor_view.progress
    if progress is not None and (progress.playbook_key, progress.arm) == (book.key, arm):
        index, since = progress.steps_done, progress.last_on
    else:
        index, since = 0, today
    why_zh = f"{summary_zh}；适用策略“{book.name_zh}”"
    why_en = f"{summary_en}; playbook '{book.name_en}'"
    if days > JUDICIAL_ROUTE_DAYS:
        why_zh += f"（逾期超过 {JUDICIAL_ROUTE_DAYS} 天转司法途径）"
        why_en += f" (over {JUDICIAL_ROUTE_DAYS} days overdue: judicial route)"
    if experiment is not None:
        why_zh += f"，实验“{experiment}”{'挑战组' if arm == 'challenger' else '冠军组'}"
        why_en += f", experiment '{experiment}' {arm} arm"
    if index >= len(steps):
        return make(
            status="completed",
            playbook_key=book.key,
            arm=arm,
            experiment=experiment,
            days_overdue=days,
            aging_bucket=bucket.key,
            step_index=None,
            next_step=None,
            next_date=None,
            reason_zh=f"{why_zh}；全部 {len(steps)} 步已完成，请复核案件",
            reason_en=f"{why_en}; all {len(steps)} steps are done: review the case",
        )
    step = steps[index]
    when = max(today, since + dt.timedelta(days=step.wait_days))
    label_zh, label_en = STEP_LABELS[step.kind]
    channels_zh = "、".join(CHANNEL_LABELS[ch.value][0] for ch in step.channels)
    channels_en = ", ".join(CHANNEL_LABELS[ch.value][1] for ch in step.channels)
    return make(
        status="active",
        playbook_key=book.key,
        arm=arm,
        experiment=experiment,
        days_overdue=days,
        aging_bucket=bucket.key,
        step_index=index,
        next_step=step,
        next_date=when,
        reason_zh=f"{why_zh}；下一步：{label_zh}（第 {index + 1}/{len(steps)} 步，"
        f"渠道：{channels_zh}），{when.isoformat()}",
        reason_en=f"{why_en}; next: {label_en} (step {index + 1} of {len(steps)}, channels:"
        f" {channels_en}) on {when.isoformat()}",
    )


def plan_all(
    playbooks: Sequence[Playbook], debtors: Iterable[DebtorView], *, today: dt.date
) -> list[Treatment]:
    """One treatment per debtor (the preview of a playbook set), in debtor-id order."""
    views = sorted(debtors, key=lambda v: v.debtor_id)
    seen: set[str] = set()
    for view in views:
        if view.debtor_id in seen:
            raise StrategyError(
                f"债务人 {view.debtor_id} 出现多次：请把其全部发票合并到一个视图。",
                f"Debtor {view.debtor_id} appears more than once: merge all their invoices"
                f" into one view.",
                code="debtor_duplicate",
                details={"debtor_id": view.debtor_id},
            )
        seen.add(view.debtor_id)
    return [plan(playbooks, v, today=today) for v in views]


# --- champion / challenger comparison ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArmOutcome:
    experiment: str
    arm: str
    debtor_id: str
    assigned: Decimal
    recovered: Decimal
    cost: Decimal


def compare_arms(outcomes: Iterable[ArmOutcome]) -> dict[str, Any]:
    """Per experiment and arm: debtors, amounts assigned, recovered and cost, the recovery
    rate (recovered / assigned), the cost per yuan recovered and the net (recovered − cost);
    and the challenger's difference from the champion."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for o in outcomes:
        if o.arm not in ("champion", "challenger"):
            raise StrategyError(
                f"未知的实验组：{o.arm}",
                f"Unknown arm: {o.arm}",
                code="arm_unknown",
                details={"arm": o.arm},
            )
        for name in ("assigned", "recovered", "cost"):
            value = getattr(o, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise StrategyError(
                    f"{name} 须为非负 Decimal。",
                    f"{name} must be a non-negative Decimal.",
                    code="outcome_invalid",
                    details={"field": name, "value": str(value), "debtor_id": o.debtor_id},
                )
        arm = table.setdefault(o.experiment, {}).setdefault(
            o.arm,
            {"debtors": set(), "assigned": Decimal(0), "recovered": Decimal(0), "cost": Decimal(0)},
        )
        arm["debtors"].add(o.debtor_id)
        arm["assigned"] += o.assigned
        arm["recovered"] += o.recovered
        arm["cost"] += o.cost
    result: dict[str, Any] = {}
    for experiment in sorted(table):
        arms: dict[str, Any] = {}
        for name in ("champion", "challenger"):
            data = table[experiment].get(name)
            if data is None:
                continue
            assigned, recovered, cost = data["assigned"], data["recovered"], data["cost"]
            arms[name] = {
                "debtors": len(data["debtors"]),
                "assigned": _q(assigned),
                "recovered": _q(recovered),
                "cost": _q(cost),
                "net": _q(recovered - cost),
                "recovery_rate": None if assigned == 0 else _r(recovered / assigned),
                "cost_per_yuan_recovered": None if recovered == 0 else _r(cost / recovered),
            }
        diff = None
        if "champion" in arms and "challenger" in arms:
            a, b = arms["champion"], arms["challenger"]
            diff = {
                "recovery_rate": None
                if a["recovery_rate"] is None or b["recovery_rate"] is None
                else str(Decimal(b["recovery_rate"]) - Decimal(a["recovery_rate"])),
                "net_per_debtor": str(
                    _q(Decimal(b["net"]) / b["debtors"] - Decimal(a["net"]) / a["debtors"])
                ),
            }
        result[experiment] = {"arms": arms, "challenger_minus_champion": diff}
    return result


def _q(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _r(value: Decimal) -> str:
    return str(value.quantize(RATIO, rounding=ROUND_HALF_UP))
