"""The S3-compatible store the production tests use (``.ci/services seaweedfs``).

Its address and throwaway credentials come from ``QINGQIAN_TEST_S3_*`` (``.ci/services env``
prints them). Locally, without it, the tests are skipped with the reason; under CI
(``CI=true``) a missing store is a failure, never a skip. Requests to it are signed with the
time, so tests that talk to it run on the real clock (``real_clock``), and are skipped in
the shifted-clock run (``faketime``)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

VARS = ("ENDPOINT", "BUCKET", "ACCESS_KEY", "SECRET_KEY")


def s3_config() -> dict[str, str] | None:
    values = {k: os.environ.get(f"QINGQIAN_TEST_S3_{k}", "") for k in VARS}
    return values if all(values.values()) else None


def require_s3() -> dict[str, str]:
    if os.environ.get("FAKETIME"):
        # S3 requests are signed with the time; the store refuses a clock years off its own.
        pytest.skip("the object store checks request times against its own clock")
    config = s3_config()
    reason = "no S3 store: run `.ci/services seaweedfs` and export `.ci/services env`"
    if config is None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return config


def storage_settings(config: dict[str, str], prefix: str) -> dict[str, Any]:
    """``STORAGES["default"]`` on the test store, every object under ``prefix``."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": config["BUCKET"],
            "endpoint_url": config["ENDPOINT"],
            "access_key": config["ACCESS_KEY"],
            "secret_key": config["SECRET_KEY"],
            "region_name": "us-east-1",
            "location": prefix,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": False,
        },
    }


def server_env(config: dict[str, str], prefix: str) -> dict[str, str]:
    """The same store for a server process, through the variables settings.py reads."""
    return {
        "QINGQIAN_S3_BUCKET": config["BUCKET"],
        "QINGQIAN_S3_ENDPOINT": config["ENDPOINT"],
        "QINGQIAN_S3_ACCESS_KEY": config["ACCESS_KEY"],
        "QINGQIAN_S3_SECRET_KEY": config["SECRET_KEY"],
        "QINGQIAN_S3_PREFIX": prefix,
    }


def client(config: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=config["ENDPOINT"],
        aws_access_key_id=config["ACCESS_KEY"],
        aws_secret_access_key=config["SECRET_KEY"],
        region_name="us-east-1",
    )


def keys(config: dict[str, str], prefix: str) -> list[str]:
    out: list[str] = []
    pages = client(config).get_paginator("list_objects_v2")
    for page in pages.paginate(Bucket=config["BUCKET"], Prefix=prefix + "/"):
        out.extend(obj["Key"] for obj in page.get("Contents", []))
    return out


def empty(config: dict[str, str], prefix: str) -> None:
    s3 = client(config)
    for key in keys(config, prefix):
        s3.delete_object(Bucket=config["BUCKET"], Key=key)


def new_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
