"""WAL checkpoints on their own thread (``qingqian.ops.sqlite_wal``): started for a SQLite
file on its first connection, copying what commits leave in the ``-wal`` file back into the
database, never creating a database, off with ``QINGQIAN_SQLITE_CHECKPOINT=inline``."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from qingqian.ops import sqlite_wal


def _wrapper(path: Path) -> Any:
    """A connection to a SQLite file set up as settings.py sets up the default one (the
    suite may be running on PostgreSQL or on SQLite's in-memory database)."""
    return DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                + sqlite_wal.init_pragmas(),
            },
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias="wal_test",
    )


def _wal_frames(path: Path) -> int:
    try:
        return os.path.getsize(f"{path}-wal")
    except OSError:
        return 0


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "qingqian-wal-checkpoint"]


def test_pragmas_keep_sqlites_own_checkpoint_as_a_safety_net(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QINGQIAN_SQLITE_CHECKPOINT", raising=False)
    assert f"wal_autocheckpoint={sqlite_wal.SAFETY_PAGES}" in sqlite_wal.init_pragmas()
    assert "journal_size_limit" in sqlite_wal.init_pragmas()
    monkeypatch.setenv("QINGQIAN_SQLITE_CHECKPOINT", "inline")
    assert "wal_autocheckpoint" not in sqlite_wal.init_pragmas()


@pytest.mark.django_db
def test_no_thread_for_the_test_database_and_settings_carry_the_pragmas() -> None:
    """The suite's database (SQLite in memory, or PostgreSQL) gets no thread; a SQLite
    configuration from settings.py carries the pragmas."""
    connection.ensure_connection()
    assert sqlite_wal.ensure(connection) is None
    assert sqlite_wal.settle(connection) is True
    if connection.vendor == "sqlite":
        assert connection.is_in_memory_db()
        assert sqlite_wal.init_pragmas() in connection.settings_dict["OPTIONS"]["init_command"]


@pytest.mark.django_db
def test_a_file_database_is_checkpointed_off_the_committing_thread(tmp_path: Path) -> None:
    """Commits past SQLite's own threshold would checkpoint inline; here the writer only
    appends to the WAL (its safety net is 8,192 pages) and the thread started on the
    connection's creation copies the pages into the file."""
    path = tmp_path / "app.sqlite3"
    db = _wrapper(path)
    db.ensure_connection()
    try:
        found = sqlite_wal.ensure(db)
        assert found is not None and found.alive()
        assert found.thread is not None and found.thread in _checkpointers()
        assert db.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 8192
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE t (v BLOB)")
        for _ in range(5):  # 5 commits of ~1.6 MB: 2,000 pages, twice SQLite's threshold
            with db.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.executemany("INSERT INTO t VALUES (?)", [(os.urandom(400),)] * 4000)
                cursor.execute("COMMIT")
        assert sqlite_wal.settle(db, timeout=30) is True
        busy, log, done = found.last
        assert busy == 0 and log == done and log >= 2000
        # The pages are in the database file itself: a reader of the file alone (no WAL
        # index, immutable) sees every row.
        with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as reader:
            assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 20_000
        # The same thread serves every later connection of this process to the file.
        again = _wrapper(path)
        again.ensure_connection()
        assert sqlite_wal.ensure(again) is found
        again.close()
    finally:
        db.close()


def test_inline_mode_starts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGQIAN_SQLITE_CHECKPOINT", "inline")
    path = tmp_path / "inline.sqlite3"
    sqlite3.connect(path).close()
    db = _wrapper(path)
    assert sqlite_wal.ensure(db) is None
    assert sqlite_wal.settle(db) is True


def test_the_thread_never_creates_a_database_and_ends_with_its_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    ghost = sqlite_wal._Checkpointer(str(missing))
    ghost.start()
    assert ghost.thread is not None
    ghost.thread.join(5)
    assert not ghost.thread.is_alive() and not missing.exists()
    assert ghost.settle(0.5) is False

    path = tmp_path / "gone.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=WAL")
    found = sqlite_wal._Checkpointer(str(path))
    found.start()
    assert found.settle(5) is True
    path.unlink()
    assert found.thread is not None
    found.thread.join(5)
    assert not found.thread.is_alive()


def test_a_forked_child_starts_its_own_thread(tmp_path: Path) -> None:
    """A thread belongs to the process that started it; after ``fork`` (a pre-loading
    server) the child's first connection starts another instead of trusting a dead one."""
    path = tmp_path / "forked.sqlite3"
    sqlite3.connect(path).close()
    db = _wrapper(path)
    first = sqlite_wal.ensure(db)
    assert first is not None
    first.pid = -1  # what a child sees: the record of its parent's thread
    second = sqlite_wal.ensure(db)
    assert second is not None and second is not first and second.alive()
    path.unlink()
    for found in (first, second):
        assert found.thread is not None
        found.thread.join(5)


def test_settle_waits_for_a_pass_that_began_after_it_was_called(tmp_path: Path) -> None:
    """A pass already running when ``settle`` is called may have missed the last commit: it
    waits for the next one."""
    path = tmp_path / "late.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=WAL")
    found = sqlite_wal._Checkpointer(str(path))
    found.started = 5  # five passes begun, four finished: one is "running"
    found.passes = 4
    found.start()
    assert found.settle(5) is True
    assert found.passes >= 6  # the running one, then one of its own
    path.unlink()
    assert found.thread is not None
    found.thread.join(5)
