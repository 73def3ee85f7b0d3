"""The user guide, served from the site ``make docs`` builds (``settings.GUIDE_DIR``).

Static pages with no user data. Material for MkDocs puts small inline scripts and styles
in each page, so these responses carry their own Content-Security-Policy allowing inline
code from this origin only (the product's pages keep the strict one).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils._os import safe_join

GUIDE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def guide_page(request: HttpRequest, path: str = "") -> HttpResponseBase:
    root = Path(settings.GUIDE_DIR)
    if not (root / "index.html").is_file():
        missing: HttpResponse = render(request, "web/guide_missing.html", status=404)
        return missing
    try:
        target = Path(safe_join(root, path))
    except Exception as exc:  # SuspiciousFileOperation: a path outside the site
        raise Http404("no such page") from exc
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        raise Http404("no such page")
    served = FileResponse(target.open("rb"))
    served["Content-Security-Policy"] = GUIDE_CSP
    served["Cache-Control"] = "no-cache"
    return served
