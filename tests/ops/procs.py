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
from contextlib import contextmanager
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


@contextmanager
def serving(
    env: dict[str, str],
    log: Path,
    *args: str,
    migrate: bool = True,
    prefix: list[str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``qingqian serve`` with ``args`` on a free port; yields its base URL and process, and
    stops it (SIGTERM, as systemd would) afterwards."""
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
        proc = subprocess.Popen(cmd, env=full, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", proc, log)
            yield base, proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
