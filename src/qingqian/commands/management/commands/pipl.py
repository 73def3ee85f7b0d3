"""``qingqian pipl export --party ID --user NAME [--out FILE.json]``: what is held about
one person (PIPL art. 45; docs/security.md, "PIPL"). Audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import User
from qingqian.commands.base import SystemCommand
from qingqian.common.exceptions import ApplicationError
from qingqian.parties.models import Party
from qingqian.reports.subject_export import party_data_export


class Command(SystemCommand):
    help = "Personal-information tasks (个人信息): the data-subject export."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Everything held about one party, as JSON.")
        export.add_argument("--party", type=int, required=True, help="party id")
        export.add_argument("--user", required=True, help="the compliance officer or admin")
        export.add_argument("--out", help="write to this file instead of standard output")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = User.objects.filter(username=opts["user"], is_active=True).first()
        party = Party.objects.filter(pk=opts["party"]).select_related("organisation").first()
        if actor is None or party is None:
            raise CommandError("用户或当事人不存在。 / Unknown user or party.", returncode=2)
        try:
            data = party_data_export(party=party, actor=actor)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if opts.get("out"):
            Path(opts["out"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
