"""``qingqian keys generate`` and ``qingqian keys rotate-field-key`` (docs/security.md).

``generate`` prints a fresh set of the keys production requires, as environment lines to
put in the service's secret store. ``rotate-field-key --new-key B64`` re-encrypts every
stored ID and phone number under a new field key (run it with the current key still set;
then deploy with ``QINGQIAN_FIELD_KEY`` set to the new key).
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

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "generate":
            self._generate()
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
        actor = None
        if opts.get("user"):
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户不存在：{opts['user']} / Unknown user", returncode=2)
        counts = field_key_rotate(new_key=new_key, actor=actor)
        if opts["json"]:
            self.stdout.write(json.dumps({"rewritten": counts}))
        else:
            for table, n in counts.items():
                self.stdout.write(f"{table}: {n} 条已重新加密 / re-encrypted")
            self.stdout.write(
                "下一步：将 QINGQIAN_FIELD_KEY 设为新密钥后重启。 / Next: set QINGQIAN_FIELD_KEY "
                "to the new key and restart."
            )
