"""``qingqian ledger keygen|integrate|checkpoint|proof|consistency|cosign``: the case log.

``keygen`` prints a new signer key (log key by default, ``--witness`` for a witness
cosignature key); ``integrate`` sequences pending entries and publishes a checkpoint;
``checkpoint``, ``proof`` and ``consistency`` print what the API serves (``--json``: one
JSON object); ``cosign`` stores a witness cosignature line; ``verify`` re-checks the stored
log and the rows it covers (exit 1 naming the first bad index); ``tsa-roots`` prints the PEM
roots of the configured time-stamping authority (for ``qingqian-verify --tsa-roots`` and
``openssl ts -verify -CAfile``; the demo's in-process authority says it is not trusted).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.ledger import selectors
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import SIG_COSIGNATURE_V1, SIG_ED25519, generate_signer
from qingqian.ledger.services import (
    LedgerServiceError,
    checkpoint_current,
    cosignature_add,
    ledger_integrate,
)


class Command(SystemCommand):
    help = "The tamper-evident case log (案件日志)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        keygen = sub.add_parser("keygen", help="Print a new signer key (keep it secret).")
        keygen.add_argument("--name", help="key name (default: the log origin)")
        keygen.add_argument("--witness", action="store_true", help="a witness cosigning key")
        keygen.add_argument("--json", action="store_true")
        integrate = sub.add_parser("integrate", help="Sequence pending entries, sign a checkpoint.")
        integrate.add_argument("--json", action="store_true")
        checkpoint = sub.add_parser("checkpoint", help="Print the latest signed checkpoint.")
        checkpoint.add_argument("--since", type=int, help="add a consistency proof from this size")
        checkpoint.add_argument("--json", action="store_true")
        proof = sub.add_parser("proof", help="Inclusion proof of entry INDEX at size SIZE.")
        proof.add_argument("index", type=int)
        proof.add_argument("--size", type=int, help="tree size (default: latest checkpoint)")
        proof.add_argument("--json", action="store_true")
        consistency = sub.add_parser("consistency", help="Consistency proof OLD -> NEW.")
        consistency.add_argument("old", type=int)
        consistency.add_argument("new", type=int, nargs="?")
        consistency.add_argument("--json", action="store_true")
        cosign = sub.add_parser("cosign", help="Store a witness cosignature line.")
        cosign.add_argument("size", type=int)
        cosign.add_argument("line")
        cosign.add_argument("--json", action="store_true")
        verify = sub.add_parser(
            "verify",
            help="Re-hash entries, bundles and tiles against the signed checkpoints, and the "
            "rows the log covers; exit 1 naming the first bad index.",
        )
        verify.add_argument("--json", action="store_true")
        roots = sub.add_parser("tsa-roots", help="PEM roots of the time-stamping authority.")
        roots.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = getattr(self, "_" + opts["action"].replace("-", "_"))(opts)
        except LedgerError as exc:
            raise _fail(LedgerServiceError.from_kernel(exc)) from exc
        except ApplicationError as exc:
            raise _fail(exc) from exc
        text = result.pop("text", None)
        if opts.get("json") or text is None:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(text)

    def _keygen(self, opts: dict[str, Any]) -> dict[str, Any]:
        name = opts["name"] or settings.QINGQIAN_LOG_ORIGIN
        key = generate_signer(name, SIG_COSIGNATURE_V1 if opts["witness"] else SIG_ED25519)
        return {
            "signer_key": key.encode(),
            "verifier_key": key.verifier().encode(),
            "text": f"{key.encode()}\n# public / 公钥: {key.verifier().encode()}",
        }

    def _integrate(self, opts: dict[str, Any]) -> dict[str, Any]:
        checkpoint = ledger_integrate()
        size = selectors.log_size()
        return {
            "size": size,
            "published": checkpoint is not None,
            "text": f"日志大小 / log size: {size}",
        }

    def _checkpoint(self, opts: dict[str, Any]) -> dict[str, Any]:
        from qingqian.ledger.api import checkpoint_json

        result = checkpoint_json()
        if opts["since"] is not None:
            since = opts["since"]
            result["consistency"] = (
                selectors.consistency_proof(since, result["size"]).to_json() if since else None
            )
        return result | {"text": result["note"]}

    def _latest_size(self) -> int:
        latest = checkpoint_current()
        if latest is None:
            raise LedgerServiceError(
                "尚无检查点。", "No checkpoint has been published yet.", code="no_checkpoint"
            )
        return latest.size

    def _proof(self, opts: dict[str, Any]) -> dict[str, Any]:
        size = opts["size"] if opts["size"] is not None else self._latest_size()
        result: dict[str, Any] = selectors.inclusion_proof(opts["index"], size).to_json()
        return result

    def _consistency(self, opts: dict[str, Any]) -> dict[str, Any]:
        new = opts["new"] if opts["new"] is not None else self._latest_size()
        result: dict[str, Any] = selectors.consistency_proof(opts["old"], new).to_json()
        return result

    def _cosign(self, opts: dict[str, Any]) -> dict[str, Any]:
        stored = cosignature_add(size=opts["size"], line=opts["line"])
        return {"size": opts["size"], "witness": stored.witness, "timestamp": stored.timestamp}

    def _verify(self, opts: dict[str, Any]) -> dict[str, Any]:
        from qingqian.ledger.integrity import ledger_verify

        report = ledger_verify()
        result = report.as_dict()
        if not report.ok:
            first = report.first_bad_index
            lines = [
                f"{p.where} [{p.index}]: {p.message_zh} / {p.message_en}" for p in report.problems
            ]
            self.stdout.write(
                json.dumps(result, ensure_ascii=False) if opts["json"] else "\n".join(lines)
            )
            raise CommandError(
                f"日志校验失败：第一个有问题的序号 {first} / The log failed verification: "
                f"first bad index {first}",
                returncode=1,
            )
        text = (
            f"日志完好 / the log verifies: {report.size} entries, {report.checkpoints} "
            f"checkpoints, {report.rows} rows"
        )
        return result | {"text": text}

    def _tsa_roots(self, opts: dict[str, Any]) -> dict[str, Any]:
        from cryptography.hazmat.primitives.serialization import Encoding

        from qingqian.ledger.services import timestamp_authority

        authority = timestamp_authority()
        if authority is None:
            raise LedgerServiceError(
                "未配置可信时间戳机构。",
                "No time-stamping authority is configured.",
                code="timestamp_unconfigured",
            )
        pem = "".join(c.public_bytes(Encoding.PEM).decode() for c in authority.roots)
        return {"authority": authority.name, "pem": pem, "text": pem.rstrip("\n")}


def _fail(exc: ApplicationError) -> CommandError:
    return CommandError(f"{exc.message} [{exc.code}]", returncode=2)
