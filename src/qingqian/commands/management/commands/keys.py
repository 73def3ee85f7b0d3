"""``qingqian keys generate``, ``rotate-field-key`` and ``rotate-log-key`` (docs/security.md).

``generate`` prints a fresh set of the keys production requires, as environment lines to
put in the service's secret store. ``rotate-field-key --new-key B64`` re-encrypts every
stored ID and phone number under a new field key (run it with the current key still set;
then deploy with ``QINGQIAN_FIELD_KEY`` set to the new key). ``rotate-log-key
--new-key-file PATH`` announces a new log signing key in a checkpoint signed by the current
one (run it with the current key still set; then deploy with ``QINGQIAN_LOG_SIGNING_KEY``
set to the new key and ``QINGQIAN_LOG_FIRST_KEY`` pinned to the first key).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.cases.key_rotation import field_key_rotate
from qingqian.commands.base import SystemCommand
from qingqian.ledger.note import SignerKey


def _b64key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


class Command(SystemCommand):
    help = "Generate production keys, rotate the field-encryption key (密钥管理)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="Print a new set of required keys (environment lines).")
        rotate = sub.add_parser(
            "rotate-field-key", help="Re-encrypt every stored identifier under a new field key."
        )
        rotate.add_argument("--new-key", required=True, help="the new key, 32 bytes base64")
        rotate.add_argument("--user", help="username recorded in the audit trail")
        rotate.add_argument("--json", action="store_true", help="print JSON")
        log = sub.add_parser(
            "rotate-log-key",
            help="Announce a new log signing key in a checkpoint signed by the current one.",
        )
        given = log.add_mutually_exclusive_group(required=True)
        given.add_argument("--new-key", help="the new note signer key (PRIVATE+…)")
        given.add_argument("--new-key-file", help="a file holding the new note signer key")
        log.add_argument("--user", help="username recorded in the audit trail")
        log.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "generate":
            self._generate()
        elif opts["action"] == "rotate-log-key":
            self._rotate_log(opts)
        else:
            self._rotate(opts)

    def _generate(self) -> None:
        origin = settings.QINGQIAN_LOG_ORIGIN
        lines = {
            "QINGQIAN_SECRET_KEY": secrets.token_urlsafe(64),
            "QINGQIAN_FIELD_KEY": _b64key(),
            "QINGQIAN_LOOKUP_KEY": _b64key(),
            "QINGQIAN_LOG_SIGNING_KEY": SignerKey(origin, 1, os.urandom(32)).encode(),
            "QINGQIAN_VOICE_WEBHOOK_SECRET": secrets.token_urlsafe(48),
        }
        for name, value in lines.items():
            self.stdout.write(f"{name}={value}")

    def _rotate(self, opts: dict[str, Any]) -> None:
        try:
            new_key = base64.b64decode(opts["new_key"], validate=True)
        except (binascii.Error, ValueError):
            new_key = b""
        if len(new_key) != 32:
            raise CommandError(
                "新密钥须为 base64 编码的 32 字节。 / The new key must be 32 bytes, base64.",
                returncode=2,
            )
        if new_key == settings.FIELD_ENCRYPTION_KEY:
            raise CommandError(
                "新密钥与当前密钥相同。 / The new key is the current key.", returncode=2
            )
        counts = field_key_rotate(new_key=new_key, actor=_actor(opts))
        if opts["json"]:
            self.stdout.write(json.dumps({"rewritten": counts}))
        else:
            for table, n in counts.items():
                self.stdout.write(f"{table}: {n} 条已重新加密 / re-encrypted")
            self.stdout.write(
                "下一步：将 QINGQIAN_FIELD_KEY 设为新密钥后重启。 / Next: set QINGQIAN_FIELD_KEY "
                "to the new key and restart."
            )

    def _rotate_log(self, opts: dict[str, Any]) -> None:
        from qingqian.common.exceptions import ApplicationError
        from qingqian.ledger.checkpoint import announced_key, parse_checkpoint
        from qingqian.ledger.keys import log_signer
        from qingqian.ledger.note import parse_note
        from qingqian.ledger.selectors import log_first_key
        from qingqian.ledger.services import ledger_log_key_rotate

        text = opts.get("new_key") or ""
        if opts.get("new_key_file"):
            try:
                with open(opts["new_key_file"], encoding="utf-8") as handle:
                    text = handle.read().strip()
            except OSError as exc:
                raise CommandError(f"无法读取密钥文件 / Cannot read the key file: {exc}") from exc
        old = log_signer().verifier()
        first = log_first_key() or old
        try:
            checkpoint = ledger_log_key_rotate(new_key=text, actor=_actor(opts))
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]", returncode=2) from exc
        found = announced_key(parse_checkpoint(parse_note(checkpoint.note).text))
        assert found is not None
        new, from_size = found
        summary = {
            "announced_in": checkpoint.size,
            "old_key_id": old.key_id.hex(),
            "new_key_id": new.key_id.hex(),
            "new_key": new.encode(),
            "from_size": from_size,
            "first_key": first.encode(),
        }
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"检查点 {checkpoint.size} 已由旧密钥 {old.key_id.hex()} 签名并公告新密钥 "
            f"{new.key_id.hex()}（自树大小 {from_size} 起签名）。 / Checkpoint {checkpoint.size}, "
            f"signed by the old key {old.key_id.hex()}, announces the new key "
            f"{new.key_id.hex()} (signing from tree size {from_size})."
        )
        self.stdout.write(
            "下一步：设置以下环境变量后重启；在此之前不会签发新的检查点。 / Next: set these "
            "and restart; no checkpoint is signed until then."
        )
        self.stdout.write("QINGQIAN_LOG_SIGNING_KEY=<the new key>")
        self.stdout.write(f"QINGQIAN_LOG_FIRST_KEY={first.encode()}")


def _actor(opts: dict[str, Any]) -> User | None:
    if not opts.get("user"):
        return None
    actor = User.objects.filter(username=opts["user"]).first()
    if actor is None:
        raise CommandError(f"用户不存在：{opts['user']} / Unknown user", returncode=2)
    return actor
