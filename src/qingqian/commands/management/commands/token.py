"""``qingqian token create --user NAME [--name LABEL] [--json]``: print a new API token."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.accounts.services import api_token_create
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError


class Command(SystemCommand):
    help = "Manage per-user API tokens (管理 API 令牌)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it once.")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="cli", help="a label for the token")
        create.add_argument("--json", action="store_true", help="print JSON")
        create.add_argument("--days", type=int, help="lifetime in days (default 90)")
        create.add_argument(
            "--scope", choices=["read", "write"], default="write", help="read: GET only"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(
                f"用户不存在或已停用：{opts['user']} / No active user named {opts['user']}",
                returncode=2,
            )
        try:
            token = api_token_create(
                user=user, name=opts["name"], days=opts.get("days"), scope=opts["scope"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        if opts["json"]:
            self.stdout.write(json.dumps({"user": user.username, "token": token}))
        else:
            self.stdout.write(token)
