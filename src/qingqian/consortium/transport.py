"""How one member reaches another: HTTP(S) POST of a signed message, the signed answer back.

A small Protocol with the real adapter (``urllib``; HTTPS in production, loopback in tests)
so services can be tested with an in-process fake."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Protocol


class Transport(Protocol):
    def post(self, url: str, body: bytes) -> tuple[int, bytes]: ...


class HttpTransport:
    def __init__(self, timeout: float = 20) -> None:
        self.timeout = timeout

    def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        if not url.startswith(("https://", "http://")):
            raise OSError("only http(s) member URLs")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=body,
            headers={"Content-Type": "text/plain; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()
