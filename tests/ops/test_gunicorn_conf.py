"""``qingqian.ops.gunicorn_conf``: how many web processes a machine gets by default."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(autouse=True)
def _module_as_found(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The module is read again under each test's environment, and once more after it."""
    yield
    monkeypatch.undo()
    import qingqian.ops.gunicorn_conf as conf

    importlib.reload(conf)


def _conf(monkeypatch: pytest.MonkeyPatch, cores: int | None, **env: str) -> ModuleType:
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    monkeypatch.delenv("QINGQIAN_WEB_WORKERS", raising=False)
    monkeypatch.delenv("QINGQIAN_WEB_THREADS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import qingqian.ops.gunicorn_conf as conf

    return importlib.reload(conf)


@pytest.mark.parametrize(("cores", "workers"), [(2, 3), (8, 9), (None, 2)])
def test_one_process_per_core_and_one_more(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, workers: int
) -> None:
    # threads wait on the database; more processes than cores + 1 only take turns on them
    conf = _conf(monkeypatch, cores)
    assert (conf.workers, conf.threads, conf.worker_class) == (workers, 4, "gthread")


def test_the_environment_overrides_the_sizing(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _conf(monkeypatch, 2, QINGQIAN_WEB_WORKERS="5", QINGQIAN_WEB_THREADS="16")
    assert (conf.workers, conf.threads) == (5, 16)
