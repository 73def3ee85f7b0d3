"""``qingqian witness --log-key KEY --source URL_OR_FILE --state FILE --key-file FILE``.

Run by an independent party (a notary, a law firm): check the log's newest checkpoint against
the last one this witness cosigned and print the cosignature line to send back to the log
(``POST /api/v1/ledger/cosignatures`` or ``qingqian ledger cosign SIZE LINE``). Needs no
database.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.ledger.errors import LedgerError
from qingqian.ledger.note import SignerKey, VerifierKey
from qingqian.ledger.witness import witness_run


class Command(SystemCommand):
    help = "Witness the case log: check consistency and cosign (见证并联署检查点)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--log-key", required=True, help="the log's verifier key string")
        parser.add_argument(
            "--url-or-file",
            "--source",
            dest="source",
            required=True,
            help="tlog base URL (…/tlog/) or a JSON file from `ledger checkpoint --json --since`",
        )
        parser.add_argument("--state", required=True, help="this witness's state file")
        parser.add_argument("--key-file", required=True, help="file with the witness signer key")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            log_key = VerifierKey.parse(opts["log_key"].strip())
            key = SignerKey.parse(Path(opts["key_file"]).read_text(encoding="utf-8").split()[0])
            result = witness_run(
                log_key=log_key,
                witness_key=key,
                source=opts["source"],
                state=Path(opts["state"]),
                timestamp=int(time.time()),
            )
        except LedgerError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(
                f"无法读取输入 / Cannot read the input: {exc}", returncode=2
            ) from exc
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "size": result.checkpoint.size,
                        "previous_size": result.previous_size,
                        "cosignature": result.line,
                    }
                )
            )
        else:
            self.stdout.write(result.line.rstrip("\n"))
