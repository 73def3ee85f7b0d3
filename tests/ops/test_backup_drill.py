"""The backup drill: load the demo, add evidence, back up, destroy, restore into a fresh
database and store; the checkpoint root is the same, the log hashes to it, the trust ledger
reconciles and the evidence reads back byte for byte. Twice: SQLite with a local folder, and
PostgreSQL with the S3 store. Refusals: a non-empty target, a wrong key, a changed byte."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops import s3

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _once_per_ci_run() -> None:
    """These start their own processes on their own databases: the suite's database does
    not matter, so they run in the SQLite pass only, not again in the PostgreSQL ones."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs once, in the SQLite pass (it makes its own databases)")


KEY = base64.b64encode(b"k" * 32).decode()
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ADD_EVIDENCE = """
import datetime as dt, django, sys
django.setup()
from qingqian.accounts.models import User
from qingqian.cases.models import Case
from qingqian.evidence.services import evidence_add
case = Case.objects.order_by("id").first()
item = evidence_add(user=User.objects.get(username="lawyer"), case_id=case.pk,
    evidence_type="loan_contract", filename="contract.pdf", data=sys.stdin.buffer.read(),
    collected_by="李律师", collected_at=dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC),
    capture_method="扫描仪", original_location="档案室")
print(case.pk, item.pk)
"""
READ_EVIDENCE = """
import django, sys
django.setup()
from qingqian.accounts.models import User
from qingqian.evidence.services import evidence_version_download
_, raw = evidence_version_download(user=User.objects.get(username="lawyer"),
    case_id=int(sys.argv[1]), item_id=int(sys.argv[2]), number=1)
sys.stdout.buffer.write(raw)
"""


def qq(env: dict[str, str], *args: str, stdin: bytes = b"", check: bool = True) -> Any:
    full = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "qingqian.settings"}
    cmd = [sys.executable, "-m", "qingqian.cli", *args]
    if args and args[0] == "-c":
        cmd = [sys.executable, *args]
    result = subprocess.run(cmd, env=full, input=stdin, capture_output=True, check=False)  # noqa: S603
    if check and result.returncode:
        raise AssertionError(f"{args} exited {result.returncode}: {result.stderr.decode()[-3000:]}")
    return result


def _json(result: Any) -> Any:
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def drill(src: dict[str, str], dst: dict[str, str], destroy: Any, tmp: Path) -> None:
    src, dst = {**src, "QINGQIAN_BACKUP_KEY": KEY}, {**dst, "QINGQIAN_BACKUP_KEY": KEY}
    qq(src, "migrate", "--noinput", "-v0")
    qq(src, "load-demo", "--cases", "20")
    case_id, item_id = qq(src, "-c", ADD_EVIDENCE, stdin=PDF).stdout.decode().split()
    qq(src, "ledger", "integrate")
    before = _json(qq(src, "ledger", "checkpoint", "--json"))
    assert _json(qq(src, "payments", "reconcile", "--json"))["ok"] is True
    backup = tmp / "demo.qqbak"
    made = _json(qq(src, "backup", "--out", str(backup), "--json"))
    # the evidence file added above, plus whatever the demo stored (court documents …)
    assert made["objects"] >= 1 and made["checkpoint_size"] == before["size"]
    assert PDF not in backup.read_bytes()  # sealed, not merely packed

    destroy()

    restored = _json(qq(dst, "restore", str(backup), "--json"))
    assert restored["log_ok"] is True
    assert restored["objects"] == made["objects"]
    after = _json(qq(dst, "ledger", "checkpoint", "--json"))
    assert (after["size"], after["root_hash"]) == (before["size"], before["root_hash"])
    assert after["note"] == before["note"]  # the same signed checkpoint
    assert _json(qq(dst, "payments", "reconcile", "--json"))["ok"] is True
    assert qq(dst, "-c", READ_EVIDENCE, case_id, item_id).stdout == PDF
    # `qingqian ledger verify` (full log verification) where this build has it.
    if qq(dst, "ledger", "verify", "--help", check=False).returncode == 0:
        qq(dst, "ledger", "verify")

    # Refusals, each a clear bilingual error with nothing written: a non-empty target …
    again = qq(dst, "restore", str(backup), check=False)
    assert again.returncode == 2
    assert "不是空的" in again.stderr.decode() and "not empty" in again.stderr.decode()
    # … a key that did not make the backup (the former key opens it: rotation) …
    other = {**dst, "QINGQIAN_BACKUP_KEY": base64.b64encode(b"o" * 32).decode()}
    wrong = qq(other, "restore", str(backup), check=False)
    assert wrong.returncode == 2 and "key" in wrong.stderr.decode()
    # … and a changed byte.
    bad = tmp / "changed.qqbak"
    blob = bytearray(backup.read_bytes())
    # A byte of the first sealed chunk (it holds the manifest), so the refusal is the seal's
    # and not the non-empty target's: the demo's backup is now several chunks long.
    blob[len(b"QQBACKUP1\n") + 8 + 7 + 4 + 100] ^= 1
    bad.write_bytes(bytes(blob))
    changed = qq(dst, "restore", str(bad), check=False)
    assert changed.returncode == 2 and "altered" in changed.stderr.decode()


def test_drill_sqlite_and_local_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    src = {"QINGQIAN_DATA_DIR": str(a), "DATABASE_URL": f"sqlite:///{a / 'db.sqlite3'}"}
    dst = {"QINGQIAN_DATA_DIR": str(b), "DATABASE_URL": f"sqlite:///{b / 'db.sqlite3'}"}
    drill(src, dst, lambda: shutil.rmtree(a), tmp_path)


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    """Two scratch databases on the PostgreSQL server (direct, port 5432), dropped after."""
    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("QINGQIAN_TEST_DRILL_PG", "postgres://postgres@127.0.0.1:5432")
    try:
        admin = psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {base}")
    tag = uuid.uuid4().hex[:8]
    names = (f"qq_drill_{tag}_a", f"qq_drill_{tag}_b")
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.real_clock
@pytest.mark.s3
def test_drill_postgresql_and_s3(pg_databases: tuple[str, str], tmp_path: Path) -> None:
    config = s3.require_s3()
    pa, pb = s3.new_prefix(), s3.new_prefix()
    src_url, dst_url = pg_databases
    src = {"DATABASE_URL": src_url, "QINGQIAN_DATA_DIR": str(tmp_path), **s3.server_env(config, pa)}
    dst = {"DATABASE_URL": dst_url, "QINGQIAN_DATA_DIR": str(tmp_path), **s3.server_env(config, pb)}

    def destroy() -> None:
        import psycopg

        s3.empty(config, pa)
        with psycopg.connect(src_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    try:
        drill(src, dst, destroy, tmp_path)
        assert s3.keys(config, pb) != [] and s3.keys(config, pa) == []
    finally:
        s3.empty(config, pa)
        s3.empty(config, pb)
