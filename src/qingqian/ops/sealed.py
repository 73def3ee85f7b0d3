"""Sealed streams: a backup encrypted in 1 MiB chunks with AES-256-GCM (pure: the standard
library and ``cryptography`` only).

Layout: ``MAGIC | key id (8) | nonce prefix (7)`` then chunks of ``length (4, big-endian) |
ciphertext+tag``. Chunk ``n`` is sealed with the nonce ``prefix | n (4) | last (1)`` and the
header as associated data, so a chunk cannot be reordered, dropped, moved to another
backup, or the stream cut short (the last chunk says it is last) without the reader
refusing it. The key id is the first 8 bytes of SHA-256 of the key: a reader picks the right
key among the current and former ones (key rotation, docs/operations.md)."""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterable
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"QQBACKUP1\n"
CHUNK = 1 << 20
_HEADER = len(MAGIC) + 8 + 7


class SealedError(Exception):
    """The stream is not a backup, was made with an unknown key, or was altered."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:8]


def _nonce(prefix: bytes, n: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", n) + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only binary file that seals what is written into ``out``; ``close`` seals
    the last chunk (it must be called, or the stream reads as cut short)."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the backup key must be 32 bytes")
        self._out, self._aead = out, AESGCM(key)
        self._prefix = os.urandom(7)
        self._header = MAGIC + key_id(key) + self._prefix
        self._buf = bytearray()
        self._n = 0
        self.closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buf += data
        while len(self._buf) > CHUNK:
            self._seal(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._n, last), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._n += 1

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
            self._out.flush()
            self.closed = True


class SealedReader:
    """A read-only binary file over a sealed stream, for the key (among ``keys``) whose id
    the header names. Raises :class:`SealedError` on any alteration."""

    def __init__(self, src: BinaryIO, keys: Iterable[bytes]) -> None:
        self._src = src
        header = src.read(_HEADER)
        if len(header) != _HEADER or not header.startswith(MAGIC):
            raise SealedError("backup_not_recognised", "not a Qingqian backup")
        wanted = header[len(MAGIC) : len(MAGIC) + 8]
        key = next((k for k in keys if key_id(k) == wanted), None)
        if key is None:
            raise SealedError("backup_key_unknown", "made with a key not configured here")
        self._aead, self._header, self._prefix = AESGCM(key), header, header[-7:]
        self._buf = b""
        self._n = 0
        self._done = False

    def _next(self) -> bool:
        if self._done:
            return False
        size = self._src.read(4)
        if len(size) != 4:
            raise SealedError("backup_truncated", "the backup is cut short")
        (length,) = struct.unpack(">I", size)
        sealed = self._src.read(length)
        if len(sealed) != length:
            raise SealedError("backup_truncated", "the backup is cut short")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._n, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._n += 1
            self._buf += plain
            if last:
                self._done = True
                if self._src.read(1):
                    raise SealedError("backup_altered", "data follows the last chunk")
            return True
        raise SealedError("backup_altered", "the backup was altered or the key is wrong")

    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self._buf) < n) and self._next():
            pass
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out
