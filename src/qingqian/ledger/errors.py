"""The one error class of the ledger kernel.

It mirrors the project's ``ApplicationError`` shape (``code``, ``message_zh``,
``message_en``, ``details``, ``status``) without importing it, so that the kernel stays
importable by the standalone verifier, whose only dependency is ``cryptography``.
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """A malformed or failing log artefact: a proof, a note, a key, a tile, a statement.

    ``code`` is machine-readable (snake_case); ``details`` names what was wrong and where.
    """

    status = 422

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details: dict[str, Any] = details or {}

    @property
    def message(self) -> str:
        """Both languages, Chinese first: ``中文 / English``."""
        return f"{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}

    def __repr__(self) -> str:
        return f"LedgerError({self.code!r}, {self.message_en!r}, {self.details!r})"
