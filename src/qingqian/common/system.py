"""The platform acting on its own, declared: a scheduled task, a command, the demo loader,
a payment provider's callback or a debtor using their link.

Services take ``actor: User | None``; ``None`` means no signed-in user. Before this module a
``None`` actor passed every permission check, so a caller that lost its user by mistake ran
with every permission. Now ``cases.services.require(None, …)`` refuses unless the caller
declared, with :func:`acting_as_system`, which job of the platform is acting::

    with acting_as_system("daily"):
        interest_accrue(case=case, actor=None, ...)

The declaration is a context variable: it holds for this thread or task only and ends with
the block. A web request never runs inside one: new threads begin with an empty context, and
the first middleware clears it for the request (:func:`no_system_job`). The audit trail
writes the job's name as the actor's label (``system:daily``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_job: ContextVar[str] = ContextVar("qingqian_system_job", default="")
_NAME = re.compile(r"^[a-z][a-z0-9_.:-]{0,40}$")


@contextmanager
def _declared(job: str) -> Iterator[None]:
    token = _job.set(job)
    try:
        yield
    finally:
        _job.reset(token)


def acting_as_system(job: str) -> AbstractContextManager[None]:
    """Run the block as the platform's job ``job`` (lower-case words: ``daily``,
    ``payments.provider``, ``portal``, ``demo``)."""
    if not _NAME.match(job):
        raise ValueError(f"a system job is named in lower-case words, not {job!r}")
    return _declared(job)


def no_system_job() -> AbstractContextManager[None]:
    """Run the block as no job at all: every web request runs inside one
    (``common.middleware.SystemJobBoundaryMiddleware``), so a request acts as its user or as
    nobody, never as a job declared around it."""
    return _declared("")


def system_job() -> str:
    """The job acting now, or ``""`` when none was declared."""
    return _job.get()


def as_system(job: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of :func:`acting_as_system`, for tasks and command handlers."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with acting_as_system(job):
                return fn(*args, **kwargs)

        return run

    return wrap
