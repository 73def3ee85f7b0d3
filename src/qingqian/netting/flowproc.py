"""The min-cost flow of a large set-off in a second Python process.

OR-Tools' ``SimpleMinCostFlow.solve`` holds the GIL for its whole run (a thread doing
Python work beside it stalls until it ends), so the only way to use the machine's second
core while it solves is another process. :class:`FlowProcess` starts ``python -m
qingqian.netting.flowproc`` (its interpreter and imports start while the caller still
works), hands it the flow instance through a file in shared memory (``/dev/shm`` where
there is one, unlinked at once, shared through an inherited descriptor; a line of JSON on
the child's standard input gives the layout), and reads the flow back from the same
file. The child runs
``solver.exact_flow``, exactly what the caller would run in its own process, so the flow
is the same; if anything goes wrong with the child, :meth:`FlowProcess.result` answers
``None`` and the caller solves in its own process.

Pure: the standard library and numpy; no Django.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

import numpy as np

# mkstemp makes a fresh file readable by this user only, so a shared directory is safe.
_SHM: Final = "/dev/shm"  # noqa: S108


class FlowProcess:
    """One flow solved in a child process: start it, :meth:`submit`, then :meth:`result`.

    The shared file is removed from its directory as soon as it is made: the two processes
    reach it through one open descriptor (inherited by the child), so nothing is left
    behind however either process ends."""

    def __init__(self) -> None:
        src = str(Path(__file__).resolve().parents[2])  # the tree this module comes from
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        self._out: tuple[int, int] = (0, 0)
        where = _SHM if os.path.isdir(_SHM) else None
        fd, path = tempfile.mkstemp(prefix="qingqian-flow-", dir=where)
        os.unlink(path)
        self._fd: int | None = fd
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603 (no shell)
            [sys.executable, "-m", "qingqian.netting.flowproc", str(fd)], pass_fds=(fd,),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip

    def submit(
        self, arrays: dict[str, np.ndarray[Any, Any]], n_nodes: int, settings: dict[str, int]
    ) -> None:
        """Send the instance: ``arrays`` (int64) and ``n_nodes`` are ``solver.exact_flow``'s
        arguments, ``settings`` the solver's thresholds (the child takes the caller's)."""
        if self._proc is None or self._fd is None:
            return
        try:
            layout: dict[str, tuple[int, int]] = {}
            offset = 0
            for name, array in arrays.items():
                layout[name] = (offset, len(array))
                offset += 8 * len(array)
            self._out = (offset, len(arrays["src"]))
            size = max(1, offset + 8 * len(arrays["src"]))
            os.ftruncate(self._fd, size)
            with mmap.mmap(self._fd, size) as block:
                for name, array in arrays.items():
                    at, count = layout[name]
                    view = np.ndarray(count, dtype=np.int64, buffer=block, offset=at)
                    view[:] = array
                    del view
            assert self._proc.stdin is not None
            header = {"size": size, "layout": layout, "n_nodes": n_nodes, "settings": settings}
            self._proc.stdin.write(json.dumps(header).encode() + b"\n")
            self._proc.stdin.close()
        except Exception:
            self.close()

    def result(self) -> tuple[np.ndarray[Any, Any], bool] | None:
        """``exact_flow``'s answer, or ``None`` if the child failed (solve in process)."""
        proc, fd = self._proc, self._fd
        if proc is None or fd is None:
            self.close()
            return None
        try:
            assert proc.stdout is not None
            status, exact = json.loads(proc.stdout.readline())
            if proc.wait() != 0 or status != "flow":
                return None
            at, count = self._out
            data = os.pread(fd, 8 * count, at)
            return np.frombuffer(data, dtype=np.int64, count=count).copy(), bool(exact)
        except Exception:
            return None
        finally:
            self.close()

    def close(self) -> None:
        """End the child (if it still runs) and close the shared file."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def main() -> int:
    """The child: read the instance, solve it, write the flow into the shared file."""
    from qingqian.netting import solver

    header = json.loads(sys.stdin.buffer.readline())
    for name, value in header["settings"].items():
        setattr(solver, name, int(value))
    size, layout, n_nodes = header["size"], header["layout"], header["n_nodes"]
    with mmap.mmap(int(sys.argv[1]), size) as block:
        arrays = {
            name: np.ndarray(count, dtype=np.int64, buffer=block, offset=at)
            for name, (at, count) in layout.items()
        }
        try:
            flow, exact = solver.exact_flow(arrays, n_nodes)
            at = 8 * sum(count for _, count in layout.values())
            out = np.ndarray(len(flow), dtype=np.int64, buffer=block, offset=at)
            out[:] = flow
            del out
            answer: tuple[str, object] = ("flow", exact)
        except Exception as exc:
            answer = ("error", repr(exc))
        del arrays
    sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
