"""Trust (client money) ledger arithmetic in double entry (pure kernel).

Amounts are integer fen inside; ``Decimal`` at the edges. A posting is ``(account, fen)``
with debits positive and credits negative; every transaction sums to zero.

Accounts (``c`` is a creditor id):

=========================  =========  ====================================================
account                    normal     meaning
=========================  =========  ====================================================
``trust_bank``             debit      the real client-money bank account (cash only)
``setoff:c``               debit      value received for ``c`` by set-off, not yet settled
``held:c``                 credit     owed to ``c`` and available to remit
``on_hold:c``              credit     owed to ``c`` but frozen (dispute, bank recall …)
``commission_payable:c``   credit     commission earned on ``c``'s recoveries, not yet
                                      withdrawn by the firm
=========================  =========  ====================================================

Transactions (one creditor each):

* ``receipt`` cash: Dr trust_bank / Cr held:c. ``receipt`` set-off (a non-cash payment, e.g.
  from a clearing round): Dr setoff:c / Cr held:c.
* ``commission``: Dr held:c / Cr commission_payable:c (negative amount: a credit back).
* ``remit`` cash: Dr held:c / Cr trust_bank. ``remit`` in kind (settles a set-off): Dr held:c /
  Cr setoff:c.
* ``hold`` / ``release``: between held:c and on_hold:c.
* ``withdraw``: the firm takes earned commission: Dr commission_payable:c / Cr trust_bank.
* ``reversal``: the exact negation of an earlier transaction (once; never of a reversal).

Guards (a refused transaction changes nothing): every account stays on its normal side, and
every creditor's **cash share** ``held + on_hold + commission_payable − setoff`` stays
≥ 0, so one creditor's money never pays another's remittance or commission.

Reconciliation identity, per creditor and overall, to the fen::

    received = remitted + commission + held        (held = held:c + on_hold:c)

with each term measured from a different side of the entries: ``received`` from the debits
to trust_bank/setoff:c in receipts, ``remitted`` from the credits to trust_bank/setoff:c in
remittances, ``commission`` from the credits to commission_payable:c in commission entries
(reversals count with their sign), ``held`` from the balances. Also ``trust_bank = Σ cash
shares`` and, when a bank statement balance is given, ``trust_bank = statement``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from qingqian.payments.errors import PaymentsError

BANK = "trust_bank"
ZERO = Decimal("0.00")


class Kind(StrEnum):
    RECEIPT = "receipt"
    COMMISSION = "commission"
    REMIT = "remit"
    HOLD = "hold"
    RELEASE = "release"
    WITHDRAW = "withdraw"
    REVERSAL = "reversal"


class Method(StrEnum):
    CASH = "cash"
    SETOFF = "setoff"
    """A non-cash payment: receipts by set-off, and their settlement in kind."""


def held(creditor: str) -> str:
    return f"held:{creditor}"


def on_hold(creditor: str) -> str:
    return f"on_hold:{creditor}"


def setoff(creditor: str) -> str:
    return f"setoff:{creditor}"


def commission_payable(creditor: str) -> str:
    return f"commission_payable:{creditor}"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    fen: int
    """Debit positive, credit negative."""


@dataclass(frozen=True, slots=True)
class Transaction:
    txn_id: str
    kind: Kind
    creditor: str
    on: dt.date
    postings: tuple[Posting, ...]
    reverses: str | None = None
    reference: str = ""

    @property
    def balanced(self) -> bool:
        return sum(p.fen for p in self.postings) == 0


# --------------------------------------------------------------------------- builders


def receipt(
    txn_id: str,
    creditor: str,
    amount: Decimal,
    on: dt.date,
    *,
    method: Method = Method.CASH,
    reference: str = "",
) -> Transaction:
    fen = _positive_fen(amount)
    debit = BANK if Method(method) is Method.CASH else setoff(creditor)
    return _txn(
        txn_id, Kind.RECEIPT, creditor, on, [(debit, fen), (held(creditor), -fen)], reference
    )


def commission(
    txn_id: str, creditor: str, amount: Decimal, on: dt.date, *, reference: str = ""
) -> Transaction:
    """Commission earned (a negative ``amount`` credits commission back to the creditor)."""
    fen = _fen(amount, allow_negative=True)
    postings = [(held(creditor), fen), (commission_payable(creditor), -fen)]
    return _txn(txn_id, Kind.COMMISSION, creditor, on, postings, reference)


def remit(
    txn_id: str,
    creditor: str,
    amount: Decimal,
    on: dt.date,
    *,
    method: Method = Method.CASH,
    reference: str = "",
) -> Transaction:
    fen = _positive_fen(amount)
    credit = BANK if Method(method) is Method.CASH else setoff(creditor)
    return _txn(
        txn_id, Kind.REMIT, creditor, on, [(held(creditor), fen), (credit, -fen)], reference
    )


def hold(
    txn_id: str, creditor: str, amount: Decimal, on: dt.date, *, reference: str = ""
) -> Transaction:
    fen = _positive_fen(amount)
    postings = [(held(creditor), fen), (on_hold(creditor), -fen)]
    return _txn(txn_id, Kind.HOLD, creditor, on, postings, reference)


def release(
    txn_id: str, creditor: str, amount: Decimal, on: dt.date, *, reference: str = ""
) -> Transaction:
    fen = _positive_fen(amount)
    postings = [(on_hold(creditor), fen), (held(creditor), -fen)]
    return _txn(txn_id, Kind.RELEASE, creditor, on, postings, reference)


def withdraw(
    txn_id: str, creditor: str, amount: Decimal, on: dt.date, *, reference: str = ""
) -> Transaction:
    fen = _positive_fen(amount)
    postings = [(commission_payable(creditor), fen), (BANK, -fen)]
    return _txn(txn_id, Kind.WITHDRAW, creditor, on, postings, reference)


def reversal(
    txn_id: str, original: Transaction, on: dt.date, *, reference: str = ""
) -> Transaction:
    if original.kind is Kind.REVERSAL:
        raise PaymentsError(
            "冲正分录不能再被冲正；请重新记账。",
            "A reversal cannot itself be reversed; post the entry again instead.",
            code="trust_reversal_of_reversal",
            details={"txn_id": original.txn_id},
        )
    return Transaction(
        txn_id=txn_id,
        kind=Kind.REVERSAL,
        creditor=original.creditor,
        on=on,
        postings=tuple(Posting(p.account, -p.fen) for p in original.postings),
        reverses=original.txn_id,
        reference=reference,
    )


# --------------------------------------------------------------------------- ledger


class TrustLedger:
    """An in-memory journal with running balances. :meth:`post` is all-or-nothing."""

    def __init__(self) -> None:
        self._transactions: list[Transaction] = []
        self._by_id: dict[str, Transaction] = {}
        self._reversed: set[str] = set()
        self._balances: dict[str, int] = defaultdict(int)

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return tuple(self._transactions)

    def balance(self, account: str) -> int:
        return self._balances.get(account, 0)

    def balances(self) -> dict[str, int]:
        return {k: v for k, v in self._balances.items() if v}

    def cash_share(self, creditor: str) -> int:
        return _cash_share(self._balances, creditor)

    def post(self, txn: Transaction) -> bool:
        """Apply ``txn``. Returns ``False`` (and changes nothing) when the same transaction
        was already posted under that id: a retried delivery is a no-op."""
        existing = self._by_id.get(txn.txn_id)
        if existing is not None:
            if existing == txn:
                return False
            raise PaymentsError(
                f"分录编号 {txn.txn_id} 已用于另一笔分录。",
                f"Transaction id {txn.txn_id} is already used by a different entry.",
                code="trust_duplicate_id",
                details={"txn_id": txn.txn_id},
            )
        _check_shape(txn)
        if txn.kind is Kind.REVERSAL:
            self._check_reversal(txn)
        changes: dict[str, int] = defaultdict(int)
        for posting in txn.postings:
            changes[posting.account] += posting.fen
        after = {a: self._balances.get(a, 0) + d for a, d in changes.items()}
        for account, value in after.items():
            if not _on_normal_side(account, value):
                raise _overdraw(txn, account, value)
        c = txn.creditor
        view = {
            a: after.get(a, self._balances.get(a, 0))
            for a in (held(c), on_hold(c), commission_payable(c), setoff(c))
        }
        share = _cash_share(view, c)
        if share < 0:
            raise _overdraw(txn, f"cash_share:{txn.creditor}", share)
        for account, value in after.items():
            self._balances[account] = value
        self._transactions.append(txn)
        self._by_id[txn.txn_id] = txn
        if txn.reverses is not None:
            self._reversed.add(txn.reverses)
        return True

    def _check_reversal(self, txn: Transaction) -> None:
        original = self._by_id.get(txn.reverses or "")
        if original is None:
            raise PaymentsError(
                f"要冲正的分录不存在：{txn.reverses}",
                f"The entry to reverse does not exist: {txn.reverses}",
                code="trust_reversal_unknown",
                details={"reverses": txn.reverses},
            )
        if original.kind is Kind.REVERSAL:
            raise PaymentsError(
                "冲正分录不能再被冲正；请重新记账。",
                "A reversal cannot itself be reversed; post the entry again instead.",
                code="trust_reversal_of_reversal",
                details={"txn_id": original.txn_id},
            )
        if original.txn_id in self._reversed:
            raise PaymentsError(
                f"分录 {original.txn_id} 已被冲正过。",
                f"Entry {original.txn_id} has already been reversed.",
                code="trust_already_reversed",
                details={"reverses": original.txn_id},
            )
        expected = tuple(Posting(p.account, -p.fen) for p in original.postings)
        if txn.postings != expected or txn.creditor != original.creditor:
            raise PaymentsError(
                f"冲正分录必须与原分录 {original.txn_id} 金额相反、科目相同。",
                f"A reversal must negate entry {original.txn_id} exactly.",
                code="trust_reversal_mismatch",
                details={"reverses": original.txn_id},
            )


# --------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True, slots=True)
class CreditorLine:
    creditor: str
    received: Decimal
    remitted: Decimal
    commission: Decimal
    held: Decimal
    """Available plus on hold."""
    on_hold: Decimal
    cash_share: Decimal
    difference: Decimal
    """``received − remitted − commission − held``: zero when the creditor reconciles."""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    lines: tuple[CreditorLine, ...]
    total: CreditorLine
    unbalanced: tuple[str, ...]
    bank_book: Decimal
    cash_share_total: Decimal
    bank_statement: Decimal | None
    stored_mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced
            and not self.stored_mismatches
            and all(line.difference == 0 for line in self.lines)
            and self.total.difference == 0
            and self.bank_book == self.cash_share_total
            and (self.bank_statement is None or self.bank_statement == self.bank_book)
        )


def reconcile(
    transactions: Iterable[Transaction],
    *,
    bank_statement: Decimal | None = None,
    stored_balances: Mapping[str, int] | None = None,
) -> Reconciliation:
    """Recompute everything from the journal and check the identities (module docstring).
    ``stored_balances`` (fen by account), when given, are compared with the recomputed ones."""
    balances: dict[str, int] = defaultdict(int)
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_id: dict[str, Transaction] = {}
    unbalanced: list[str] = []
    for txn in transactions:
        by_id[txn.txn_id] = txn
        if not txn.balanced:
            unbalanced.append(txn.txn_id)
        for posting in txn.postings:
            balances[posting.account] += posting.fen
        kind = txn.kind
        if kind is Kind.REVERSAL:
            original = by_id.get(txn.reverses or "")
            kind = original.kind if original is not None else Kind.REVERSAL
        c = txn.creditor
        for posting in txn.postings:
            if kind is Kind.RECEIPT and posting.account in (BANK, setoff(c)):
                flows[c]["received"] += posting.fen
            elif kind is Kind.REMIT and posting.account in (BANK, setoff(c)):
                flows[c]["remitted"] -= posting.fen
            elif kind is Kind.COMMISSION and posting.account == commission_payable(c):
                flows[c]["commission"] -= posting.fen
    creditors = sorted(set(flows) | {a.split(":", 1)[1] for a in balances if ":" in a})
    lines = []
    for c in creditors:
        held_fen = -balances.get(held(c), 0) - balances.get(on_hold(c), 0)
        f = flows.get(c, {})
        received, remitted, earned = (
            f.get("received", 0),
            f.get("remitted", 0),
            f.get("commission", 0),
        )
        lines.append(
            CreditorLine(
                creditor=c,
                received=_dec(received),
                remitted=_dec(remitted),
                commission=_dec(earned),
                held=_dec(held_fen),
                on_hold=_dec(-balances.get(on_hold(c), 0)),
                cash_share=_dec(_cash_share(balances, c)),
                difference=_dec(received - remitted - earned - held_fen),
            )
        )
    total = CreditorLine(
        creditor="*",
        received=sum((x.received for x in lines), ZERO),
        remitted=sum((x.remitted for x in lines), ZERO),
        commission=sum((x.commission for x in lines), ZERO),
        held=sum((x.held for x in lines), ZERO),
        on_hold=sum((x.on_hold for x in lines), ZERO),
        cash_share=sum((x.cash_share for x in lines), ZERO),
        difference=sum((x.difference for x in lines), ZERO),
    )
    mismatches: list[str] = []
    if stored_balances is not None:
        for account in sorted(set(stored_balances) | set(balances)):
            if stored_balances.get(account, 0) != balances.get(account, 0):
                mismatches.append(account)
    return Reconciliation(
        lines=tuple(lines),
        total=total,
        unbalanced=tuple(unbalanced),
        bank_book=_dec(balances.get(BANK, 0)),
        cash_share_total=total.cash_share,
        bank_statement=bank_statement,
        stored_mismatches=tuple(mismatches),
    )


# --------------------------------------------------------------------------- internals


def _cash_share(balances: Mapping[str, int], creditor: str) -> int:
    return (
        -balances.get(held(creditor), 0)
        - balances.get(on_hold(creditor), 0)
        - balances.get(commission_payable(creditor), 0)
        - balances.get(setoff(creditor), 0)
    )


def _on_normal_side(account: str, value: int) -> bool:
    if account == BANK or account.startswith("setoff:"):
        return value >= 0
    return value <= 0


_KNOWN_PREFIXES = ("held:", "on_hold:", "setoff:", "commission_payable:")


def _check_shape(txn: Transaction) -> None:
    problem = None
    if not txn.txn_id:
        problem = "empty transaction id"
    elif not txn.creditor or ":" in txn.creditor:
        problem = "invalid creditor id"
    elif not txn.postings:
        problem = "no postings"
    elif not txn.balanced:
        problem = "debits and credits differ"
    else:
        for posting in txn.postings:
            if isinstance(posting.fen, bool) or not isinstance(posting.fen, int):
                problem = "posting amounts must be integer fen"
            elif posting.account != BANK and not any(
                posting.account == f"{p}{txn.creditor}" for p in _KNOWN_PREFIXES
            ):
                problem = f"account {posting.account} does not belong to {txn.creditor}"
    if problem is not None:
        raise PaymentsError(
            f"分录 {txn.txn_id} 无效：{problem}",
            f"Entry {txn.txn_id} is invalid: {problem}",
            code="trust_invalid_entry",
            details={"txn_id": txn.txn_id, "problem": problem},
        )


def _overdraw(txn: Transaction, account: str, value: int) -> PaymentsError:
    return PaymentsError(
        f"分录 {txn.txn_id} 会使 {account} 透支（{_dec(value)}），不予记账。",
        f"Entry {txn.txn_id} would overdraw {account} ({_dec(value)}); nothing was posted.",
        code="trust_overdraw",
        details={"txn_id": txn.txn_id, "account": account, "balance_after": str(_dec(value))},
    )


def _txn(
    txn_id: str,
    kind: Kind,
    creditor: str,
    on: dt.date,
    postings: Sequence[tuple[str, int]],
    reference: str,
) -> Transaction:
    return Transaction(
        txn_id=txn_id,
        kind=kind,
        creditor=creditor,
        on=on,
        postings=tuple(Posting(a, f) for a, f in postings),
        reference=reference,
    )


def _fen(amount: Decimal, *, allow_negative: bool) -> int:
    valid = isinstance(amount, Decimal) and amount.is_finite() and amount != 0
    if valid and not allow_negative and amount < 0:
        valid = False
    if valid and (amount * 100) != (amount * 100).to_integral_value():
        valid = False
    if not valid:
        raise PaymentsError(
            f"金额无效（须为{'非零' if allow_negative else '正'}的 Decimal，"
            f"最多两位小数）：{amount!r}",
            f"Invalid amount (a {'non-zero' if allow_negative else 'positive'} Decimal with at "
            f"most two decimals is required): {amount!r}",
            code="trust_amount_invalid",
            details={"amount": str(amount)},
        )
    return int(amount * 100)


def _positive_fen(amount: Decimal) -> int:
    return _fen(amount, allow_negative=False)


def _dec(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def check_posting(balances: Mapping[str, int], txn: Transaction) -> dict[str, int]:
    """The balances of the accounts ``txn`` touches after posting it on ``balances``, or a
    ``PaymentsError`` when it is malformed or would overdraw (the same guards as
    :meth:`TrustLedger.post`). ``balances`` must hold at least the creditor's four accounts
    and the bank; the caller stores the result. Reversal bookkeeping is the caller's."""
    _check_shape(txn)
    changes: dict[str, int] = defaultdict(int)
    for posting in txn.postings:
        changes[posting.account] += posting.fen
    after = {a: balances.get(a, 0) + d for a, d in changes.items()}
    for account, value in after.items():
        if not _on_normal_side(account, value):
            raise _overdraw(txn, account, value)
    c = txn.creditor
    view = {
        a: after.get(a, balances.get(a, 0))
        for a in (held(c), on_hold(c), commission_payable(c), setoff(c))
    }
    share = _cash_share(view, c)
    if share < 0:
        raise _overdraw(txn, f"cash_share:{c}", share)
    return after


def creditor_accounts(creditor: str) -> tuple[str, ...]:
    return (BANK, held(creditor), on_hold(creditor), commission_payable(creditor), setoff(creditor))


def to_yuan(fen: int) -> Decimal:
    """Integer fen as a two-place ``Decimal`` in yuan."""
    return _dec(fen)
