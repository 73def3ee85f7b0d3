"""Deployment checks for ``qingqian check --deploy`` (docs/security.md, "Deployment").

Django's own deploy checks cover cookies, HSTS, SSL redirect and the secret key's strength;
these add what is Qingqian's: keys derived from the published development secret, the
development flag left on, and proxy and header settings production depends on.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def qingqian_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    out: list[CheckMessage] = []
    if getattr(settings, "DEV_MODE", False):
        out.append(
            Error(
                "QINGQIAN_DEV or QINGQIAN_DEBUG is on: keys may be derived from the published "
                "development secret.",
                hint="Unset QINGQIAN_DEV and QINGQIAN_DEBUG in production.",
                id="qingqian.E001",
            )
        )
    for name in getattr(settings, "MISSING_KEYS", []):
        out.append(
            Error(
                f"{name} is not set: its key is derived from the published development secret.",
                hint="Generate keys with `qingqian keys generate` (docs/security.md).",
                id="qingqian.E002",
                obj=name,
            )
        )
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not os.environ.get(
        "QINGQIAN_TLS_DIRECT"
    ):
        out.append(
            CheckWarning(
                "SECURE_PROXY_SSL_HEADER is unset: behind a TLS proxy every request looks like "
                "plain HTTP (redirect loops, insecure cookies refused).",
                hint="Set QINGQIAN_BEHIND_PROXY=1, or QINGQIAN_TLS_DIRECT=1 when the server "
                "terminates TLS itself.",
                id="qingqian.W001",
            )
        )
    if not getattr(settings, "QINGQIAN_CSP", ""):
        out.append(
            CheckWarning(
                "No Content-Security-Policy is sent.",
                hint="Keep the default QINGQIAN_CSP (docs/security.md).",
                id="qingqian.W002",
            )
        )
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts or not hosts - {"127.0.0.1", "localhost", "testserver"}:
        out.append(
            CheckWarning(
                "ALLOWED_HOSTS names no public host name (or allows any).",
                hint="Set QINGQIAN_ALLOWED_HOSTS to the site's host names.",
                id="qingqian.W003",
            )
        )
    return out
