"""``qingqian contact check|simulate|plan``: ask the contact policy a what-if question.

``qingqian contact check --policy cn-default --history HISTORY.json --channel robot
--at 2026-03-02T21:59:59+08:00 [--number N] [--party-role debtor] --json`` prints
``{"allowed", "reasons": [{"code", "message", …}], "policy_version", …}``. ``--at`` is ISO 8601
with an offset; the debtor's zone defaults to the policy's (Asia/Shanghai for cn-default;
us-reg-f uses the offset written in ``--at``).

``qingqian contact simulate --debtors 10000 --days 30 --robots 10 [--seed S] --json`` replays a
seeded campaign through the gate and prints attempts, allowed, denied by reason and the
violations an independent re-check found (must be 0).

``qingqian contact plan [--date D] [--robots N] [--json]`` prints the day's contact plan
(``qingqian.commands.contact_plan``).

Thin: parse, call ``qingqian.contact``, print. Bad input exits with code 2 and a bilingual
message. The rules are described in ``docs/contact-policy.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from qingqian.commands.base import SystemCommand
from qingqian.commands.contact_plan import add_plan_parser, run_plan
from qingqian.common.exceptions import ApplicationError
from qingqian.contact.policy import (
    Channel,
    ContactRequest,
    Decision,
    PartyRole,
    Policy,
    TimezoneRule,
    decide,
    history_from_json,
    holds_from_json,
    parse_instant,
)
from qingqian.contact.presets import PRESETS, preset
from qingqian.contact.simulate import DEFAULT_START, ROBOT_CAPACITY, simulate


def _bad(zh: str, en: str) -> CommandError:
    return CommandError(f"{zh} / {en}", returncode=2)


def _positive(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise _bad(f"{name} 必须是正整数：{raw!r}", f"{name} must be a positive integer: {raw!r}")
    return value


def _choice(raw: str, kind: type[Channel] | type[PartyRole], name: str) -> Any:
    try:
        return kind(raw)
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise _bad(
            f"{name} 取值无效：{raw!r}（可选：{known}）",
            f"{name} has an unknown value: {raw!r} (one of: {known})",
        ) from None


def _read_json(path: str, name: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _bad(
            f"无法读取 {name} 文件 {path!r}：{exc.strerror}",
            f"Cannot read the {name} file {path!r}: {exc.strerror}",
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(
            f"{name} 文件不是合法的 JSON：{exc}", f"The {name} file is not valid JSON: {exc}"
        ) from None


class Command(SystemCommand):
    help = "Contact policy (联系合规政策): `contact check` asks a what-if, `contact simulate`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="May this contact happen? (what-if)")
        check.add_argument("--policy", default="cn-default", help=", ".join(sorted(PRESETS)))
        check.add_argument("--policy-file", help="a policy JSON file instead of a preset")
        check.add_argument("--history", help="JSON list of earlier attempts")
        check.add_argument("--holds", help="JSON list of holds")
        check.add_argument("--channel", required=True, help=", ".join(c.value for c in Channel))
        check.add_argument("--at", required=True, help="ISO 8601 with offset")
        check.add_argument("--number", help="phone number or address contacted")
        check.add_argument("--party-role", default="debtor", help="debtor, guarantor, third_party")
        check.add_argument("--party-id", help="the person's id (matches history party_id)")
        check.add_argument("--debt-id", help="the debt's id (matches history debt_id)")
        check.add_argument("--timezone", help="debtor's IANA zone (default: the policy's)")
        check.add_argument(
            "--collector-valid-until",
            action="append",
            default=None,
            help="certificate expiry of each collector (repeat); default: certified",
        )
        for flag, text in (
            ("--debtor-unreachable", "the debtor is flagged unreachable"),
            ("--nondisclosing-script", "a script that discloses nothing about the debt"),
            ("--legal-notice", "the message is a legal notice"),
            ("--public", "the notice would be posted or published in public"),
            ("--opt-out-line", "the message carries an opt-out line"),
        ):
            check.add_argument(flag, action="store_true", help=text)
        check.add_argument("--json", action="store_true", help="print one JSON object")

        sim = sub.add_parser("simulate", help="Replay a seeded campaign through the gate.")
        sim.add_argument("--debtors", required=True)
        sim.add_argument("--days", required=True)
        sim.add_argument("--robots", required=True)
        sim.add_argument("--seed", default="0")
        sim.add_argument("--policy", default="cn-default", help=", ".join(sorted(PRESETS)))
        sim.add_argument("--robot-capacity", default=str(ROBOT_CAPACITY), help="calls/robot/day")
        sim.add_argument("--start", default=DEFAULT_START.isoformat(), help="first day")
        sim.add_argument("--json", action="store_true", help="print one JSON object")
        sim.add_argument(
            "--db",
            action="store_true",
            help="run through the real database gate (rolled back afterwards; use a small scale)",
        )
        add_plan_parser(sub)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "check":
                self._check(opts)
            elif opts["action"] == "plan":
                run_plan(opts, self.stdout)
            else:
                self._simulate(opts)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from None

    # ---- check -------------------------------------------------------------------

    def _policy(self, opts: dict[str, Any]) -> Policy:
        if opts.get("policy_file"):
            return Policy.from_dict(_read_json(opts["policy_file"], "policy"))
        return preset(opts["policy"])

    def _check(self, opts: dict[str, Any]) -> None:
        policy = self._policy(opts)
        at = parse_instant(opts["at"], "--at")
        channel: Channel = _choice(opts["channel"], Channel, "--channel")
        role: PartyRole = _choice(opts["party_role"], PartyRole, "--party-role")
        if opts.get("timezone") and policy.timezone_rule is TimezoneRule.AT_OFFSET:
            raise _bad(
                f"{policy.name} 以 --at 中的时差为债务人时区，不能再给 --timezone。",
                f"{policy.name} takes the debtor's zone from the offset in --at; drop --timezone.",
            )
        history = (
            history_from_json(_read_json(opts["history"], "history")) if opts.get("history") else []
        )
        holds = holds_from_json(_read_json(opts["holds"], "holds")) if opts.get("holds") else []
        assumptions: list[str] = []
        collectors: tuple[dt.date | None, ...] = ()
        if opts.get("collector_valid_until") is not None:
            collectors = tuple(self._date(v) for v in opts["collector_valid_until"])
        elif channel in policy.certification_channels:
            needed = policy.visit_min_collectors if channel is Channel.VISIT else 1
            collectors = (dt.date.max,) * needed
            assumptions.append(
                f"假定有 {needed} 名持有效证书的催收员 / "
                f"assumed {needed} collector(s) with valid certificates"
            )
        request = ContactRequest(
            channel=channel,
            party_role=role,
            number=opts.get("number"),
            party_id=opts.get("party_id"),
            debt_id=opts.get("debt_id"),
            debtor_timezone=opts.get("timezone"),
            collectors=collectors,
            debtor_unreachable=opts["debtor_unreachable"],
            script_nondisclosing=opts["nondisclosing_script"],
            legal_notice=opts["legal_notice"],
            public=opts["public"],
            opt_out_line=opts["opt_out_line"],
        )
        decision = decide(policy, request, history, holds, at)
        self._print_decision(decision, assumptions, opts["json"])

    def _date(self, raw: str) -> dt.date:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise _bad(
                f"--collector-valid-until 应为 YYYY-MM-DD：{raw!r}",
                f"--collector-valid-until must be YYYY-MM-DD: {raw!r}",
            ) from None

    def _print_decision(self, decision: Decision, assumptions: list[str], as_json: bool) -> None:
        if as_json:
            out = decision.as_dict()
            out["assumptions"] = assumptions
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        verdict = "允许 allowed" if decision.allowed else "拒绝 denied"
        self.stdout.write(f"{verdict}  ({decision.policy_version}, {decision.rule})")
        self.stdout.write(f"当地时间 local time  {decision.local_time.isoformat()}")
        for reason in decision.reasons:
            self.stdout.write(f"- {reason.code}: {reason.message_zh}")
            self.stdout.write(f"  {reason.message_en}")
        for line in assumptions:
            self.stdout.write(f"* {line}")

    # ---- simulate ----------------------------------------------------------------

    def _simulate(self, opts: dict[str, Any]) -> None:
        policy = preset(opts["policy"])
        try:
            seed = int(opts["seed"])
        except ValueError:
            raise _bad(
                f"--seed 必须是整数：{opts['seed']!r}",
                f"--seed must be an integer: {opts['seed']!r}",
            ) from None
        try:
            start = dt.date.fromisoformat(opts["start"])
        except ValueError:
            raise _bad(
                f"--start 应为 YYYY-MM-DD：{opts['start']!r}",
                f"--start must be YYYY-MM-DD: {opts['start']!r}",
            ) from None
        began = time.perf_counter()
        if opts.get("db"):
            self._simulate_db(opts, seed, start, began)
            return
        report = simulate(
            policy,
            debtors=_positive(opts["debtors"], "--debtors"),
            days=_positive(opts["days"], "--days"),
            robots=_positive(opts["robots"], "--robots"),
            robot_capacity=_positive(opts["robot_capacity"], "--robot-capacity"),
            rng=random.Random(seed),  # noqa: S311 (a reproducible simulation, not secrets)
            start=start,
        )
        out = report.as_dict()
        out["seed"] = seed
        out["start"] = start.isoformat()
        out["wall_seconds"] = round(time.perf_counter() - began, 3)
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(
            f"{out['policy_version']}: {out['debtors']} 债务人 debtors × {out['days']} 天 days × "
            f"{out['robots']} 机器人 robots (seed {seed})"
        )
        self.stdout.write(
            f"尝试 attempts {out['attempts']}  允许 allowed {out['allowed']}  "
            f"拒绝 denied {out['denied']}  违规 violations {out['violations']}"
        )
        for code, count in out["denied_by_reason"].items():
            self.stdout.write(f"  {code}: {count}")
        self.stdout.write(f"用时 wall time {out['wall_seconds']} s")

    def _simulate_db(self, opts: dict[str, Any], seed: int, start: dt.date, began: float) -> None:
        from qingqian.contact.dbsim import simulate_db

        out = simulate_db(
            debtors=_positive(opts["debtors"], "--debtors"),
            days=_positive(opts["days"], "--days"),
            seed=seed,
            start=start,
        )
        out["start"] = start.isoformat()
        out["wall_seconds"] = round(time.perf_counter() - began, 3)
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(
            f"{out['policy_version']} (数据库闸门 database gate): {out['debtors']} 债务人 "
            f"debtors × {out['days']} 天 days (seed {seed})"
        )
        self.stdout.write(
            f"尝试 attempts {out['attempts']}  允许 allowed {out['allowed']}  "
            f"拒绝 denied {out['denied']}  违规 violations {out['violations']}"
        )
        for rule, count in out["denied_by_rule"].items():
            self.stdout.write(f"  {rule}: {count}")
        self.stdout.write(f"用时 wall time {out['wall_seconds']} s")
