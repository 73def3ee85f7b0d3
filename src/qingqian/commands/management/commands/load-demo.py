"""``qingqian load-demo [--cases N] [--seed S] [--json]``: the demo organisation and portfolio.

Idempotent: when the demo organisation exists it creates nothing and prints the logins.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.accounts.models import Organisation
from qingqian.accounts.roles import ROLE_LABELS, Role
from qingqian.commands.base import SystemCommand
from qingqian.common import clock
from qingqian.demo.catalogue import ORG_CODE, PASSWORD
from qingqian.demo.generator import DemoError, load_demo
from qingqian.demo.twofactor import DEMO_TOTP_SECRET
from qingqian.scoring.services import rescore_organisation


class Command(SystemCommand):
    help = (
        "载入演示机构、演示账号和约 2000 件苏州演示案件（可重复运行）/ Load the demo "
        "organisation, logins and about 2,000 Suzhou cases (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=2000, help="number of cases, 20–200000 (default 2000)"
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="random seed: same seed, same portfolio"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        try:
            result = load_demo(cases=opts["cases"], seed=opts["seed"])
        except DemoError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        scored = 0
        if result.created:
            # The debt radar scores the portfolio as a nightly `qingqian daily` would, so the
            # work queue and the case pages show scores from the first login.
            org = Organisation.objects.get(short_code=ORG_CODE)
            scored = rescore_organisation(org.pk, at=clock.today())["scored"]
        seconds = time.perf_counter() - started
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        if result.created:
            self.stdout.write(
                f"演示数据已载入 / demo data loaded: {result.organisation}, "
                f"{result.cases} cases ({scored} scored) in {seconds:.1f} s"
            )
        else:
            self.stdout.write(
                f"演示数据已存在，未做改动 / demo data already present, nothing changed: "
                f"{result.organisation}, {result.cases} cases"
            )
        self.stdout.write("")
        self.stdout.write(f"{'username':<14} {'role':<14} {'角色':<10} password")
        for login in result.logins:
            label = ROLE_LABELS[Role(login["role"])][0]
            self.stdout.write(f"{login['username']:<14} {login['role']:<14} {label:<10} {PASSWORD}")
        self.stdout.write("")
        self.stdout.write(
            "两步验证 / two-factor (admin, compliance): "
            f"authenticator secret {DEMO_TOTP_SECRET}; `qingqian twofactor demo-code` prints a code"
        )
