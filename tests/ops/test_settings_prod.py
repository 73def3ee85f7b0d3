"""What the environment turns on: the object store and the pooler's connection options."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PRINT = (
    "import json, django; from django.conf import settings; django.setup();"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'storage': settings.STORAGES['default'],"
    " 'cursors': db.get('DISABLE_SERVER_SIDE_CURSORS', False),"
    " 'prepare': db.get('OPTIONS', {}).get('prepare_threshold', 'unset'),"
    " 'pooled': settings.QINGQIAN_DB_POOLED}))"
)


def _settings(**env: str) -> dict[str, object]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("QINGQIAN_S3_") and k != "QINGQIAN_DB_POOLED"
    }
    full.update(env, DJANGO_SETTINGS_MODULE="qingqian.settings")
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PRINT], env=full, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_local_folder_by_default() -> None:
    got = _settings(DATABASE_URL="sqlite:///:memory:")
    assert got["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_when_a_bucket_is_named() -> None:
    got = _settings(
        DATABASE_URL="sqlite:///:memory:",
        QINGQIAN_S3_BUCKET="evidence",
        QINGQIAN_S3_ENDPOINT="http://127.0.0.1:9",
        QINGQIAN_S3_ACCESS_KEY="k",
        QINGQIAN_S3_SECRET_KEY="s",
    )
    storage = got["storage"]
    assert isinstance(storage, dict)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "evidence"
    assert options["endpoint_url"] == "http://127.0.0.1:9"
    assert options["file_overwrite"] is False
    assert options["default_acl"] is None


def test_pooled_postgres_turns_off_session_state() -> None:
    url = "postgres://postgres@127.0.0.1:6432/x"
    assert _settings(DATABASE_URL=url, QINGQIAN_DB_POOLED="1") | {"storage": None} == {
        "storage": None,
        "cursors": True,
        "prepare": None,
        "pooled": True,
    }
    direct = _settings(DATABASE_URL=url)
    assert (direct["cursors"], direct["prepare"], direct["pooled"]) == (False, "unset", False)
