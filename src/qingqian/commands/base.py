"""The base of Qingqian's management commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qingqian.common.system import acting_as_system


class SystemCommand(BaseCommand):
    """A command run by the platform's operator: what it does without a named user (``actor``
    ``None``) is the declared system job ``command.<name>`` (``common.system``). A command
    given a user acts as that user and is checked as that user."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        name = self.__module__.rsplit(".", 1)[-1].replace("_", "-").lower()
        with acting_as_system(f"command.{name}"):
            return super().execute(*args, **options)
