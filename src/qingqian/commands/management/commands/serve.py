"""``qingqian serve``: the production server on this machine (docs/operations.md).

gunicorn answers the web (``qingqian.ops.gunicorn_conf``: workers and threads sized from the
cores), whitenoise serves the static files, and ``--task-workers`` separate ``db_worker``
processes run the background tasks. The command supervises them all: a signal stops every
child, and a child that dies stops the rest (a process manager — systemd, Compose — then
restarts the whole set; deploy/ runs web and workers as separate units instead).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) and task workers (生产服务器)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("QINGQIAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=0, help="web processes (0: cores+1)")
        parser.add_argument("--threads", type=int, default=0, help="threads per web process")
        parser.add_argument("--task-workers", type=int, default=1, help="db_worker processes")
        parser.add_argument("--no-migrate", action="store_true", help="do not migrate first")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        env = dict(os.environ)
        env["QINGQIAN_BIND"] = opts["bind"]
        if opts["workers"]:
            env["QINGQIAN_WEB_WORKERS"] = str(opts["workers"])
        if opts["threads"]:
            env["QINGQIAN_WEB_THREADS"] = str(opts["threads"])
        env.setdefault("QINGQIAN_LOG_FORMAT", "json")
        env.setdefault("QINGQIAN_REQUEST_LOG", "INFO")
        # Counters of every worker process are summed through files in this folder (one per
        # server, so two servers on one data folder never clear each other's).
        own = "prom-" + "".join(c if c.isalnum() else "-" for c in opts["bind"])
        prom = Path(env.get("PROMETHEUS_MULTIPROC_DIR") or settings.DATA_DIR / "run" / own)
        shutil.rmtree(prom, ignore_errors=True)
        prom.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(prom)

        python = sys.executable
        children: list[subprocess.Popen[bytes]] = []
        for n in range(opts["task_workers"]):
            worker_env = dict(env, QINGQIAN_PROCESS=f"task-worker-{n + 1}")
            children.append(
                subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                    [python, "-m", "qingqian.cli", "db_worker", "--interval", "1"], env=worker_env
                )
            )
        web = [python, "-m", "gunicorn", "-c", "python:qingqian.ops.gunicorn_conf"]
        children.append(
            subprocess.Popen([*web, "qingqian.wsgi:application"], env=env)  # noqa: S603
        )
        self.stderr.write(
            f"Qingqian: http://{opts['bind']}/ — gunicorn and {opts['task_workers']} task "
            "worker(s); Ctrl-C stops them all."
        )

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        failed: int | None = None
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    failed = child.returncode
                    stopping = True
                    break
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if failed is not None:
            raise CommandError(f"子进程退出（{failed}）/ A child process exited ({failed})")
