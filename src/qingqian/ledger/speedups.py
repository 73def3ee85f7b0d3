"""The case log's compiled loops (``_speedups.c``), or ``None`` where they were not built.

``pip install`` compiles them when a C compiler, Python's headers and OpenSSL's headers are
there (``setup.py``; the build is optional, a failure only warns). Each has a pure-Python
twin giving the same bytes: ``tiles._subtree_root_py`` and ``services._entry_rows_py``; the
tests compare them. ``QINGQIAN_LEDGER_PURE=1`` makes the process use the twins (to measure
them, or to rule the compiled code out when something looks wrong).
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("QINGQIAN_LEDGER_PURE", "").strip() not in ("", "0"):
        return None
    try:
        from qingqian.ledger import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups


compiled: ModuleType | None = _load()
