"""Backups that restore (docs/operations.md): the database, every object in the store and
the case log's state, in one sealed file; and the way back into a fresh database and store.

The archive inside the seal is a tar stream: ``manifest.json`` (what is inside and the log's
latest checkpoint: size and root), ``database.pgdump`` (``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite's online backup), and ``objects/<name>`` for each stored file.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection

from qingqian.common import clock
from qingqian.common.exceptions import ApplicationError, Conflict, ValidationFailed
from qingqian.ledger import merkle
from qingqian.ledger.models import Checkpoint, LogEntry
from qingqian.ops.sealed import SealedError, SealedReader, SealedWriter

FORMAT = 1


class BackupError(ValidationFailed):
    code = "backup_invalid"


def _key(raw: str, name: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            f"{name} 必须是 32 字节密钥的 base64。",
            f"{name} must be the base64 of a 32-byte key.",
            code="backup_key_invalid",
        )
    return key


def backup_key() -> bytes:
    raw = os.environ.get("QINGQIAN_BACKUP_KEY", "")
    if not raw:
        raise BackupError(
            "未设置备份密钥 QINGQIAN_BACKUP_KEY。",
            "No backup key: set QINGQIAN_BACKUP_KEY.",
            code="backup_key_missing",
        )
    return _key(raw, "QINGQIAN_BACKUP_KEY")


def restore_keys() -> list[bytes]:
    """The current key and the former ones (``QINGQIAN_BACKUP_OLD_KEYS``, comma-separated)
    that older backups were sealed with."""
    keys = [backup_key()]
    for raw in os.environ.get("QINGQIAN_BACKUP_OLD_KEYS", "").split(","):
        if raw.strip():
            keys.append(_key(raw.strip(), "QINGQIAN_BACKUP_OLD_KEYS"))
    return keys


def _database() -> dict[str, Any]:
    """The database to dump or restore into: ``QINGQIAN_BACKUP_DATABASE_URL`` when set (a
    direct connection, not through a transaction-mode pooler), else the app's own."""
    url = os.environ.get("QINGQIAN_BACKUP_DATABASE_URL")
    return dict(dj_database_url.parse(url)) if url else dict(settings.DATABASES["default"])


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}（PostgreSQL 客户端）。",
            f"{name} (the PostgreSQL client) is not installed.",
            code="backup_tool_missing",
        )
    return found


def _objects(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # a local store nothing was ever written to
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(dirs):
        yield from _objects(storage, f"{folder}/{sub}" if folder else sub)


def log_state() -> dict[str, Any]:
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is None:
        return {"checkpoint_size": 0, "checkpoint_root": ""}
    return {"checkpoint_size": latest.size, "checkpoint_root": bytes(latest.root_hash).hex()}


def _add(tar: tarfile.TarFile, name: str, handle: Any, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    tar.addfile(info, handle)


@dataclass(frozen=True)
class BackupResult:
    path: str
    bytes: int
    objects: int
    database: str
    checkpoint_size: int
    checkpoint_root: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def backup_create(out: Path) -> BackupResult:
    """Seal the database, the object store and the log state into ``out``."""
    key = backup_key()
    db = _database()
    vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
    state = log_state()  # before the dump: the dump holds at least this checkpoint
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        if vendor == "postgresql":
            subprocess.run(  # noqa: S603 (fixed tool, arguments from settings)
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl",
                 "--file", str(dump), "--dbname", str(db["NAME"])],
                env=_pg_env(db), check=True, capture_output=True,
            )  # fmt: skip
        else:
            with sqlite3.connect(db["NAME"]) as src, sqlite3.connect(dump) as dst:
                src.backup(dst)
        names = list(_objects(default_storage))
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "database": vendor,
            "objects": len(names),
            "log": state,
        }
        tmp_out = out.with_name(out.name + ".part")
        with tmp_out.open("wb") as raw:
            sealed = SealedWriter(raw, key)
            with tarfile.open(fileobj=sealed, mode="w|") as tar:  # type: ignore[call-overload]
                body = json.dumps(manifest, indent=2).encode()
                _add(tar, "manifest.json", io.BytesIO(body), len(body))
                suffix = "pgdump" if vendor == "postgresql" else "sqlite3"
                with dump.open("rb") as fh:
                    _add(tar, f"database.{suffix}", fh, dump.stat().st_size)
                for name in names:
                    with default_storage.open(name, "rb") as fh:
                        _add(tar, f"objects/{name}", fh, default_storage.size(name))
            sealed.close()
        tmp_out.replace(out)
    return BackupResult(
        str(out), out.stat().st_size, len(names), vendor,
        state["checkpoint_size"], state["checkpoint_root"],
    )  # fmt: skip


def _refuse_if_not_empty(db: dict[str, Any], vendor: str) -> None:
    if vendor == "sqlite":
        path = Path(db["NAME"])
        if path.exists() and path.stat().st_size > 0:
            tables = sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
            if tables[0]:
                raise Conflict(
                    "目标数据库不是空的，拒绝覆盖。",
                    "The target database is not empty; restore only into a fresh one.",
                    code="restore_target_not_empty",
                )
        return
    if connection.introspection.table_names():
        raise Conflict(
            "目标数据库不是空的，拒绝覆盖。",
            "The target database is not empty; restore only into a fresh one.",
            code="restore_target_not_empty",
        )


def restore_verify_log(state: dict[str, Any]) -> dict[str, Any]:
    """The restored log: the checkpoint the backup recorded is there with the same root, and
    the entries 0…size−1 hash to it."""
    size, root = state["checkpoint_size"], state["checkpoint_root"]
    if not size:
        return {"checkpoint_size": 0, "checkpoint_root": "", "log_ok": True}
    cp = Checkpoint.objects.filter(size=size).first()
    leaves = LogEntry.objects.filter(index__lt=size).order_by("index")
    hashes = [bytes(h) for h in leaves.values_list("leaf_hash", flat=True)]
    recomputed = merkle.root_from_leaf_hashes(hashes).hex() if len(hashes) == size else ""
    ok = cp is not None and bytes(cp.root_hash).hex() == root == recomputed
    return {"checkpoint_size": size, "checkpoint_root": root, "log_ok": ok}


def backup_restore(src: Path) -> dict[str, Any]:
    """Restore ``src`` into the configured database and store, both fresh."""
    keys = restore_keys()
    if not src.is_file():
        raise BackupError(
            f"找不到备份文件：{src}", f"No such backup file: {src}", code="backup_not_found"
        )
    db = _database()
    target = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
    with src.open("rb") as raw, tempfile.TemporaryDirectory() as tmp:
        try:
            reader = SealedReader(raw, keys)
            tar = tarfile.open(fileobj=reader, mode="r|")  # type: ignore[call-overload]  # noqa: SIM115
            manifest: dict[str, Any] = {}
            restored = 0
            for member in tar:
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                if member.name == "manifest.json":
                    manifest = json.loads(handle.read())
                    if manifest.get("format") != FORMAT or manifest["database"] != target:
                        raise BackupError(
                            "备份格式或数据库类型与目标不符。",
                            "The backup's format or database kind does not match the target.",
                            code="backup_mismatch",
                            details={"backup": manifest.get("database"), "target": target},
                        )
                    _refuse_if_not_empty(db, target)
                elif member.name.startswith("database."):
                    dump = Path(tmp) / "database"
                    with dump.open("wb") as out:
                        shutil.copyfileobj(handle, out)
                    _load_database(db, target, dump)
                elif member.name.startswith("objects/"):
                    name = member.name.removeprefix("objects/")
                    # Stores want a seekable file; the tar stream is not one.
                    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
                        shutil.copyfileobj(handle, spool)
                        spool.seek(0)
                        saved = default_storage.save(name, File(spool, name=name))
                    if saved != name:
                        raise Conflict(
                            "目标存储不是空的（对象重名），拒绝覆盖。",
                            "The target store is not empty (an object name is taken).",
                            code="restore_store_not_empty",
                            details={"name": name},
                        )
                    restored += 1
        except SealedError as exc:
            raise BackupError(
                "备份无法解密：文件被改动、被截断，或密钥不对。",
                f"The backup cannot be opened: {exc}.",
                code=exc.code,
            ) from exc
        except tarfile.TarError as exc:
            raise BackupError(
                "备份内容损坏。", "The backup is corrupt.", code="backup_corrupt"
            ) from exc
    if not manifest or restored != manifest["objects"]:
        raise BackupError("备份不完整。", "The backup is incomplete.", code="backup_incomplete")
    connection.close()
    return {"database": target, "objects": restored, **restore_verify_log(manifest["log"])}


def _load_database(db: dict[str, Any], vendor: str, dump: Path) -> None:
    if vendor == "sqlite":
        connection.close()
        with sqlite3.connect(dump) as src, sqlite3.connect(db["NAME"]) as dst:
            src.backup(dst)
        return
    connection.close()
    result = subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
         "--dbname", str(db["NAME"]), str(dump)],
        env=_pg_env(db), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        raise ApplicationError(
            "数据库恢复失败。",
            "Restoring the database failed: " + result.stderr.strip()[-500:],
            code="restore_database_failed",
            status=500,
        )
