"""Optimal multilateral set-off of trade debts (多边抵销), the MTCS problem.

Given obligations ``debtor owes creditor amount``, find a set-off ``s_e`` on every
obligation ``e`` with ``0 <= s_e <= amount_e`` such that no firm's net position
(receivables minus payables) changes, and the total set-off ``sum(s_e)`` is as large as
possible. Net positions are unchanged exactly when ``s`` is a *circulation* (at every firm
the set-off on its receivables equals the set-off on its payables), so the problem is a
maximum-weight circulation, i.e. a min-cost flow with cost ``-1`` per fen set off. It is
solved exactly, in integer fen, with OR-Tools' ``SimpleMinCostFlow``:

1. Only obligations inside one strongly connected component (SCC) of the debt graph lie on
   a cycle, and a circulation is zero on every arc between components, so the graph is
   reduced to the arcs inside non-trivial SCCs first (linear time). The components are
   independent: large instances are dealt into bins of components, one OR-Tools instance
   each (``DECOMPOSE_MIN_ARCS``, ``PARALLEL_WORKERS``). With ``solve_columns(during=…)`` a
   large flow is solved in a second process (``flowproc``) while the caller works here.
2. Among the optimal circulations, older obligations are preferred: an arc's cost is
   ``-(M_c + w_e)`` where ``w_e`` in ``0..K_c`` ranks its due date within its component
   (oldest highest) and ``M_c = K_c * L_c + 1`` with ``L_c`` the component's flow nodes.
   A simple cycle has at most ``L_c`` arcs, so any cycle that clears one more fen is worth
   at least ``M_c - K_c * (L_c - 1) > 0`` and the tie-break can never cost a fen of the
   optimum (argued in full in ``docs/netting.md``).
3. A firm's cap on its total set-off splits the firm into an "in" node (its receivables)
   and an "out" node (its payables) joined by one arc of capacity ``cap``: still a
   min-cost flow, still exact.

The result lists the set-off per obligation, every firm's position before and after
(identical nets) and the totals. Output depends only on the *set* of obligations (not on
their order): firms are numbered in sorted order and arcs are added sorted by obligation
id, so OR-Tools always receives the same instance.

:func:`solve_columns` takes the obligations as validated columns
(``csvio.read_obligation_columns``) instead of one object per row; the result is the same.

Pure: no Django, no clock, no I/O. Money enters as ``Decimal`` yuan (at most two
decimals) and leaves as ``Decimal`` yuan quantised to the fen.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from itertools import repeat
from typing import Any, Final

import numpy as np
from ortools.graph.python import min_cost_flow

from qingqian.netting.errors import NettingError
from qingqian.netting.flowproc import FlowProcess
from qingqian.netting.scc import cycle_components

CONFIRMED: Final = "confirmed"
UNCONFIRMED: Final = "unconfirmed"
DISPUTED: Final = "disputed"
STATUSES: Final = (CONFIRMED, UNCONFIRMED, DISPUTED)

# Reasons an obligation was left out of the set-off (``SetOff.excluded``).
EXCLUDED_DISPUTED: Final = "disputed"
EXCLUDED_UNCONFIRMED: Final = "unconfirmed"
EXCLUDED_NON_CONSENTING: Final = "non_consenting"
EXCLUDED_BELOW_MINIMUM: Final = "below_minimum"

MAX_AMOUNT_FEN: Final = 99_999_999_999_999  # 999,999,999,999.99 yuan, as qingqian.common.money
MAX_TOTAL_FEN: Final = 2**62  # eligible total; keeps every OR-Tools capacity sum in int64
# Largest |arc cost| handed to OR-Tools is kept below 2**62 / (N + 1)**2 for N flow nodes:
# its cost scaling multiplies costs by N + 1, and node prices can reach about N times that.
COST_BUDGET: Final = 2**62

_DATE_BITS: Final = 22  # date.max.toordinal() == 3_652_059 < 2**22


AGE_GLOBAL: Final = "global"
AGE_PARALLEL: Final = "parallel"
AGE_AUTO: Final = "auto"
AGE_MODES: Final = (AGE_AUTO, AGE_GLOBAL, AGE_PARALLEL)
# "auto" uses the global tie-break while at most this many obligations lie on cycles, and
# the parallel one above (benchmarks/netting.py: global costs 20 s at 10⁶, parallel 9 s).
AUTO_GLOBAL_LIMIT: Final = 300_000
_UNDATED: Final = (1 << _DATE_BITS) - 1  # sorts after every real date


@dataclass(frozen=True, slots=True)
class Obligation:
    """``debtor`` owes ``creditor`` ``amount`` yuan (``Decimal``, at most two decimals).

    ``due`` (optional) is when it fell due: among optimal set-offs the older ones are
    cleared first. ``status`` is ``confirmed`` (default), ``unconfirmed`` or ``disputed``.
    """

    id: str
    debtor: str
    creditor: str
    amount: Decimal
    due: dt.date | None = None
    status: str = CONFIRMED


@dataclass(frozen=True, slots=True)
class NettingOptions:
    """What takes part in the set-off, and how ties are broken.

    * ``exclude_disputed`` / ``exclude_unconfirmed``: leave such obligations out (default).
    * ``non_consenting``: firms that have not consented; every obligation they are party
      to is left out (names not in the input are allowed and ignored).
    * ``min_amount``: leave out obligations whose amount is below it (yuan).
    * ``caps``: firm -> the most that may be set off on that firm's payables (which always
      equals the set-off on its receivables). Every capped firm must appear in the input.
    * ``age_tie_break``: ``"global"`` prefers older obligations across the whole network
      among all optimal set-offs; ``"parallel"`` only among obligations between the same
      debtor and creditor, which costs nothing extra; ``"auto"`` (default) is global while
      at most ``AUTO_GLOBAL_LIMIT`` obligations lie on cycles, parallel above. The cleared
      total is the same optimum in every mode; ``NettingResult.age_tie_break`` names the
      mode used.
    """

    exclude_disputed: bool = True
    exclude_unconfirmed: bool = True
    non_consenting: frozenset[str] = frozenset()
    min_amount: Decimal | None = None
    caps: Mapping[str, Decimal] = field(default_factory=dict)
    age_tie_break: str = AGE_AUTO


@dataclass(frozen=True, slots=True)
class SetOff:
    """One obligation's outcome: ``setoff + remaining == amount``.

    ``excluded`` names why it took no part (``disputed``, ``unconfirmed``,
    ``non_consenting``, ``below_minimum``) or is ``None``.
    """

    id: str
    debtor: str
    creditor: str
    amount: Decimal
    setoff: Decimal
    remaining: Decimal
    excluded: str | None = None


@dataclass(frozen=True, slots=True)
class FirmPosition:
    """A firm's receivables and payables before and after, and its set-off.

    ``setoff`` is the amount set off on its payables, which equals the amount set off on
    its receivables; ``net = receivable - payable`` is the same before and after.
    """

    firm: str
    receivable_before: Decimal
    payable_before: Decimal
    setoff: Decimal
    receivable_after: Decimal
    payable_after: Decimal
    net: Decimal


_CENT = Decimal("0.01")
_I64 = np.dtype[np.int64]
IntArray = np.ndarray[Any, _I64]
# solve_columns(during=…): called with the firm names and their net positions in fen.
DuringSolve = Callable[[list[str], IntArray], None]


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) * _CENT


def _fmt(fen: int) -> str:
    q, r = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{q}.{r:02d}"


_CENTS: Final = [f".{r:02d}" for r in range(100)]


def fen_texts(values: IntArray) -> list[str]:
    """Non-negative fen as yuan text (``1234`` -> ``"12.34"``), as :func:`_fmt` writes
    them, without a Python loop (the maps run in C)."""
    if len(values) and values.min() < 0:  # "-" before the text of the absolute value
        signs = np.where(values < 0, "-", "").tolist()
        return list(map(operator.add, signs, fen_texts(np.abs(values))))
    nonzero = np.flatnonzero(values)
    if len(nonzero) > len(values) // 2:
        return _texts(values)
    out = np.full(len(values), "0.00", dtype=object)  # most set-offs are zero
    out[nonzero] = _texts(values[nonzero])
    texts: list[str] = out.tolist()
    return texts


def _texts(values: IntArray) -> list[str]:
    yuan = map(str, (values // 100).tolist())
    return list(map(operator.add, yuan, map(_CENTS.__getitem__, (values % 100).tolist())))


class NettingResult:
    """The solution, kept in fen; ``Decimal`` views are built when first read.

    ``setoffs`` follow the input order, ``firms`` and the net-position dicts are sorted by
    firm. ``eligible`` is the total of the obligations that took part, ``clearable`` the
    part of it lying on cycles (an upper bound on ``cleared``). ``tie_break_exact`` is false
    when the global age tie-break had to be coarsened into buckets of due dates (only for
    huge components with many distinct due dates); ``cleared`` is optimal regardless.
    """

    def __init__(
        self,
        *,
        ids: Sequence[str],
        tails: IntArray,
        heads: IntArray,
        excluded: Sequence[str | None],
        amount_fen: IntArray,
        setoff_fen: IntArray,
        firm_names: list[str],
        firm_fen: dict[str, IntArray],
        eligible_fen: int,
        clearable_fen: int,
        components: int,
        largest_component: int,
        age_tie_break: str,
        tie_break_exact: bool,
    ) -> None:
        self._ids = ids
        self._tails = tails
        self._heads = heads
        self._excluded = excluded
        self._amount = amount_fen
        self._setoff = setoff_fen
        self._firm_names = firm_names
        self._firm = firm_fen
        total = int(amount_fen.sum()) if len(amount_fen) else 0
        cleared = int(setoff_fen.sum()) if len(setoff_fen) else 0
        self.total = _yuan(total)
        self.cleared = _yuan(cleared)
        self.remaining = _yuan(total - cleared)
        self.eligible = _yuan(eligible_fen)
        self.clearable = _yuan(clearable_fen)
        self.components = components
        self.largest_component = largest_component
        self.age_tie_break = age_tie_break
        self.tie_break_exact = tie_break_exact

    def setoff_fen(self) -> list[int]:
        """Set-off per obligation in fen, in input order."""
        return list(self._setoff.tolist())

    def setoff_by_id(self) -> dict[str, Decimal]:
        return {s.id: s.setoff for s in self.setoffs}

    @property
    def ids(self) -> Sequence[str]:
        """Obligation ids, in input order."""
        return self._ids

    def amount_fen(self) -> IntArray:
        """Amount per obligation in fen, in input order (read-only view)."""
        view = self._amount.view()
        view.flags.writeable = False
        return view

    def setoff_fen_array(self) -> IntArray:
        """Set-off per obligation in fen, in input order (read-only view)."""
        view = self._setoff.view()
        view.flags.writeable = False
        return view

    def net_fen(self) -> tuple[list[str], IntArray]:
        """Firm names (sorted) and their net positions in fen."""
        return self._firm_names, self._firm["recv_before"] - self._firm["pay_before"]

    @cached_property
    def setoffs(self) -> tuple[SetOff, ...]:
        names = self._firm_names
        return tuple(
            SetOff(oid, names[d], names[c], _yuan(a), _yuan(s), _yuan(a - s), x)
            for oid, d, c, a, s, x in zip(
                self._ids,
                self._tails.tolist(),
                self._heads.tolist(),
                self._amount.tolist(),
                self._setoff.tolist(),
                self._excluded,
                strict=True,
            )
        )

    @cached_property
    def firms(self) -> tuple[FirmPosition, ...]:
        f = {k: v.tolist() for k, v in self._firm.items()}
        return tuple(
            FirmPosition(
                name,
                _yuan(f["recv_before"][i]),
                _yuan(f["pay_before"][i]),
                _yuan(f["setoff"][i]),
                _yuan(f["recv_after"][i]),
                _yuan(f["pay_after"][i]),
                _yuan(f["recv_before"][i] - f["pay_before"][i]),
            )
            for i, name in enumerate(self._firm_names)
        )

    def _nets(self, when: str) -> dict[str, Decimal]:
        net = (self._firm[f"recv_{when}"] - self._firm[f"pay_{when}"]).tolist()
        return {name: _yuan(v) for name, v in zip(self._firm_names, net, strict=True)}

    @cached_property
    def net_positions_before(self) -> dict[str, Decimal]:
        """Firm -> receivables minus payables before the set-off (positive: net creditor)."""
        return self._nets("before")

    @cached_property
    def net_positions_after(self) -> dict[str, Decimal]:
        return self._nets("after")

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API contract: amounts as decimal strings in yuan."""
        net = (self._firm["recv_before"] - self._firm["pay_before"]).tolist()
        return {
            "total": str(self.total),
            "cleared": str(self.cleared),
            "remaining": str(self.remaining),
            "setoffs": [
                {"id": oid, "amount": _fmt(s)}
                for oid, s in zip(self._ids, self._setoff.tolist(), strict=True)
            ],
            "net_positions": {name: _fmt(v) for name, v in zip(self._firm_names, net, strict=True)},
        }


def to_fen(value: object, *, field_name: str, where: dict[str, Any], allow_zero: bool) -> int:
    """A money value (``Decimal``, ``int`` or decimal string) in whole fen.

    Refuses floats, non-numbers, negatives, zero (unless ``allow_zero``), more than two
    decimals and amounts above 999,999,999,999.99 with a :class:`NettingError`.
    """
    details = {**where, "field": field_name, "value": str(value)}
    amount: Decimal
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
    else:
        raise NettingError(
            f"{field_name} 必须是十进制数（Decimal 或字符串），不能是 {type(value).__name__}",
            f"{field_name} must be a Decimal or a decimal string, not {type(value).__name__}",
            code="amount_invalid",
            details=details,
        )
    if not amount.is_finite():
        raise NettingError(
            f"{field_name} 不是数字：{value}",
            f"{field_name} is not a number: {value}",
            code="amount_invalid",
            details=details,
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise NettingError(
            f"{field_name} 必须大于零：{value}",
            f"{field_name} must be greater than zero: {value}",
            code="amount_not_positive",
            details=details,
        )
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise NettingError(
            f"{field_name} 最多两位小数（精确到分）：{value}",
            f"{field_name} has more than two decimals (cents): {value}",
            code="amount_too_precise",
            details=details,
        )
    if scaled > MAX_AMOUNT_FEN:
        raise NettingError(
            f"{field_name} 过大：{value}",
            f"{field_name} is too large: {value}",
            code="amount_too_large",
            details=details,
        )
    return int(scaled)


def _bad_name(value: object, field_name: str, index: int, oid: object) -> NettingError:
    return NettingError(
        f"第 {index} 项的 {field_name} 为空或不是文本",
        f"Item {index}: {field_name} is empty or not text",
        code=f"{field_name}_missing",
        details={"index": index, "id": str(oid), "field": field_name, "value": str(value)},
    )


def _ok_name(value: object) -> bool:
    return isinstance(value, str) and bool(value) and not value.isspace()


@dataclass(slots=True)
class _Prepared:
    ids: list[str]
    debtors: list[str]
    creditors: list[str]
    fen: list[int]
    due_ordinals: list[int]  # -1 when no due date
    excluded: list[str | None]


def _prepare(obligations: Iterable[Obligation], options: NettingOptions) -> _Prepared:
    """Validate every obligation and convert it to fen.

    The checks run column by column in C-level loops; when any of them fails, the row-by-row
    validator runs instead so that the error reported is the first one in input order.
    """
    obs = list(obligations)
    if not all(type(ob) is Obligation for ob in obs):
        return _prepare_slow(obs, options)
    ids = [ob.id for ob in obs]
    debtors = [ob.debtor for ob in obs]
    creditors = [ob.creditor for ob in obs]
    amounts = [ob.amount for ob in obs]
    dues = [ob.due for ob in obs]
    statuses = [ob.status for ob in obs]
    names = set(debtors).union(creditors)
    ok = (
        set(map(type, ids)) <= {str}
        and len(set(ids)) == len(ids)
        and "" not in ids
        and not any(map(str.isspace, ids))
        and all(_ok_name(name) for name in names)
        and not any(map(operator.eq, debtors, creditors))
        and set(map(type, amounts)) <= {Decimal}
        and set(map(type, dues)) <= {type(None), dt.date}
        and set(statuses) <= set(STATUSES)
    )
    fens: list[int] = []
    if ok:
        try:
            scaled = [a.scaleb(2) for a in amounts]
            fens = list(map(int, scaled))
        except (ValueError, OverflowError):
            ok = False
        else:
            ok = not fens or (
                min(fens) > 0
                and max(fens) <= MAX_AMOUNT_FEN
                and all(map(operator.eq, fens, scaled))
            )
    if not ok:
        return _prepare_slow(obs, options)
    ordinals = [-1 if d is None else d.toordinal() for d in dues]
    min_fen = -1
    if options.min_amount is not None:
        min_fen = to_fen(options.min_amount, field_name="min_amount", where={}, allow_zero=True)
    excluded: list[str | None] = [None] * len(obs)
    non_consenting = options.non_consenting
    if min_fen > 0 or non_consenting or set(statuses) != {CONFIRMED}:
        excluded = [
            _reason(st, d, c, f, options, min_fen)
            for st, d, c, f in zip(statuses, debtors, creditors, fens, strict=True)
        ]
    return _Prepared(ids, debtors, creditors, fens, ordinals, excluded)


def _reason(
    status: str, debtor: str, creditor: str, fen: int, options: NettingOptions, min_fen: int
) -> str | None:
    if status == DISPUTED and options.exclude_disputed:
        return EXCLUDED_DISPUTED
    if status == UNCONFIRMED and options.exclude_unconfirmed:
        return EXCLUDED_UNCONFIRMED
    if debtor in options.non_consenting or creditor in options.non_consenting:
        return EXCLUDED_NON_CONSENTING
    if fen < min_fen:
        return EXCLUDED_BELOW_MINIMUM
    return None


def _prepare_slow(obligations: Iterable[Obligation], options: NettingOptions) -> _Prepared:
    """Validate every obligation one by one (the first error in input order wins)."""
    ids: list[str] = []
    debtors: list[str] = []
    creditors: list[str] = []
    fens: list[int] = []
    dues: list[int] = []
    excluded: list[str | None] = []
    min_fen = -1
    if options.min_amount is not None:
        min_fen = to_fen(options.min_amount, field_name="min_amount", where={}, allow_zero=True)
    for index, ob in enumerate(obligations):
        if not isinstance(ob, Obligation):
            raise NettingError(
                f"第 {index} 项不是债务记录",
                f"Item {index} is not an Obligation",
                code="obligation_invalid",
                details={"index": index},
            )
        oid, debtor, creditor, amount = ob.id, ob.debtor, ob.creditor, ob.amount
        if not _ok_name(oid):
            raise _bad_name(oid, "id", index, oid)
        if not _ok_name(debtor):
            raise _bad_name(debtor, "debtor", index, oid)
        if not _ok_name(creditor):
            raise _bad_name(creditor, "creditor", index, oid)
        if debtor == creditor:
            raise NettingError(
                f"第 {index} 项（{oid}）债务人与债权人相同：{debtor}",
                f"Item {index} ({oid}): debtor and creditor are the same firm: {debtor}",
                code="self_loop",
                details={"index": index, "id": oid, "firm": debtor},
            )
        fen = -1
        if type(amount) is Decimal:
            try:
                scaled = amount.scaleb(2)
                fen = int(scaled)
            except (ValueError, OverflowError):
                fen = -1
            if fen <= 0 or fen > MAX_AMOUNT_FEN or fen != scaled:
                fen = -1
        if fen < 0:  # the slow path raises the precise error, or accepts str/int input
            fen = to_fen(amount, field_name="amount", where={"index": index, "id": oid},
                         allow_zero=False)  # fmt: skip
        due = ob.due
        if due is None:
            ordinal = -1
        elif isinstance(due, dt.date) and not isinstance(due, dt.datetime):
            ordinal = due.toordinal()
        else:
            raise NettingError(
                f"第 {index} 项（{oid}）的到期日必须是日期：{due!r}",
                f"Item {index} ({oid}): the due date must be a date: {due!r}",
                code="due_invalid",
                details={"index": index, "id": oid, "value": str(due)},
            )
        status = ob.status
        if status not in STATUSES:
            raise NettingError(
                f"第 {index} 项（{oid}）的确认状态未知：{status!r}"
                "（应为 confirmed、unconfirmed 或 disputed）",
                f"Item {index} ({oid}): unknown status {status!r} "
                "(expected confirmed, unconfirmed or disputed)",
                code="status_invalid",
                details={"index": index, "id": oid, "value": str(status)},
            )
        reason = _reason(status, debtor, creditor, fen, options, min_fen)
        ids.append(oid)
        debtors.append(debtor)
        creditors.append(creditor)
        fens.append(fen)
        dues.append(ordinal)
        excluded.append(reason)
    if len(set(ids)) != len(ids):
        first: dict[str, int] = {}
        for index, oid in enumerate(ids):
            if oid in first:
                raise NettingError(
                    f"债务编号重复：{oid}（第 {first[oid]} 项与第 {index} 项）",
                    f"Duplicate obligation id: {oid} (items {first[oid]} and {index})",
                    code="duplicate_id",
                    details={"index": index, "id": oid, "first_index": first[oid]},
                )
            first[oid] = index
    return _Prepared(ids, debtors, creditors, fens, dues, excluded)


def tie_break_scale(levels: IntArray, nodes: IntArray) -> IntArray:
    """``M`` per component with tie-break weights ``0..levels`` and ``nodes`` flow nodes.

    Every simple cycle of the residual graph has at most ``nodes`` arcs, so a cycle that
    sets off one more fen gains at least ``M - levels * (nodes - 1) >= 1`` in the scaled
    objective: the tie-break never outweighs a single fen of the primary objective.
    """
    return levels * nodes + 1


def age_weights(
    comp_of_arc: IntArray, due_of_arc: IntArray, n_comp: int
) -> tuple[IntArray, IntArray]:
    """Per arc, the number of distinct due dates in its component later than its own
    (oldest highest; undated ``-1`` gets 0); per component the largest weight ``K_c``."""
    weights = np.zeros(len(comp_of_arc), dtype=np.int64)
    levels = np.zeros(n_comp, dtype=np.int64)
    dated = due_of_arc >= 0
    if not dated.any():
        return weights, levels
    keys = (comp_of_arc[dated] << _DATE_BITS) | due_of_arc[dated]
    uniq, inverse = unique_inverse(keys)
    ucomp = uniq >> _DATE_BITS
    count = np.bincount(ucomp, minlength=n_comp).astype(np.int64)
    first = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    position = np.arange(len(uniq), dtype=np.int64) - first[ucomp]
    rank = count[ucomp] - 1 - position  # the component's newest date 0, its oldest count-1
    weights[dated] = rank[inverse]
    levels = np.maximum(count - 1, 0)
    return weights, levels


def fit_cost_budget(
    weights: IntArray, levels: IntArray, comp_of_arc: IntArray, nodes_of_comp: IntArray,
    n_nodes: int,
) -> tuple[IntArray, IntArray, bool]:  # fmt: skip
    """Coarsen the weights of components whose largest cost ``M + K`` would exceed the
    budget ``COST_BUDGET // (n_nodes + 1)**2``; the flag is false if any was coarsened.

    Weights are divided by an integer ``q`` per component (monotone: an older obligation
    never gets a smaller weight than a newer one), so the preference survives in buckets.
    """
    limit = COST_BUDGET // ((n_nodes + 1) * (n_nodes + 1))
    # M + K = K * (L + 1) + 1 <= limit  <=>  K <= (limit - 1) // (L + 1)
    max_levels = np.maximum((limit - 1) // (nodes_of_comp + 1), 0)
    over = levels > max_levels
    if not over.any():
        return weights, levels, True
    q = np.ones_like(levels)
    some = over & (max_levels > 0)
    q[some] = levels[some] // max_levels[some] + 1
    none = over & (max_levels == 0)
    q[none] = levels[none] + 1
    return weights // q[comp_of_arc], levels // q, False


def _firm_numbers(names: list[str], firm_index: dict[str, int]) -> IntArray:
    if len(names) < 2:  # itemgetter of one key returns the value, not a tuple
        return np.asarray([firm_index[x] for x in names], dtype=np.int64).reshape(len(names))
    return np.asarray(operator.itemgetter(*names)(firm_index), dtype=np.int64)


def unique_inverse(values: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(values, return_inverse=True)`` by one stable sort (much faster here)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(values) else ordered
    uniq = ordered[new.astype(bool)]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return uniq, inverse


def _canonical_order(kt: IntArray, kh: IntArray, due_key: IntArray, n: int) -> IntArray:
    """``np.lexsort((due_key, kh, kt))``: stable, by debtor, creditor, then due date. One
    stable sort of one packed key when it fits in 63 bits (a 3-key lexsort costs about five
    times as much on ten million arcs), else two stable sorts."""
    pair = kt * n + kh
    if n * n <= 1 << (63 - _DATE_BITS):
        order: IntArray = np.argsort((pair << _DATE_BITS) | due_key, kind="stable")
        return order
    by_due = np.argsort(due_key, kind="stable")
    order = by_due[np.argsort(pair[by_due], kind="stable")]
    return order


def _key_order(tails: IntArray, heads: IntArray, due_ordinals: IntArray, n: int) -> IntArray:
    """Indices of the arcs sorted by (debtor, creditor, due date, undated last); the order
    among equal keys is left open (``_CyclePlan.sort_runs`` orders them by id). One plain
    sort of a packed key (half the time of the stable one), else :func:`_canonical_order`."""
    due_key = np.where(due_ordinals >= 0, due_ordinals, _UNDATED)
    if n * n > 1 << (63 - _DATE_BITS):
        return _canonical_order(tails, heads, due_key, n)
    key = tails * n + heads
    key <<= _DATE_BITS
    key |= due_key
    order: IntArray = np.argsort(key)
    return order


def _ids_at(ids: Sequence[str], positions: list[int]) -> list[str]:
    """``[ids[i] for i in positions]``, gathered at once when ``ids`` can (``take_list``)."""
    take = getattr(ids, "take_list", None)
    if take is not None:
        texts: list[str] = take(positions)
        return texts
    return [ids[i] for i in positions]


def _firm_sums(n: int, index: IntArray, values: IntArray) -> IntArray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def _checked_options(options: NettingOptions | None) -> NettingOptions:
    options = options or NettingOptions()
    if options.age_tie_break not in AGE_MODES:
        raise NettingError(
            f"未知的账龄优先方式：{options.age_tie_break!r}（应为 auto、global 或 parallel）",
            f"Unknown age_tie_break {options.age_tie_break!r} (expected auto, global or parallel)",
            code="option_invalid",
            details={"option": "age_tie_break", "value": str(options.age_tie_break)},
        )
    return options


def solve(
    obligations: Iterable[Obligation], options: NettingOptions | None = None
) -> NettingResult:
    """Set off as much debt as possible without changing any firm's net position.

    Raises :class:`NettingError` for bad input (nothing is computed then).
    """
    options = _checked_options(options)
    p = _prepare(obligations, options)
    m = len(p.ids)
    firm_names = sorted(set(p.debtors).union(p.creditors))
    firm_index = {f: i for i, f in enumerate(firm_names)}
    if p.excluded.count(None) == m:
        eligible = np.ones(m, dtype=bool)
    else:
        eligible = np.asarray([r is None for r in p.excluded], dtype=bool).reshape(m)
    return _solve_arrays(
        p.ids,
        firm_names,
        _firm_numbers(p.debtors, firm_index),
        _firm_numbers(p.creditors, firm_index),
        np.asarray(p.fen, dtype=np.int64).reshape(m),
        np.asarray(p.due_ordinals, dtype=np.int64).reshape(m),
        p.excluded,
        eligible,
        options,
    )


@dataclass(frozen=True, slots=True)
class ObligationColumns:
    """Obligations as columns, already validated (``csvio.read_obligation_columns``).

    ``ids`` are distinct non-blank texts; ``firms`` the distinct firm names, sorted;
    ``debtor`` / ``creditor`` index ``firms`` (never equal on one row); ``fen`` the amounts
    (``1 .. MAX_AMOUNT_FEN``); ``due`` date ordinals (``-1``: none); ``status`` indexes
    ``STATUSES``.
    """

    ids: Sequence[str]
    firms: list[str]
    debtor: IntArray
    creditor: IntArray
    fen: IntArray
    due: IntArray
    status: np.ndarray[Any, np.dtype[np.int8]]

    def obligations(self) -> list[Obligation]:
        """The same obligations as objects (slow; for the row-by-row validator)."""
        names, statuses = self.firms, list(STATUSES)
        dates = {d: dt.date.fromordinal(d) for d in set(self.due.tolist()) if d > 0}
        return [
            Obligation(oid, names[d], names[c], Decimal(f).scaleb(-2), dates.get(day), statuses[st])
            for oid, d, c, f, day, st in zip(
                self.ids, self.debtor.tolist(), self.creditor.tolist(), self.fen.tolist(),
                self.due.tolist(), self.status.tolist(), strict=True,
            )
        ]  # fmt: skip

    def _valid(self) -> bool:
        m, n = len(self.ids), len(self.firms)
        lengths = {len(x) for x in (self.debtor, self.creditor, self.fen, self.due, self.status)}
        if lengths - {m}:
            return False
        if m == 0:
            return n == 0
        firms = self.firms
        return bool(
            all(map(isinstance, firms, repeat(str)))  # _ok_name, in C-level maps
            and all(firms)
            and not any(map(str.isspace, firms))
            and all(map(operator.lt, firms[:-1], firms[1:]))
            and self.debtor.min() >= 0 and self.debtor.max() < n
            and self.creditor.min() >= 0 and self.creditor.max() < n
            and not (self.debtor == self.creditor).any()
            and self.fen.min() > 0 and self.fen.max() <= MAX_AMOUNT_FEN
            and self.due.min() >= -1 and self.due.max() <= dt.date.max.toordinal()
            and not (self.due == 0).any()
            and self.status.min() >= 0 and self.status.max() < len(STATUSES)
        )  # fmt: skip


def solve_columns(
    columns: ObligationColumns,
    options: NettingOptions | None = None,
    *,
    during: DuringSolve | None = None,
) -> NettingResult:
    """:func:`solve` for obligations given as columns, without building an object per row.

    The result is the same as ``solve(columns.obligations(), options)``. Columns that break
    the contract of :class:`ObligationColumns` go through :func:`solve` instead, which
    raises the precise error (and ``during`` is not called).

    ``during(firms, net_fen)``, if given, is called once with the firm names and their net
    positions in fen (which no set-off changes). From ``SOLVE_PROCESS_MIN_ARCS`` eligible
    obligations OR-Tools then solves in a second process (``flowproc``) while ``during``
    runs here, so a caller can do its own work on the second core meanwhile; otherwise it
    is called before the solve. It must not change the columns.
    """
    options = _checked_options(options)
    if not columns._valid():
        return solve(columns.obligations(), options)
    m = len(columns.ids)
    min_fen = -1
    if options.min_amount is not None:
        min_fen = to_fen(options.min_amount, field_name="min_amount", where={}, allow_zero=True)
    excluded: list[str | None] = [None] * m
    eligible = np.ones(m, dtype=bool)
    reasons = np.zeros(m, dtype=np.int8)  # 0: takes part, else 1 + index in _REASONS
    status = columns.status
    blocked = [columns.firms.index(f) for f in options.non_consenting if f in columns.firms]
    # The same order of reasons as _reason: disputed, unconfirmed, non-consenting, minimum.
    if min_fen > 0:
        reasons[columns.fen < min_fen] = 4
    if blocked:
        out = np.zeros(len(columns.firms), dtype=bool)
        out[blocked] = True
        reasons[out[columns.debtor] | out[columns.creditor]] = 3
    if options.exclude_unconfirmed:
        reasons[status == STATUSES.index(UNCONFIRMED)] = 2
    if options.exclude_disputed:
        reasons[status == STATUSES.index(DISPUTED)] = 1
    if reasons.any():
        eligible = reasons == 0
        words = [None, *_REASONS]
        excluded = [words[r] for r in reasons.tolist()]
    return _solve_arrays(
        columns.ids, columns.firms, np.asarray(columns.debtor, dtype=np.int64),
        np.asarray(columns.creditor, dtype=np.int64), np.asarray(columns.fen, dtype=np.int64),
        np.asarray(columns.due, dtype=np.int64), excluded, eligible, options, during,
    )  # fmt: skip


_REASONS: Final = (
    EXCLUDED_DISPUTED,
    EXCLUDED_UNCONFIRMED,
    EXCLUDED_NON_CONSENTING,
    EXCLUDED_BELOW_MINIMUM,
)


def _solve_arrays(
    ids: Sequence[str], firm_names: list[str], tails: IntArray, heads: IntArray,
    amount: IntArray, due_ordinals: IntArray, excluded: Sequence[str | None],
    eligible: np.ndarray[Any, np.dtype[np.bool_]], options: NettingOptions,
    during: DuringSolve | None = None,
) -> NettingResult:  # fmt: skip
    m = len(ids)
    total_fen = 0
    if m:  # int64 sums are exact while m * max < 2**63, else Python integers
        exact_sum = int(amount.max()) * m < 2**63
        total_fen = int(amount.sum()) if exact_sum else sum(amount.tolist())
    if total_fen > MAX_TOTAL_FEN:
        raise NettingError(
            "债务总额过大，无法计算",
            "The total of the obligations is too large to compute",
            code="total_too_large",
            details={"total_fen": str(total_fen)},
        )
    firm_index = None
    cap_fen: dict[int, int] = {}
    for firm, cap in options.caps.items():
        if firm_index is None:
            firm_index = {f: i for i, f in enumerate(firm_names)}
        if firm not in firm_index:
            raise NettingError(
                f"封顶金额所指的企业不在债务清单中：{firm}",
                f"A cap names a firm that is not in the obligations: {firm}",
                code="unknown_firm",
                details={"firm": str(firm)},
            )
        cap_fen[firm_index[firm]] = to_fen(
            cap, field_name="cap", where={"firm": firm}, allow_zero=True
        )

    large = int(eligible.sum()) >= SOLVE_PROCESS_MIN_ARCS
    # Started now, its interpreter and imports overlap the components and the sort.
    process = FlowProcess() if large and during is not None else None
    try:
        return _solve_large(
            ids, firm_names, tails, heads, amount, due_ordinals, excluded, eligible, options,
            during, cap_fen, large, process,
        )  # fmt: skip
    finally:
        if process is not None:
            process.close()


def _solve_large(
    ids: Sequence[str], firm_names: list[str], tails: IntArray, heads: IntArray,
    amount: IntArray, due_ordinals: IntArray, excluded: Sequence[str | None],
    eligible: np.ndarray[Any, np.dtype[np.bool_]], options: NettingOptions,
    during: DuringSolve | None, cap_fen: dict[int, int], large: bool,
    process: FlowProcess | None,
) -> NettingResult:  # fmt: skip
    n, m = len(firm_names), len(ids)
    labels, key_order = _components_and_key_order(n, tails, heads, due_ordinals, eligible, large)
    on_cycle = eligible & (labels[tails] == labels[heads])
    kept = np.flatnonzero(on_cycle)

    mode = options.age_tie_break
    if mode == AGE_AUTO:
        mode = AGE_GLOBAL if len(kept) <= AUTO_GLOBAL_LIMIT else AGE_PARALLEL
    setoff = np.zeros(m, dtype=np.int64)
    before: dict[str, IntArray] = {}
    sums: list[int] = []

    def side_work() -> None:
        """Everything that does not depend on the flow (run while OR-Tools solves)."""
        before["pay"] = _firm_sums(n, tails, amount)
        before["recv"] = _firm_sums(n, heads, amount)
        sums.extend((int(amount[eligible].sum()), int(amount[kept].sum())))
        if during is not None:
            during(firm_names, before["recv"] - before["pay"])

    n_comp = 0
    largest = 0
    exact = True
    paid = received = np.zeros(n, dtype=np.int64)
    if len(kept):
        order = None
        if key_order is not None:  # the arcs on cycles, in the order of their sort keys
            position = np.cumsum(on_cycle) - 1
            order = position[key_order[on_cycle[key_order]]]
        plan = _CyclePlan(kept, tails[kept], heads[kept], amount[kept], due_ordinals[kept],
                          labels, cap_fen, n, mode, order)  # fmt: skip
        if process is not None:  # the flow in the other process, the rest here meanwhile
            settings = {name: globals()[name] for name in _FLOW_SETTINGS}
            process.submit(plan.flow_arrays(), plan.n_nodes, settings)
        plan.sort_runs(ids)
        plan.prepare_spread()
        side_work()
        answer = process.result() if process is not None else None
        if answer is not None:
            flow, plan.exact = answer[0], plan.exact and answer[1]
        else:  # no process, or it failed: solve here (the same function)
            flow = plan.flow()
        spread = plan.spread(flow)
        setoff[plan.rows] = spread
        paid, received = _firm_sums(n, plan.st, spread), _firm_sums(n, plan.sh, spread)
        n_comp, largest, exact = plan.n_comp, plan.largest, plan.exact
    else:
        side_work()

    # Only arcs on cycles carry a set-off: the firms' set-offs (paid on their payables,
    # received on their receivables) are sums over those.
    firm_fen = {
        "pay_before": before["pay"],
        "recv_before": before["recv"],
        "pay_after": before["pay"] - paid,
        "recv_after": before["recv"] - received,
        "setoff": paid,
    }
    _check(amount, setoff, firm_fen, received, cap_fen)
    return NettingResult(
        ids=ids,
        tails=tails,
        heads=heads,
        excluded=excluded,
        amount_fen=amount,
        setoff_fen=setoff,
        firm_names=firm_names,
        firm_fen=firm_fen,
        eligible_fen=sums[0],
        clearable_fen=sums[1],
        components=n_comp,
        largest_component=largest,
        age_tie_break=mode,
        tie_break_exact=exact,
    )


def _components_and_key_order(
    n: int, tails: IntArray, heads: IntArray, due_ordinals: IntArray,
    eligible: np.ndarray[Any, np.dtype[np.bool_]], large: bool,
) -> tuple[IntArray, IntArray | None]:  # fmt: skip
    """The cycle components of the eligible arcs (``scc.cycle_components``) and, on large
    instances, every arc's position in the order of its sort key (debtor, creditor, due
    date; ties in any order), computed in a second thread meanwhile."""
    if not large:
        return cycle_components(n, tails[eligible], heads[eligible]), None
    with ThreadPoolExecutor(max_workers=1) as pool:
        sorting = pool.submit(_key_order, tails, heads, due_ordinals, n)
        labels = cycle_components(n, tails[eligible], heads[eligible])
        return labels, sorting.result()


def _check(
    amount: IntArray, setoff: IntArray, firm: dict[str, IntArray], received: IntArray,
    cap_fen: dict[int, int],
) -> None:  # fmt: skip
    """Invariants of every solution; a failure is a bug, never bad input.

    ``received`` is each firm's set-off on its receivables, summed apart from its set-off
    on payables (``firm["setoff"]``)."""
    if ((setoff < 0) | (setoff > amount)).any():
        raise RuntimeError("a set-off is out of its bounds")
    if not np.array_equal(
        firm["recv_before"] - firm["pay_before"], firm["recv_after"] - firm["pay_after"]
    ):
        raise RuntimeError("a net position changed")
    if not np.array_equal(firm["setoff"], received):
        raise RuntimeError("a firm's set-off on payables differs from that on receivables")
    for f, cap in cap_fen.items():
        if firm["setoff"][f] > cap:
            raise RuntimeError("a cap was exceeded")


class _CyclePlan:
    """The min-cost flow on the arcs lying on cycles, in three steps that :func:`_solve_arrays`
    may run apart: :meth:`flow` (OR-Tools), :meth:`sort_runs` (the order of obligations with
    the same debtor, creditor and due date, by id) and :meth:`spread` (each arc's flow over
    its obligations). ``flow`` and ``sort_runs`` touch disjoint state and may run in two
    threads at once; ``spread`` needs both."""

    def __init__(
        self, kept: IntArray, kt: IntArray, kh: IntArray, kf: IntArray, kd: IntArray,
        labels: IntArray, cap_fen: dict[int, int], n: int, mode: str,
        order: IntArray | None = None,
    ) -> None:  # fmt: skip
        # Flow nodes: one per firm on a cycle in sorted firm order ("in" node, where its
        # receivables arrive); a capped firm also gets an "out" node for its payables.
        on_cycle = np.zeros(n, dtype=bool)
        on_cycle[kt] = True
        on_cycle[kh] = True
        cycle_firms = np.flatnonzero(on_cycle)
        in_node = np.full(n, -1, dtype=np.int64)
        in_node[cycle_firms] = np.arange(len(cycle_firms), dtype=np.int64)
        out_node = in_node.copy()
        capped = np.asarray(sorted(f for f in cap_fen if in_node[f] >= 0), dtype=np.int64)
        out_node[capped] = len(cycle_firms) + np.arange(len(capped), dtype=np.int64)
        self.n_nodes = len(cycle_firms) + len(capped)

        comp_of_firm = labels[cycle_firms]  # already 0..k-1 over the firms on cycles
        self.n_comp = n_comp = int(comp_of_firm.max()) + 1
        firms_per_comp = np.bincount(comp_of_firm, minlength=n_comp).astype(np.int64)
        self.largest = int(firms_per_comp.max())
        capped_per_comp = np.bincount(labels[capped], minlength=n_comp).astype(np.int64)
        self.nodes_of_comp = firms_per_comp + capped_per_comp

        # Canonical order: by debtor, creditor, due date (undated last), then id (see
        # sort_runs); so the arcs handed to OR-Tools depend only on the set of obligations,
        # never on their order. ``order`` (if given) is sorted by the first three keys.
        due_key = np.where(kd >= 0, kd, _UNDATED)
        if order is None:
            order = _canonical_order(kt, kh, due_key, n)
        self.kept, self.kf, self.order = kept, kf, order
        self.st, self.sh = st, sh = kt[order], kh[order]  # unchanged by sort_runs
        sd = due_key[order]
        self.sf = sf = kf[order]
        same = (st[1:] == st[:-1]) & (sh[1:] == sh[:-1]) & (sd[1:] == sd[:-1])
        self.same = same if same.any() else None

        pair_change = (st[1:] != st[:-1]) | (sh[1:] != sh[:-1])
        boundary = pair_change | (sd[1:] != sd[:-1]) if mode == AGE_GLOBAL else pair_change
        self.g_start = g_start = np.flatnonzero(np.concatenate(([True], boundary)))
        # A group's capacity is the sum over its members, whatever their order in it.
        self.g_cap = np.add.reduceat(sf, g_start)
        self.g_src = out_node[st[g_start]]
        self.g_dst = in_node[sh[g_start]]
        self.g_comp = g_comp = labels[st[g_start]]

        self.exact = True
        if mode == AGE_GLOBAL:
            g_due = np.where(sd[g_start] == _UNDATED, -1, sd[g_start])
            weights, levels = age_weights(g_comp, g_due, n_comp)
            weights, levels, self.exact = fit_cost_budget(
                weights, levels, g_comp, self.nodes_of_comp, self.n_nodes
            )
        else:
            weights = np.zeros(len(g_start), dtype=np.int64)
            levels = np.zeros(n_comp, dtype=np.int64)
        self.weights, self.levels = weights, levels
        self.cap_arcs = (
            in_node[capped],
            out_node[capped],
            np.asarray([cap_fen[f] for f in capped.tolist()], dtype=np.int64),
        )
        self.cap_comp = labels[capped]

    def flow_arrays(self) -> dict[str, IntArray]:
        """The arguments of :func:`exact_flow` (all int64 arrays, besides ``n_nodes``)."""
        return {
            "src": self.g_src, "dst": self.g_dst, "cap": self.g_cap, "weights": self.weights,
            "levels": self.levels, "comp": self.g_comp, "nodes_of_comp": self.nodes_of_comp,
            "cap_tail": self.cap_arcs[0], "cap_head": self.cap_arcs[1],
            "cap_cap": self.cap_arcs[2], "cap_comp": self.cap_comp,
        }  # fmt: skip

    def flow(self) -> IntArray:
        """The flow on each group of parallel obligations (OR-Tools, in this process)."""
        flow, self.exact = exact_flow(self.flow_arrays(), self.n_nodes, self.exact)
        return flow

    def sort_runs(self, ids: Sequence[str]) -> None:
        """Order each run of obligations with equal debtor, creditor and due date by id."""
        if self.same is None:
            return
        order, same = self.order, self.same
        run_start = np.flatnonzero(np.concatenate(([True], ~same)))
        run_end = np.append(run_start[1:], len(order))
        long_runs = np.flatnonzero(run_end - run_start > 1)
        starts, ends = run_start[long_runs], run_end[long_runs]
        # Sort each run of equal keys by id: the runs' members, their ids fetched at once.
        at = np.repeat(starts - np.cumsum(np.append(0, (ends - starts)[:-1])), ends - starts)
        at += np.arange(len(at), dtype=np.int64)  # positions in ``order`` of the members
        members = order[at].tolist()
        names = _ids_at(ids, self.kept[order[at]].tolist())
        run_of = np.repeat(np.arange(len(starts)), ends - starts).tolist()
        ranked = sorted(range(len(members)), key=lambda j: (run_of[j], names[j]))
        order[at] = np.asarray(members, dtype=np.int64)[np.asarray(ranked, dtype=np.int64)]
        self.sf = self.kf[order]

    def prepare_spread(self) -> None:
        """What :meth:`spread` needs besides the flow (after :meth:`sort_runs`): each
        obligation's group, the amount ahead of it in its group, and its row."""
        g_start, sf, order = self.g_start, self.sf, self.order
        sizes = np.diff(np.append(g_start, len(order)))
        self.member_group = np.repeat(np.arange(len(g_start), dtype=np.int64), sizes)
        cum = np.cumsum(sf)
        self.ahead = cum - sf - (cum[g_start] - sf[g_start])[self.member_group]
        self.rows = self.kept[order]

    def spread(self, flow: IntArray) -> IntArray:
        """Set-off (fen) per arc on a cycle, in canonical order (rows ``self.rows``, debtors
        ``self.st``, creditors ``self.sh``): each group's flow spread over its obligations
        in that order (oldest first, then by id)."""
        return np.clip(flow[self.member_group] - self.ahead, 0, self.sf)


# What exact_flow depends on besides its arguments (flowproc's child takes these values).
_FLOW_SETTINGS: Final = ("DECOMPOSE_MIN_ARCS", "DEGREE_ORDER_MIN_ARCS", "PARALLEL_WORKERS")


def exact_flow(
    arrays: Mapping[str, IntArray], n_nodes: int, exact: bool = True
) -> tuple[IntArray, bool]:
    """The flow of ``_CyclePlan.flow_arrays()`` and whether the tie-break stayed exact.

    If OR-Tools refuses the cost range, the flow is solved again without the tie-break
    (the cleared total stays optimal) and the flag becomes false."""
    a = arrays
    cap_arcs = (a["cap_tail"], a["cap_head"], a["cap_cap"])
    flow = _flow_by_parts(a["src"], a["dst"], a["cap"], a["weights"], a["levels"], a["comp"],
                          a["nodes_of_comp"], cap_arcs, a["cap_comp"], n_nodes)  # fmt: skip
    if flow is None:  # OR-Tools refused the cost range: keep the optimum, drop the tie-break
        exact = False
        zero_w = np.zeros(len(a["src"]), dtype=np.int64)
        zero_k = np.zeros(len(a["levels"]), dtype=np.int64)
        flow = _flow_by_parts(a["src"], a["dst"], a["cap"], zero_w, zero_k, a["comp"],
                              a["nodes_of_comp"], cap_arcs, a["cap_comp"], n_nodes)  # fmt: skip
        if flow is None:
            raise RuntimeError("OR-Tools refused the set-off instance")
    return flow, exact


# Components are independent: above DECOMPOSE_MIN_ARCS arcs on cycles and with more than
# one component, they are dealt into PARALLEL_WORKERS bins of about equal arc counts, one
# OR-Tools instance per bin, solved in threads. OR-Tools 9.15 holds the GIL while it solves,
# so the bins do not overlap (docs/netting.md); the split is exact and kept as it is.
DECOMPOSE_MIN_ARCS: Final = 100_000
# From this many eligible obligations the strongly connected components and the sort of
# the arcs run in two threads, and, when the caller passes ``during`` (solve_columns),
# OR-Tools solves in a second process (``flowproc``; it holds the GIL, so a thread would
# not do) while the obligations of equal key are ordered by id, the firms' sums are taken
# and ``during`` runs here: same instance, same function, same flow, same result.
SOLVE_PROCESS_MIN_ARCS: Final = 200_000
DEGREE_ORDER_MIN_ARCS: Final = 100_000
PARALLEL_WORKERS: Final = max(1, min(4, os.cpu_count() or 1))


def component_bins(arcs_of_comp: IntArray, bins: int) -> IntArray:
    """Bin number per component: largest first, each to the bin with the fewest arcs so far
    (ties to the lowest bin), so the result depends only on the arc counts."""
    order = np.argsort(-arcs_of_comp, kind="stable")
    load = [0] * bins
    out = np.zeros(len(arcs_of_comp), dtype=np.int64)
    for c, size in zip(order.tolist(), arcs_of_comp[order].tolist(), strict=True):
        b = load.index(min(load))
        out[c] = b
        load[b] += size
    return out


def _flow_by_parts(
    src: IntArray, dst: IntArray, cap: IntArray, weights: IntArray, levels: IntArray,
    comp_of_arc: IntArray, nodes_of_comp: IntArray,
    cap_arcs: tuple[IntArray, IntArray, IntArray], cap_comp: IntArray, n_nodes: int,
) -> IntArray | None:  # fmt: skip
    """:func:`_min_cost_flow` on the whole instance, or bin by bin in threads."""
    n_comp = len(nodes_of_comp)
    workers = min(PARALLEL_WORKERS, n_comp)
    if len(src) < DECOMPOSE_MIN_ARCS or workers < 2:
        return _min_cost_flow(src, dst, cap, weights, levels, comp_of_arc, nodes_of_comp,
                              cap_arcs, n_nodes)  # fmt: skip
    bin_of_comp = component_bins(np.bincount(comp_of_arc, minlength=n_comp), workers)
    arc_bin = bin_of_comp[comp_of_arc]
    cap_bin = bin_of_comp[cap_comp]

    def part(b: int) -> tuple[IntArray, IntArray | None]:
        at = np.flatnonzero(arc_bin == b)
        cat = np.flatnonzero(cap_bin == b)
        ends = (src[at], dst[at], cap_arcs[0][cat], cap_arcs[1][cat])
        nodes = np.unique(np.concatenate(ends))
        local = [np.searchsorted(nodes, e) for e in ends]
        flow = _min_cost_flow(local[0], local[1], cap[at], weights[at], levels,
                              comp_of_arc[at], nodes_of_comp,
                              (local[2], local[3], cap_arcs[2][cat]), len(nodes))  # fmt: skip
        return at, flow

    flow = np.zeros(len(src), dtype=np.int64)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for at, part_flow in pool.map(part, range(workers)):
            if part_flow is None:
                return None
            flow[at] = part_flow
    return flow


def _min_cost_flow(
    src: IntArray, dst: IntArray, cap: IntArray, weights: IntArray, levels: IntArray,
    comp_of_arc: IntArray, nodes_of_comp: IntArray,
    cap_arcs: tuple[IntArray, IntArray, IntArray], n_nodes: int,
) -> IntArray | None:  # fmt: skip
    """Maximum-weight circulation; ``None`` if OR-Tools refuses the cost range.

    From ``DEGREE_ORDER_MIN_ARCS`` arcs the nodes are renumbered by falling degree (ties in
    the given order) before OR-Tools sees them: its hot loops then touch the busy firms'
    arcs together, which saves about a quarter of its time on a million obligations.
    """
    scale = tie_break_scale(levels, nodes_of_comp)
    cost = -(scale[comp_of_arc] + weights)
    if len(src) >= DEGREE_ORDER_MIN_ARCS:
        degree = np.bincount(src, minlength=n_nodes) + np.bincount(dst, minlength=n_nodes)
        rank = np.empty(n_nodes, dtype=np.int64)
        rank[np.argsort(-degree, kind="stable")] = np.arange(n_nodes, dtype=np.int64)
        src, dst = rank[src], rank[dst]
        cap_arcs = (rank[cap_arcs[0]], rank[cap_arcs[1]], cap_arcs[2])
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(src, dst, cap, cost)
    if len(cap_arcs[0]):
        smcf.add_arcs_with_capacity_and_unit_cost(
            cap_arcs[0], cap_arcs[1], cap_arcs[2], np.zeros(len(cap_arcs[0]), dtype=np.int64)
        )
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), np.zeros(n_nodes, dtype=np.int64))
    status = smcf.solve()
    if status == smcf.BAD_COST_RANGE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow ended with status {status}")
    flow: IntArray = np.asarray(smcf.flows(arcs), dtype=np.int64)
    return flow
