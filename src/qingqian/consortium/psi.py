"""Private set intersection for one query: a thin wrapper over OpenMined's ``openmined-psi``
(ECDH-PSI; docs/consortium-threat-model.md says why PSI and not keyed hashes).

The asker blinds its code(s) with a fresh secret (``PsiAsker``); the answerer re-blinds them
and sends its own list blinded under its own fresh secret in a Golomb-compressed filter
(``psi_answer``), padded with random dummies to the next power of two so only the order of
magnitude of its size shows. Only the asker learns which of *its* codes are in the list.
Pure: no Django; the lists come in as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import private_set_intersection.python as _psi

# False-positive rate of the answerer's filter: at most one wrong "yes" in 10⁹ queries.
FALSE_POSITIVE_RATE = 1e-9
MIN_PADDED = 16


class PsiError(Exception):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


class PsiAsker:
    """One asker's side of one query; keep it until the answer arrives."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = list(codes)
        self._client = _psi.client.CreateWithNewKey(True)

    def request(self) -> bytes:
        return bytes(self._client.CreateRequest(self.codes).SerializeToString())

    def matches(self, setup: bytes, response: bytes) -> list[str]:
        """The asker's codes the answerer holds."""
        try:
            setup_msg = _psi.ServerSetup()
            setup_msg.ParseFromString(setup)
            response_msg = _psi.Response()
            response_msg.ParseFromString(response)
            indices = self._client.GetIntersection(setup_msg, response_msg)
        except Exception as exc:  # the binding raises plain RuntimeError / DecodeError
            raise PsiError("psi_invalid", "PSI 回答无效。", "The PSI answer is invalid.") from exc
        return [self.codes[i] for i in sorted(indices)]


def padded_size(n: int) -> int:
    size = MIN_PADDED
    while size < n:
        size *= 2
    return size


def request_size(request: bytes) -> int:
    """How many codes a request carries (checked before answering: one per query)."""
    msg = _psi.Request()
    try:
        msg.ParseFromString(request)
    except Exception as exc:
        raise PsiError("psi_invalid", "PSI 请求无效。", "The PSI request is invalid.") from exc
    if not msg.reveal_intersection:
        raise PsiError("psi_invalid", "PSI 请求无效。", "The PSI request is invalid.")
    return len(msg.encrypted_elements)


def psi_answer(request: bytes, held: Sequence[str]) -> tuple[bytes, bytes]:
    """The answerer's ``(setup, response)`` for ``request`` against the ``held`` codes."""
    items = list(dict.fromkeys(held))
    # Dummies are 32 random hex digits: never a credit code (18 characters).
    items += [os.urandom(16).hex() for _ in range(padded_size(len(items)) - len(items))]
    msg = _psi.Request()
    try:
        msg.ParseFromString(request)
        server = _psi.server.CreateWithNewKey(True)
        setup = server.CreateSetupMessage(
            FALSE_POSITIVE_RATE, len(msg.encrypted_elements), items, _psi.DataStructure.GCS
        )
        response = server.ProcessRequest(msg)
    except Exception as exc:
        raise PsiError("psi_invalid", "PSI 请求无效。", "The PSI request is invalid.") from exc
    return bytes(setup.SerializeToString()), bytes(response.SerializeToString())
