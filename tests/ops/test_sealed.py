"""The backup seal: round trip over many chunks; any change, cut or wrong key refused."""

from __future__ import annotations

import io
import os

import pytest

from qingqian.ops import sealed
from qingqian.ops.sealed import SealedError, SealedReader, SealedWriter

KEY, OLD, OTHER = os.urandom(32), os.urandom(32), os.urandom(32)


def _seal(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    w = SealedWriter(out, key)
    for i in range(0, len(data), 333):
        w.write(data[i : i + 333])
    w.close()
    return out.getvalue()


def _open(blob: bytes, keys: list[bytes] | None = None) -> bytes:
    return SealedReader(io.BytesIO(blob), keys or [KEY]).read()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealed, "CHUNK", 1000)


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 5432])
def test_round_trip(size: int) -> None:
    data = os.urandom(size)
    blob = _seal(data)
    assert size < 16 or data not in blob
    assert _open(blob) == data
    reader = SealedReader(io.BytesIO(blob), [KEY])
    parts = []
    while chunk := reader.read(700):
        parts.append(chunk)
    assert b"".join(parts) == data


def test_a_former_key_still_opens_old_backups() -> None:
    blob = _seal(b"old backup", key=OLD)
    assert _open(blob, [KEY, OLD]) == b"old backup"
    with pytest.raises(SealedError) as err:
        _open(blob, [KEY, OTHER])
    assert err.value.code == "backup_key_unknown"


@pytest.mark.parametrize("where", [30, 1100, -5])
def test_a_flipped_byte_is_refused(where: int) -> None:
    blob = bytearray(_seal(os.urandom(3000)))
    blob[where] ^= 1
    with pytest.raises(SealedError) as err:
        _open(bytes(blob))
    assert err.value.code in {"backup_altered", "backup_truncated", "backup_key_unknown"}


def test_cut_short_or_extended_is_refused() -> None:
    blob = _seal(os.urandom(3000))
    first_chunks = blob[: len(blob) - 100]
    with pytest.raises(SealedError) as err:
        _open(first_chunks)
    assert err.value.code in {"backup_truncated", "backup_altered"}
    # Dropping the last chunk whole (a clean cut at a chunk boundary) is caught too.
    header = sealed._HEADER
    n = header
    ends = []
    while n < len(blob):
        length = int.from_bytes(blob[n : n + 4], "big")
        n += 4 + length
        ends.append(n)
    with pytest.raises(SealedError) as err:
        _open(blob[: ends[-2]])
    assert err.value.code == "backup_truncated"
    with pytest.raises(SealedError):
        _open(blob + b"x")


def test_not_a_backup() -> None:
    with pytest.raises(SealedError) as err:
        _open(b"PK\x03\x04 a zip file")
    assert err.value.code == "backup_not_recognised"
