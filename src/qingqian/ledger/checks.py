"""``qingqian check --deploy``: the log's evidential settings in production.

A production log needs a real RFC 3161 authority (``QINGQIAN_TSA_URL`` with
``QINGQIAN_TSA_ROOTS``), never the demo's in-process one, and independent witnesses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEMO_AUTHORITY = "qingqian.ledger.demo_tsa.demo_authority"


@register(Tags.security, deploy=True)
def ledger_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    configured = getattr(settings, "QINGQIAN_TIMESTAMP_AUTHORITY", "")
    url = getattr(settings, "QINGQIAN_TSA_URL", "")
    if configured == DEMO_AUTHORITY:
        problems.append(
            Error(
                "演示用时间戳机构不可用于生产。 / The demo's in-process time-stamping "
                "authority is not trusted and must not be used in production.",
                hint="Unset QINGQIAN_TIMESTAMP_AUTHORITY; set QINGQIAN_TSA_URL and "
                "QINGQIAN_TSA_ROOTS.",
                id="qingqian.E101",
            )
        )
    elif not configured and not url:
        problems.append(
            Warning(
                "未配置可信时间戳机构：证据包将没有 RFC 3161 时间戳。 / No RFC 3161 "
                "time-stamping authority: evidence packages will carry no trusted time.",
                hint="Set QINGQIAN_TSA_URL and QINGQIAN_TSA_ROOTS (docs/ledger.md).",
                id="qingqian.W101",
            )
        )
    elif url and not getattr(settings, "QINGQIAN_TSA_ROOTS", ""):
        problems.append(
            Error(
                "已设置时间戳机构地址但没有根证书。 / QINGQIAN_TSA_URL is set without "
                "QINGQIAN_TSA_ROOTS.",
                id="qingqian.E102",
            )
        )
    first = str(getattr(settings, "QINGQIAN_LOG_FIRST_KEY", "") or "").strip()
    if first and not _log_key_of_origin(first):
        problems.append(
            Error(
                "QINGQIAN_LOG_FIRST_KEY 不是本日志来源的 Ed25519 验证公钥。 / "
                "QINGQIAN_LOG_FIRST_KEY is not an Ed25519 verifier key of this log's origin.",
                hint="Set it to the log's first verifier key, as `qingqian keys rotate-log-key` "
                "prints it (docs/security.md).",
                id="qingqian.E103",
            )
        )
    if not getattr(settings, "QINGQIAN_WITNESS_KEYS", []):
        problems.append(
            Warning(
                "未配置见证人：无法向第三方排除分叉视图。 / No witnesses are configured: "
                "third parties cannot exclude a split view of the log.",
                hint="Set QINGQIAN_WITNESS_KEYS (docs/ledger.md, Witnesses).",
                id="qingqian.W102",
            )
        )
    return problems


def _log_key_of_origin(text: str) -> bool:
    from qingqian.ledger.errors import LedgerError
    from qingqian.ledger.note import SIG_ED25519, VerifierKey

    try:
        key = VerifierKey.parse(text)
    except LedgerError:
        return False
    return key.sig_type == SIG_ED25519 and key.name == settings.QINGQIAN_LOG_ORIGIN
