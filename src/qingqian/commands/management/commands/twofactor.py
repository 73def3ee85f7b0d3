"""``qingqian twofactor``: staff two-factor authentication from the server's shell.

* ``reset --user NAME``: remove a user's authenticator and backup codes (lost phone and lost
  codes); a role that must use two-factor is sent to enrol again at the next sign-in. Audited.
* ``demo-code``: the current code for the demo's published authenticator secret (development
  and demo only; ``QINGQIAN_DEV=1``).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from qingqian.commands.base import SystemCommand


class Command(SystemCommand):
    help = "Staff two-factor authentication (两步验证): reset a user, print the demo code."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset", help="Remove a user's authenticator and backup codes.")
        reset.add_argument("--user", required=True, help="username")
        sub.add_parser("demo-code", help="Print the demo authenticator's current code.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "demo-code":
            self._demo_code()
        else:
            self._reset(opts["user"])

    def _demo_code(self) -> None:
        from django_otp.oath import totp

        from qingqian.demo.twofactor import demo_key_hex

        if not settings.DEV_MODE:
            raise CommandError(
                "仅限开发与演示环境（QINGQIAN_DEV=1）。 / Development and demo only "
                "(QINGQIAN_DEV=1).",
                returncode=2,
            )
        code = totp(bytes.fromhex(demo_key_hex()), t0=0, step=30, digits=6)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  ({left} s)")

    def _reset(self, username: str) -> None:
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from qingqian.accounts.models import User
        from qingqian.audit.services import audit_record

        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username} / No user named {username}", returncode=2)
        with transaction.atomic():
            removed = TOTPDevice.objects.filter(user=user).delete()[0]
            removed += StaticDevice.objects.filter(user=user).delete()[0]
            audit_record(
                actor=None,
                organisation=user.organisation,
                action="twofactor.reset",
                obj=user,
                after={"source": "cli", "removed": removed},
            )
        self.stdout.write(f"已重置 {username} 的两步验证 / two-factor reset for {username}")
