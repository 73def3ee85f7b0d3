"""``qingqian contact plan``: print the day's contact plan (今日联系计划).

``qingqian contact plan [--date YYYY-MM-DD] [--robots N] [--robot-capacity N]
[--collector-capacity N] [--org CODE] [--json]`` prints, for each organisation (or the one
named), the planned contacts per channel (time, cases, party, channel, reason) and the totals,
then the debtors left out and why. Planning reads only: no attempt is recorded; the contact
gate decides every real attempt when it is made. Bad arguments exit with code 2 and a
bilingual message. See ``docs/contact-dayplan.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper

from qingqian.accounts.models import Organisation
from qingqian.desk.dayplan import Capacity, DayPlanView, day_plan


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def add_plan_parser(sub: Any) -> None:
    plan: CommandParser = sub.add_parser("plan", help="The day's contact plan (read only).")
    plan.add_argument("--date", help="the local day to plan (default: today, hours left)")
    plan.add_argument("--robots", help="robots available (default: settings, 10)")
    plan.add_argument("--robot-capacity", help="calls per robot per day (default 800)")
    plan.add_argument("--collector-capacity", help="calls per certified collector per day")
    plan.add_argument("--org", help="organisation short code (default: every organisation)")
    plan.add_argument("--json", action="store_true", help="print one JSON object")


def _count(raw: str | None, name: str, minimum: int = 0) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < minimum:
        raise _bad(
            f"{name} 必须是不小于 {minimum} 的整数：{raw!r}",
            f"{name} must be an integer of at least {minimum}: {raw!r}",
        )
    return value


def run_plan(opts: dict[str, Any], stdout: OutputWrapper) -> None:
    day: dt.date | None = None
    if opts.get("date"):
        try:
            day = dt.date.fromisoformat(opts["date"])
        except ValueError:
            raise _bad(
                f"--date 应为 YYYY-MM-DD：{opts['date']!r}",
                f"--date must be YYYY-MM-DD: {opts['date']!r}",
            ) from None
    capacity = Capacity.from_settings(
        robots=_count(opts.get("robots"), "--robots"),
        robot_capacity=_count(opts.get("robot_capacity"), "--robot-capacity", 1),
        collector_capacity=_count(opts.get("collector_capacity"), "--collector-capacity"),
    )
    orgs = Organisation.objects.order_by("pk")
    if opts.get("org"):
        orgs = orgs.filter(short_code=opts["org"])
        if not orgs.exists():
            raise _bad(f"机构不存在：{opts['org']!r}", f"No organisation {opts['org']!r}.")
    views = [day_plan(o, day, capacity=capacity) for o in orgs]
    if opts.get("json"):
        out = {
            "date": views[0].day.isoformat() if views else (day.isoformat() if day else None),
            "plans": [v.as_dict() for v in views],
        }
        stdout.write(json.dumps(out, ensure_ascii=False))
        return
    for view in views:
        _print(view, stdout)


def _print(view: DayPlanView, stdout: OutputWrapper) -> None:
    stdout.write(
        f"== {view.organisation.short_code} {view.day.isoformat()} 联系计划 contact plan "
        f"({view.policy_version})"
    )
    if view.not_before:
        stdout.write(f"自 from {view.not_before.astimezone().strftime('%H:%M')} 起 onwards")
    for channel, slots in view.by_channel().items():
        stdout.write(f"-- {channel}: {len(slots)}")
        for s in slots:
            who = s.collector or (f"robot {s.robot}" if s.robot is not None else "")
            stdout.write(
                f"  {s.at:%H:%M} {','.join(r for _, r in s.cases)} {s.party_name} "
                f"{channel} {s.reason_code} {who}".rstrip()
            )
    totals = ", ".join(f"{k} {v}" for k, v in sorted(view.totals.items())) or "0"
    stdout.write(f"合计 totals: {totals}; 未安排 left out: {len(view.left_out)}")
    for x in view.left_out:
        stdout.write(f"  - {x.party_name} [{x.category}] {x.code}")
