"""Real server processes for the production tests: ``qingqian serve`` on a free port."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if http(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server did not answer {url}:\n{log.read_text()[-4000:]}")


def production_env() -> dict[str, str]:
    """A production secret key, with the keys this test process uses for encrypted fields
    and the log, so both sides read each other's rows."""
    from django.conf import settings

    return {
        "QINGQIAN_SECRET_KEY": "test-production-secret-" + "x" * 40,
        "QINGQIAN_FIELD_KEY": base64.b64encode(settings.FIELD_ENCRYPTION_KEY).decode(),
        "QINGQIAN_LOOKUP_KEY": base64.b64encode(settings.FIELD_LOOKUP_KEY).decode(),
        "QINGQIAN_LOG_SIGNING_KEY": settings.QINGQIAN_LOG_SIGNING_KEY,
        "QINGQIAN_SECURE_COOKIES": "0",
    }


def frozen(start_utc: str) -> list[str]:
    """A command prefix running a process (and its children) on a clock that starts at
    ``start_utc`` ("2026-03-02 02:00:00") and ticks: server-side decisions use the server's
    time, and a test must hold on any date."""
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.skip("faketime is not installed (apt-get install faketime)")
    return [faketime, start_utc]


def _group_gone(group: int, seconds: float) -> None:
    """Wait until no process of ``group`` is left; ``TimeoutExpired`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(f"process group {group}", seconds)
        time.sleep(0.2)


@contextmanager
def serving(
    env: dict[str, str],
    log: Path,
    *args: str,
    migrate: bool = True,
    prefix: list[str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``qingqian serve`` with ``args`` on a free port; yields its base URL and process, and
    stops it (SIGTERM, as systemd would) afterwards.

    Behind a ``prefix`` (``faketime``, which forks the server and does not pass a signal on)
    the server runs in a session of its own and the signal goes to the whole group, so no
    server outlives its test."""
    port = free_port()
    full = {**os.environ, **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    if prefix:
        full["TZ"] = "UTC"
    cmd = [*(prefix or []), sys.executable, "-m", "qingqian.cli", "serve"]
    cmd += ["--bind", f"127.0.0.1:{port}", *args]
    if not migrate:
        cmd.append("--no-migrate")
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            cmd, env=full, stdout=out, stderr=subprocess.STDOUT, start_new_session=bool(prefix)
        )
        base = f"http://127.0.0.1:{port}"

        def send(sig: signal.Signals) -> None:
            if prefix:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)

        try:
            wait_http(base + "/healthz", proc, log)
            yield base, proc
        finally:
            if proc.poll() is None or prefix:
                send(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                    if prefix:  # the wrapper is gone at once; wait for its server too
                        _group_gone(proc.pid, 60)
                except subprocess.TimeoutExpired:
                    send(signal.SIGKILL)
                    proc.wait()
