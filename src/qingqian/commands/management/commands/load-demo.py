"""``qingqian load-demo [--cases N] [--seed S] [--json]``: the demo organisation and portfolio.

Idempotent: when the demo organisation exists it creates nothing and prints the logins.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingqian.demodata.portfolio import PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo organisation, users and portfolio (载入演示数据)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=2000, help="number of cases (default 2000)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not 10 <= opts["cases"] <= 200_000:
            raise CommandError(
                "--cases 应在 10–200000 之间 / --cases must be 10–200000", returncode=2
            )
        started = time.perf_counter()
        result = load_demo(cases=opts["cases"], seed=opts["seed"])
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        if result.created:
            self.stdout.write(
                f"演示数据已载入 / demo data loaded: {result.cases} cases "
                f"in {time.perf_counter() - started:.1f} s"
            )
        else:
            self.stdout.write(f"演示数据已存在 / demo data already present: {result.cases} cases")
        self.stdout.write(f"\n{result.organisation}\n演示账号 / demo logins (password: {PASSWORD})")
        for login in result.logins:
            self.stdout.write(f"  {login['username']:<16} {login['role']}")
