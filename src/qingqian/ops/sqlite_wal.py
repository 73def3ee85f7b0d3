"""SQLite's WAL checkpoints off the committing thread (docs/operations.md, issue 16).

In WAL mode a commit appends the changed pages to the ``-wal`` file; a *checkpoint* copies
them back into the database file and syncs it. By default SQLite runs that checkpoint inside
the commit that takes the WAL past 1,000 pages (4 MB): the request or import that happens to
cross the line waits for megabytes to be copied and synced. Measured on the case log's bulk
appends (100,000 entries in chunks of 20,000, every commit crossing the line): 1.0–1.5 µs of
the 8 µs an entry costs, all of it on the writer's thread.

Here each process keeps one daemon thread per database file, on its own connection, that
runs ``PRAGMA wal_checkpoint(PASSIVE)`` whenever the ``-wal`` file changed since its last
complete pass (looked at every ``POLL_SECONDS``). A passive checkpoint never blocks readers
or writers and never waits on them: it copies what no reader still needs and stops. Writers
keep SQLite's own checkpoint as a safety net, raised to ``SAFETY_PAGES`` (settings'
``init_command``), so the WAL stays bounded if the thread falls behind or is gone; after a
checkpoint the file is cut back to ``journal_size_limit``.

Off with ``QINGQIAN_SQLITE_CHECKPOINT=inline`` (SQLite's default behaviour). In-memory
databases (the test suite's) have no WAL and get no thread. After ``fork`` (a pre-loading
server) the child starts its own thread on its first connection.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

SAFETY_PAGES = 8192  # a writer checkpoints inline past this many WAL pages (32 MB)
SIZE_LIMIT = 64 << 20  # the WAL file is cut back to this after a checkpoint
POLL_SECONDS = 0.1
# The thread and ``settle`` wait by sleeping in ticks, never with a timed wait on a lock or
# an event: under libfaketime (CI runs the suite under a shifted clock) a timed wait's
# deadline is taken on the shifted clock and waited for on the real one, which never comes.
TICK = 0.005


def background_enabled() -> bool:
    return os.environ.get("QINGQIAN_SQLITE_CHECKPOINT", "background").strip() != "inline"


def init_pragmas() -> str:
    """The pragmas settings add to every SQLite connection's ``init_command``."""
    pragmas = f"PRAGMA journal_size_limit={SIZE_LIMIT};"
    if background_enabled():
        pragmas += f" PRAGMA wal_autocheckpoint={SAFETY_PAGES};"
    return pragmas


@dataclass
class _Checkpointer:
    path: str
    pid: int = field(default_factory=os.getpid)
    wake: threading.Event = field(default_factory=threading.Event)
    counts: threading.Lock = field(default_factory=threading.Lock)
    started: int = 0  # passes begun
    passes: int = 0  # passes finished (one thread: in the order they began)
    last: tuple[int, int, int] = (0, 0, 0)  # busy, frames in the WAL, frames checkpointed
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self._run, name="qingqian-wal-checkpoint", daemon=True
        )
        self.thread.start()

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.thread is not None and self.thread.is_alive()

    def _wal_stamp(self) -> tuple[int, int] | None:
        try:
            seen = os.stat(self.path + "-wal")
        except OSError:
            return None
        return seen.st_mtime_ns, seen.st_size

    def _run(self) -> None:
        try:
            # mode=rw: never create a database that is not there.
            con = sqlite3.connect(
                f"file:{self.path}?mode=rw", uri=True, isolation_level=None, timeout=0
            )
        except sqlite3.Error:
            logger.warning("sqlite_wal: cannot open %s; checkpoints stay inline", self.path)
            return
        settled: tuple[int, int] | None = None
        try:
            while os.path.exists(self.path):
                forced = self._nap()
                stamp = self._wal_stamp()
                if stamp is not None and stamp == settled and not forced:
                    continue  # nothing written since the last complete pass
                with self.counts:
                    self.started += 1
                try:
                    busy, log, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:  # locked by a restore, a full disk: next time
                    logger.warning("sqlite_wal: checkpoint failed: %s", error)
                    busy, log, done = 1, -1, -1
                settled = stamp if (not busy and log == done) else None
                with self.counts:
                    self.passes += 1
                    self.last = (busy, log, done)
        finally:
            con.close()

    def _nap(self) -> bool:
        """Sleep up to ``POLL_SECONDS``, less if kicked; True if kicked."""
        for _ in range(max(1, round(POLL_SECONDS / TICK))):
            if self.wake.is_set():
                break
            time.sleep(TICK)
        kicked = self.wake.is_set()
        if kicked:  # cleared only when seen: a kick landing after the look waits for next time
            self.wake.clear()
        return kicked

    def settle(self, timeout: float) -> bool:
        """Wait for a pass that starts after this call and leaves nothing in the WAL to
        copy; False if none did within about ``timeout`` seconds (counted in ticks slept)."""
        ticks = max(1, round(timeout / TICK))
        while ticks > 0:
            with self.counts:
                after = self.started  # a pass begun by now may have missed the last commit
            self.wake.set()
            while True:
                with self.counts:
                    finished, (busy, log, done) = self.passes > after, self.last
                if finished:
                    break
                if ticks <= 0 or not self.alive():
                    return False
                time.sleep(TICK)
                ticks -= 1
            if not busy and log == done:
                return True
            time.sleep(TICK)  # a reader still holds frames back: try again, not at once
            ticks -= 1
        return False


_lock = threading.Lock()
_running: dict[str, _Checkpointer] = {}


def _file_path(wrapper: Any) -> str | None:
    if wrapper.vendor != "sqlite" or wrapper.is_in_memory_db():
        return None
    name = str(wrapper.settings_dict["NAME"])
    return os.path.abspath(name) if not name.startswith("file:") else None


def ensure(wrapper: Any) -> _Checkpointer | None:
    """The running checkpointer of ``wrapper``'s database file, started if need be (none for
    another database, an in-memory one, or with background checkpoints off)."""
    if not background_enabled():
        return None
    path = _file_path(wrapper)
    if path is None:
        return None
    with _lock:
        found = _running.get(path)
        if found is None or not found.alive():
            found = _Checkpointer(path)
            found.start()
            _running[path] = found
        return found


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    ensure(connection)


def settle(wrapper: Any, timeout: float = 30.0) -> bool:
    """Block until everything committed on ``wrapper``'s database is checkpointed into the
    file (benchmarks stop their clock here, tests check it). True at once where there is no
    background checkpointer; False on timeout."""
    found = ensure(wrapper)
    return True if found is None else found.settle(timeout)
