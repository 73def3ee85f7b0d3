"""The guide journeys: each role's steps as the user guide describes them, on the demo data.

Each journey starts on a freshly loaded demo portfolio (``qingqian load-demo``, a small one),
signs in with a demo login and walks the steps its guide page describes, calling ``guide_shot``
where the guide shows a picture. A change to the UI that breaks a described step fails here,
and the pictures follow the product (docs/decisions/0007-guide-screenshots.md).

The demo is loaded once per session and settings it depends on; on SQLite (the in-memory test
database the live server shares) every later journey gets a byte-for-byte copy of that
database and of the files the demo stored, restored with SQLite's backup API in milliseconds
instead of loading again. Each journey still writes to its own copy. On other databases every
journey loads the demo itself.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (  # the browser fixtures, shared with tests/e2e
    _immediate_tasks,  # noqa: F401
    log_in,
    page,  # noqa: F401
    phone,  # noqa: F401
    sms,  # noqa: F401
)

DEMO_CASES = 80


@dataclass
class Demo:
    base: str
    org: Any
    password: str
    log_in: Callable[[Any, str], None]


@dataclass
class _Snapshots:
    """Loaded demos of this session, by the settings the load depends on."""

    folder: Path
    saved: dict[tuple[str, ...], tuple[sqlite3.Connection, Path]] = field(default_factory=dict)


@pytest.fixture(scope="session")
def _demo_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Snapshots]:
    snapshots = _Snapshots(tmp_path_factory.mktemp("guide-demo"))
    yield snapshots
    for db, _media in snapshots.saved.values():
        db.close()


def _snapshot_key(settings: Any) -> tuple[str, ...]:
    """What the loaded demo depends on besides the code: who is enrolled in two-factor."""
    return tuple(sorted(settings.QINGQIAN_2FA_REQUIRED_ROLES))


def _shared_sqlite(connection: Any) -> sqlite3.Connection | None:
    """The raw in-memory SQLite connection the live server shares, else None."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    connection.ensure_connection()
    assert not connection.in_atomic_block  # a transactional test: nothing open to lose
    raw: sqlite3.Connection = connection.connection
    return raw


def _load_demo(settings: Any, snapshots: _Snapshots) -> None:
    """Load the demo, or put back the copy an earlier journey of this session saved."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from tests.conftest import _clear_contact_policy_caches
    from tests.support import reseed_reference_data

    raw = _shared_sqlite(connection)
    key = _snapshot_key(settings)
    media = Path(settings.MEDIA_ROOT)
    if raw is not None and key in snapshots.saved:
        saved, saved_media = snapshots.saved[key]
        saved.backup(raw)  # every page of the database, replaced
        shutil.copytree(saved_media, media, dirs_exist_ok=True)
        ContentType.objects.clear_cache()  # ids as in the copy
        _clear_contact_policy_caches()
        return
    reseed_reference_data()  # an earlier browser test's flush removed the migrations' rows
    call_command("load-demo", "--cases", str(DEMO_CASES), "--json", stdout=_Null())
    if raw is not None:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        raw.backup(copy)
        saved_media = snapshots.folder / f"media-{len(snapshots.saved)}"
        if media.exists():
            shutil.copytree(media, saved_media)
        else:
            saved_media.mkdir()
        snapshots.saved[key] = (copy, saved_media)


@pytest.fixture
def demo(
    transactional_db: Any, live_server: Any, settings: Any, _demo_snapshots: _Snapshots
) -> Demo:
    """The demo organisation and its logins (``qingqian load-demo --cases 80``), fresh."""
    from qingqian.accounts.models import Organisation
    from qingqian.demo import catalogue

    _load_demo(settings, _demo_snapshots)
    base = live_server.url

    def sign_in(tab: Any, username: str) -> None:
        tab.context.clear_cookies()
        log_in(tab, base, username, catalogue.PASSWORD)

    return Demo(
        base=base,
        org=Organisation.objects.get(short_code=catalogue.ORG_CODE),
        password=catalogue.PASSWORD,
        log_in=sign_in,
    )


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass
