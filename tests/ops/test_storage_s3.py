"""Uploaded files on a real S3-compatible store (SeaweedFS from .ci/services): the storage
API itself, evidence upload and download through the API, the offline-verifiable package,
and readiness — with nothing written to the local media folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from qingqian.accounts.services import api_token_create
from qingqian.common.exceptions import ApplicationError
from qingqian.ledger import selectors as log
from qingqian.ledger import services as ledger
from qingqian.ledger.verify_cli import verify_package
from tests.ops import s3

pytestmark = [pytest.mark.s3, pytest.mark.real_clock, pytest.mark.django_db]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


@pytest.fixture
def store(settings: Any) -> Iterator[tuple[dict[str, str], str]]:
    config = s3.require_s3()
    prefix = s3.new_prefix()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings(config, prefix)}
    yield config, prefix
    s3.empty(config, prefix)


def _media_files(settings: Any) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_storage_api_round_trip(store: tuple[dict[str, str], str]) -> None:
    config, prefix = store
    name = default_storage.save("documents/协议.txt", ContentFile("甲乙双方".encode()))
    assert name == "documents/协议.txt"
    assert default_storage.exists(name)
    assert default_storage.size(name) == len("甲乙双方".encode())
    with default_storage.open(name, "rb") as fh:
        assert fh.read().decode() == "甲乙双方"
    # Never overwritten: the same name again is stored under another name.
    second = default_storage.save("documents/协议.txt", ContentFile(b"other"))
    assert second != name
    assert sorted(s3.keys(config, prefix)) == sorted([f"{prefix}/{name}", f"{prefix}/{second}"])
    # A stored file has no local path: code must use open(), never .path.
    with pytest.raises(NotImplementedError):
        default_storage.path(name)
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_evidence_upload_download_and_package_on_s3(
    store: tuple[dict[str, str], str], case: Any, users: dict[str, Any], settings: Any
) -> None:
    config, prefix = store
    lawyer = users["lawyer"]
    api = Client(headers={"Authorization": f"Bearer {api_token_create(user=lawyer)}"})
    url = f"/api/v1/cases/{case.pk}/evidence"
    fields = {
        "evidence_type": "loan_contract",
        "collected_by": "李律师",
        "collected_at": "2025-03-01T10:30:00+08:00",
        "capture_method": "扫描仪",
        "original_location": "档案室 A-12",
    }
    for name, data in (
        ("contract.pdf", PDF),
        ("bank.jpg", JPEG),
    ):
        upload = io.BytesIO(data)
        upload.name = name
        resp = api.post(url, {**fields, "file": upload})
        assert resp.status_code == 201, resp.content
    item_id = resp.json()["id"]

    digests = {hashlib.sha256(d).hexdigest() for d in (PDF, JPEG)}
    stored = s3.keys(config, prefix)
    assert {k.rsplit("/", 1)[1] for k in stored} == digests
    assert all(k.startswith(f"{prefix}/evidence/sha256/") for k in stored)
    assert _media_files(settings) == []  # nothing on the local disk

    down = api.get(f"{url}/{item_id}/versions/1")
    assert down.status_code == 200
    assert down.content == JPEG
    assert down["X-Content-SHA256"] == hashlib.sha256(JPEG).hexdigest()

    ledger.ledger_integrate()
    resp = api.get(f"{url}/package")
    assert resp.status_code == 200
    package = resp.content
    report = verify_package(package, log.log_verifier_key().encode())
    assert report.passed, report.render()
    files = {
        n: zipfile.ZipFile(io.BytesIO(package)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(package)).namelist()
        if n.startswith("files/")
    }
    assert sorted(files.values()) == sorted([PDF, JPEG])


def test_object_changed_in_the_store_is_caught(
    store: tuple[dict[str, str], str], case: Any, users: dict[str, Any]
) -> None:
    """The vault re-hashes what the store returns: a tampered object is not served as the
    evidence (the download refuses it)."""
    from qingqian.evidence.services import evidence_add, evidence_version_download

    config, prefix = store
    item = evidence_add(
        user=users["lawyer"],
        case_id=case.pk,
        evidence_type="loan_contract",
        filename="contract.pdf",
        data=PDF,
        collected_by="李律师",
        collected_at=dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC),
        capture_method="扫描仪",
        original_location="档案室",
    )
    (key,) = s3.keys(config, prefix)
    s3.client(config).put_object(Bucket=config["BUCKET"], Key=key, Body=PDF + b"x")
    with pytest.raises(ApplicationError) as err:
        evidence_version_download(user=users["lawyer"], case_id=case.pk, item_id=item.pk, number=1)
    assert err.value.code == "file_corrupt"


def test_readyz_on_s3(store: tuple[dict[str, str], str], settings: Any) -> None:
    assert Client().get("/readyz").status_code == 200
    config, prefix = store
    bad = s3.storage_settings({**config, "SECRET_KEY": "wrong-secret"}, prefix)
    settings.STORAGES = {**settings.STORAGES, "default": bad}
    resp = Client().get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {"database": "ok", "storage": "failed"}
