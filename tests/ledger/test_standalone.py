"""The kernel must be importable by the standalone verifier: standard library,
``cryptography`` and ``qingqian.ledger`` kernel modules only, no clock reads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

KERNEL = Path(__file__).resolve().parents[2] / "src" / "qingqian" / "ledger"
KERNEL_MODULES = ["errors", "merkle", "tiles", "note", "checkpoint", "canonical", "proofs"]


@pytest.mark.parametrize("name", KERNEL_MODULES)
def test_imports_are_stdlib_cryptography_or_kernel(name: str) -> None:
    tree = ast.parse((KERNEL / f"{name}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            roots = [node.module or ""]
        else:
            continue
        for root in roots:
            top = root.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top == "cryptography"
                or root == "__future__"
                or root.startswith("qingqian.ledger.")
            )
            assert allowed, f"{name}.py imports {root}"


@pytest.mark.parametrize("name", KERNEL_MODULES)
def test_no_clock_reads(name: str) -> None:
    source = (KERNEL / f"{name}.py").read_text(encoding="utf-8")
    for forbidden in ("datetime.now", "date.today", "time.time", "utcnow"):
        assert forbidden not in source


def test_importing_the_kernel_loads_no_django() -> None:
    program = (
        "import sys\n"
        + "".join(f"import qingqian.ledger.{name}\n" for name in KERNEL_MODULES)
        + "bad = [m for m in sys.modules if m.split('.')[0] == 'django'\n"
        "       or (m.startswith('qingqian.') and not m.startswith('qingqian.ledger'))]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed program, our own interpreter
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=KERNEL.parents[1],
    )
    assert result.stdout.strip() == ""
