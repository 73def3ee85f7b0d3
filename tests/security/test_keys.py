"""Finding 2 (High) and 15: no production start without real keys; `check --deploy` reports
every unsafe setting and passes with the documented production settings; CSP, HSTS and
Permissions-Policy headers; the field key can be rotated."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

REQUIRED = (
    "QINGQIAN_SECRET_KEY",
    "QINGQIAN_FIELD_KEY",
    "QINGQIAN_LOOKUP_KEY",
    "QINGQIAN_LOG_SIGNING_KEY",
    "QINGQIAN_VOICE_WEBHOOK_SECRET",
)
QINGQIAN = [sys.executable, "-c", "from qingqian.cli import main; main()"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing of ours inherited but what the test sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGQIAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {"QINGQIAN_DATA_DIR": str(tmp_path), "QINGQIAN_LOG_LEVEL": "ERROR"} | extra
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        QINGQIAN + args, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _production_keys(tmp_path: Path) -> dict[str, str]:
    out = _run(["keys", "generate"], _env(tmp_path, QINGQIAN_DEV="1"))
    assert out.returncode == 0, out.stderr
    keys = dict(line.split("=", 1) for line in out.stdout.splitlines())
    assert set(keys) == set(REQUIRED)
    return keys


def test_start_up_is_refused_without_keys_naming_each(tmp_path: Path) -> None:
    out = _run(["check"], _env(tmp_path))
    assert out.returncode != 0
    for name in REQUIRED:
        assert name in out.stderr
    assert "QINGQIAN_DEV=1" in out.stderr  # says how to run the demo instead


def test_start_up_names_only_the_missing_key(tmp_path: Path) -> None:
    keys = _production_keys(tmp_path)
    keys.pop("QINGQIAN_VOICE_WEBHOOK_SECRET")
    out = _run(["check"], _env(tmp_path, **keys))
    assert out.returncode != 0
    assert "QINGQIAN_VOICE_WEBHOOK_SECRET" in out.stderr
    assert "QINGQIAN_FIELD_KEY" not in out.stderr


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path: Path) -> None:
    env = _env(tmp_path, QINGQIAN_ALLOWED_HOSTS="qingqian.example.cn", **_production_keys(tmp_path))
    out = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    # Only the two that name services a firm must run itself (an RFC 3161 authority and
    # witnesses, docs/ledger.md) may remain; every security setting is clean.
    found = set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", out.stdout + out.stderr))
    assert found <= {"qingqian.W101", "qingqian.W102"}, out.stdout + out.stderr


def test_check_deploy_reports_every_unsafe_setting_in_dev_mode(tmp_path: Path) -> None:
    out = _run(["check", "--deploy"], _env(tmp_path, QINGQIAN_DEV="1"))
    report = out.stdout + out.stderr
    assert out.returncode != 0
    for check_id in (
        "qingqian.E001",  # development flag on
        "qingqian.E002",  # a key derived from the development secret
        "qingqian.W003",  # no public host name
        "security.W004",  # no HSTS
        "security.W008",  # no SSL redirect
        "security.W012",  # session cookie not secure
        "security.W016",  # CSRF cookie not secure
    ):
        assert check_id in report, check_id
    for name in REQUIRED:
        assert name in report


def test_security_headers_on_pages_and_api(db: Any) -> None:
    for path in ("/login/", "/api/v1/openapi.json", "/p/"):
        resp = Client().get(path)
        csp = resp["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "camera=()" in resp["Permissions-Policy"]


def test_hsts_and_redirect_in_production(tmp_path: Path) -> None:
    env = _env(tmp_path, QINGQIAN_ALLOWED_HOSTS="qingqian.example.cn", **_production_keys(tmp_path))
    code = (
        "import django; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=env | {"DJANGO_SETTINGS_MODULE": "qingqian.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "31536000", "True", "True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')",
    ]  # fmt: skip


@pytest.mark.django_db
def test_rotate_field_key_re_encrypts_every_identifier(
    settings: Any, person_debtor: Any, debtor: Any
) -> None:
    from qingqian.common import crypto
    from qingqian.parties.models import Party

    before = {p.pk: (crypto.decrypt(p.id_number_enc), crypto.decrypt(p.phone_enc)) for p in
              Party.objects.all()}  # fmt: skip
    hashes = dict(Party.objects.values_list("pk", "phone_hash"))
    new_key = os.urandom(32)
    out = io.StringIO()
    call_command(
        "keys", "rotate-field-key", "--new-key", base64.b64encode(new_key).decode(), "--json",
        stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["rewritten"]["parties.party"] == 2
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = new_key
    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    after = {p.pk: (crypto.decrypt(p.id_number_enc), crypto.decrypt(p.phone_enc)) for p in
             Party.objects.all()}  # fmt: skip
    assert after == before
    assert dict(Party.objects.values_list("pk", "phone_hash")) == hashes
    # The old key alone no longer opens anything.
    settings.FIELD_ENCRYPTION_KEY = old_key
    with pytest.raises(Exception, match="no configured field key"):
        crypto.decrypt(Party.objects.get(pk=debtor.pk).phone_enc)
    # During the switch, the new key as current and the old one as previous both work.
    settings.FIELD_ENCRYPTION_KEY = new_key
    settings.FIELD_ENCRYPTION_OLD_KEYS = [old_key]
    out = io.StringIO()
    call_command(
        "keys", "rotate-field-key", "--new-key", base64.b64encode(os.urandom(32)).decode(),
        "--json", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["rewritten"]["parties.party"] == 2


@pytest.mark.django_db
def test_rotate_is_idempotent(settings: Any, debtor: Any) -> None:
    new_key = base64.b64encode(os.urandom(32)).decode()
    for expected in (1, 0):
        out = io.StringIO()
        call_command("keys", "rotate-field-key", "--new-key", new_key, "--json", stdout=out)
        assert json.loads(out.getvalue())["rewritten"]["parties.party"] == expected
