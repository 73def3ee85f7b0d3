"""Supply-chain clearing (供应链穿透式清欠): optimal multilateral set-off of chain debts.

The pure solver lives in :mod:`qingqian.netting.solver` (no Django); the CSV reader and
writer for the command line in :mod:`qingqian.netting.csvio`.
"""

from __future__ import annotations

from qingqian.netting.errors import NettingError
from qingqian.netting.solver import (
    FirmPosition,
    NettingOptions,
    NettingResult,
    Obligation,
    SetOff,
    solve,
)

__all__ = [
    "FirmPosition",
    "NettingError",
    "NettingOptions",
    "NettingResult",
    "Obligation",
    "SetOff",
    "solve",
]
