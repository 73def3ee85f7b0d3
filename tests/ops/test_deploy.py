"""deploy/ checked by each tool's own checker where this machine has it: systemd units by
``systemd-analyze verify``, the Caddyfile by ``caddy validate``, the Compose file by
``docker compose config`` (or, without the plugin, by its structure), PgBouncer's file by
its settings."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPO = DEPLOY.parent


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; .ci/run installs it")
        pytest.skip(f"{name} is not installed here")
    return found


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = _tool("systemd-analyze")
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {u.name for u in units} >= {
        "qingqian-postgresql.service",
        "qingqian-pgbouncer.service",
        "qingqian-seaweedfs.service",
        "qingqian-web.service",
        "qingqian-worker@.service",
        "qingqian-caddy.service",
    }
    # The units name /srv/qingqian (the install folder); verify them against this checkout,
    # whose .venv has the same programs (qingqian, weed). A template is verified as an instance.
    names = []
    for unit in units:
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(unit.read_text().replace("/srv/qingqian", str(REPO)))
        names.append(str(tmp_path / name))
    missing = [
        p
        for p in ("/usr/sbin/pgbouncer", "/usr/bin/caddy", "/usr/lib/postgresql/15/bin/postgres")
        if not Path(p).exists()
    ]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"the programs the units start are not all installed: {missing}")
    result = subprocess.run(  # noqa: S603
        [analyze, "verify", "--man=no", *names], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    ours = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert ours == [], ours  # not even a warning (unknown keys are only warnings)


def test_caddyfile_validates() -> None:
    caddy = _tool("caddy")
    env = {**os.environ, "QINGQIAN_HOST": "qingqian.example.cn"}
    result = subprocess.run(  # noqa: S603
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "config/Caddyfile")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Valid configuration" in result.stdout + result.stderr


def test_compose_file() -> None:
    path = DEPLOY / "compose.yaml"
    docker = shutil.which("docker")
    has_compose = docker is not None and (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode  # noqa: S603
        == 0
    )
    if has_compose:
        env = {**os.environ}
        for var in set(re.findall(r"\$\{(\w+):\?\}", path.read_text())):
            env[var] = "check"
        done = subprocess.run(  # noqa: S603
            [str(docker), "compose", "-f", str(path), "config", "--quiet"],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    compose = yaml.safe_load(path.read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "pgbouncer", "seaweedfs", "web", "worker", "caddy"}
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        for dep in svc.get("depends_on", {}):
            assert dep in services, (name, dep)
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in compose["volumes"], (name, source)
    # Only the proxy is reachable from outside; the app goes through the pooler, pooled.
    assert [n for n, s in services.items() if s.get("ports")] == ["caddy"]
    web = services["web"]["environment"]
    assert "@pgbouncer:6432/" in web["DATABASE_URL"]
    assert web["QINGQIAN_DB_POOLED"] == "1"
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert (DEPLOY / "Dockerfile").is_file()


def test_pgbouncer_config() -> None:
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(DEPLOY / "config/pgbouncer.ini")
    bouncer = ini["pgbouncer"]
    assert bouncer["pool_mode"] == "transaction"
    assert bouncer["listen_addr"] == "127.0.0.1"
    assert bouncer["auth_type"] == "scram-sha-256"
    assert "qingqian" in ini["databases"]
    env = (DEPLOY / "config/qingqian.env.example").read_text()
    assert "DATABASE_URL=postgres://qingqian:CHANGE-ME@127.0.0.1:6432/qingqian" in env
    assert "QINGQIAN_DB_POOLED=1" in env
