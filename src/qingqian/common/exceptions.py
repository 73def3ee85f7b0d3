"""One error hierarchy for everything a user can cause.

Every error carries a machine-readable ``code``, a message in Chinese and in English, the
HTTP status an interface should answer with, and ``details``. Interfaces (API, web, CLI)
translate these; domain code raises them and never formats responses itself.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status = 400
    code = "application_error"

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details: dict[str, Any] = details or {}

    @property
    def message(self) -> str:
        """Both languages, Chinese first: ``中文 / English``."""
        return f"{self.message_zh} / {self.message_en}"

    def message_for(self, language: str | None) -> str:
        if language and language.lower().startswith("en"):
            return self.message_en
        return self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
