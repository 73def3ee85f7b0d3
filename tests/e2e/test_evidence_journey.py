"""Evidence in a real browser: upload a file on the case page, see it listed with its
provenance and the strength score, download the evidence package with the button, and
check the package with the standalone ``qingqian-verify`` (exit 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, Shots, World, log_in, verify_offline

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent: install Debian's chromium to run browser tests",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="Python playwright is not installed")

from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _case(world: World) -> Any:
    from decimal import Decimal

    from qingqian.cases.services import case_open
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    debtor = party_create(
        organisation=world.org,
        actor=None,
        kind="company",
        name="吴中精密模具有限公司",
        credit_code=make_uscc(77),
    )
    return case_open(
        organisation=world.org,
        actor=None,
        creditor=world.creditor,
        debtors=[debtor],
        debt_type="trade",
        channel="web",
        principal=Decimal("12000.00"),
    )


def test_upload_then_package_verifies_offline(
    live_server: Any, page: Any, world: World, shots: Shots, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = _case(world)
    base = live_server.url
    log_in(page, base, world.agent.username, world.password)
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#evidence-panel")
    expect(panel).to_contain_text("还没有证据")
    expect(panel).to_contain_text("证据强度")

    # A wrong file first: the form answers with a clear error and stores nothing.
    sample = tmp_path / "借条.pdf"
    sample.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
    form = page.locator("#evidence-upload-form")
    form.locator("select[name=evidence_type]").select_option("iou")
    form.locator("input[name=title]").fill("借条原件")
    form.locator("input[name=collected_by]").fill("小王")
    form.locator("input[name=collected_at]").fill("2025-03-01T10:30")
    form.locator("input[name=capture_method]").fill("扫描仪")
    form.locator("input[name=original_location]").fill("档案室 A-12")
    form.locator("input[name=file]").set_input_files(str(sample))
    form.get_by_role("button", name="上传").click()
    expect(page.locator("body")).to_contain_text("与文件名或声明的类型不符")
    shots(page, "upload-refused")

    sample.write_bytes(PDF)
    form = page.locator("#evidence-upload-form")
    form.locator("select[name=evidence_type]").select_option("iou")
    form.locator("input[name=title]").fill("借条原件")
    form.locator("input[name=collected_by]").fill("小王")
    form.locator("input[name=collected_at]").fill("2025-03-01T10:30")
    form.locator("input[name=capture_method]").fill("扫描仪")
    form.locator("input[name=original_location]").fill("档案室 A-12")
    form.locator("input[name=file]").set_input_files(str(sample))
    form.get_by_role("button", name="上传").click()
    expect(page.locator("body")).to_contain_text("证据已保存")
    rows = page.locator("#evidence-panel table.evidence-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("借条原件")
    expect(rows.first).to_contain_text("档案室 A-12")
    expect(panel).to_contain_text("款项交付凭证")  # what the checklist still misses
    shots(page, "uploaded")

    with page.expect_download() as download_info:
        page.locator("#evidence-package").click()
    target = tmp_path / "package.zip"
    download_info.value.save_as(str(target))
    from qingqian.ledger.selectors import log_verifier_key

    unpinned = verify_offline(str(target))
    assert unpinned.returncode == 3, unpinned.stdout + unpinned.stderr
    assert "签名者未经验证" in unpinned.stdout
    done = verify_offline(str(target), "--log-key", log_verifier_key().encode())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "全部检查通过" in done.stdout
    from qingqian.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="evidence.export").count() == 1
